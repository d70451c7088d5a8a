"""Figures drawn as large as the widget allows, for a wallboard read from across a room.

A 3x5 pixel font of block characters; two pixel rows share one terminal row
(``▀ ▄ █``), so a pixel is about square (a cell is twice as tall as wide). The
scale is the largest whole number at which the value fits the widget: 3 rows
at 80x24, ten or more on a wall screen. What cannot be drawn is shown as text.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

FONT: dict[str, tuple[str, ...]] = {
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", "###", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", "..#", "..#", "..#"),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
    ":": (".", "#", ".", "#", "."),
    ".": (".", ".", ".", ".", "#"),
    "-": ("...", "...", "###", "...", "..."),
    " ": ("..", "..", "..", "..", ".."),
}
_HALVES = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def pixel_width(value: str) -> int:
    """Pixels across ``value`` at scale 1, a pixel's gap between glyphs."""
    return sum(len(FONT[ch][0]) for ch in value) + max(0, len(value) - 1)


def scale_for(value: str, width: int, height: int, reserve: int = 3) -> int:
    """The largest scale at which ``value`` fits ``width`` x ``height`` cells; 0 if not even scale 1. The
    width is taken as at least ``reserve`` digits', so tiles side by side show 7 and 120 at one size."""
    if not value or any(ch not in FONT for ch in value):
        return 0
    wide = max(pixel_width(value), pixel_width("8" * reserve))
    scale = 0
    while wide * (scale + 1) <= width and (5 * (scale + 1) + 1) // 2 <= height:
        scale += 1
    return scale


def draw(value: str, scale: int) -> list[str]:
    """``value`` at ``scale``: the terminal lines (half-block characters)."""
    rows: list[list[bool]] = []
    for y in range(5):
        row: list[bool] = []
        for i, ch in enumerate(value):
            if i:
                row += [False] * scale
            for pixel in FONT[ch][y]:
                row += [pixel == "#"] * scale
        rows += [row] * scale
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    return ["".join(_HALVES[top, bottom] for top, bottom in zip(rows[i], rows[i + 1]))
            for i in range(0, len(rows), 2)]


class BigDigits(Widget):
    """Shows ``value`` centred, as large as fits."""

    DEFAULT_CSS = "BigDigits { width: 100%; height: 1fr; min-height: 3; }"
    value: reactive[str] = reactive("", layout=False)

    def __init__(self, value: str = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.value = value

    def update(self, value: str) -> None:
        self.value = value

    @property
    def scale(self) -> int:
        return scale_for(self.value, self.size.width, self.size.height)

    def render(self) -> Text:
        width, height = self.size
        scale = self.scale
        lines = draw(self.value, scale) if scale else [self.value]
        top = max(0, (height - len(lines)) // 2)
        text = Text("\n" * top + "\n".join(line.center(width) for line in lines), no_wrap=True, overflow="crop")
        return text
