"""The busy lamp field: one tile per extension (state as symbol, word-free colour class and number/name),
then the park orbits. The screen sets ``tiles`` and ``cursor``; the tiles carry CSS classes per state so
every theme colours them (console/ui/app.tcss)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Grid, VerticalScroll
from textual.reactive import var
from textual.widgets import Static

from console.core.directory import PresenceState

from ..words import PRESENCE_WORDS

COLUMNS = 5  # 15 columns a tile at 80x24: "● 201 Alice A." whole


@dataclass(frozen=True)
class Tile:
    """One lamp: an extension (``state``) or a park orbit (``orbit`` True; ``state`` busy when occupied)."""

    number: str
    name: str
    state: PresenceState | None
    orbit: bool = False
    parked: str = ""  # an occupied orbit: who waits there

    @property
    def text(self) -> str:
        if self.orbit:
            return f"P{self.number} {'◉ ' + self.parked if self.parked else '· free'}"
        symbol, _ = PRESENCE_WORDS[self.state]
        return f"{symbol} {self.number} {self.name}".rstrip()

    @property
    def css_class(self) -> str:
        if self.orbit:
            return "-parked" if self.parked else "-free"
        return f"-{(self.state or 'unknown')}".replace("_", "-")


class Lamp(Static):
    def show(self, tile: Tile, cursor: bool) -> None:
        self.update(tile.text)
        for cls in list(self.classes):
            if cls.startswith("-"):
                self.remove_class(cls)
        self.add_class(tile.css_class)
        self.set_class(cursor, "-cursor")


class LampField(VerticalScroll):
    """Tiles in a grid of ``COLUMNS`` columns; scrolls when there are more rows than fit."""

    can_focus = False  # the screen's arrows move the cursor; the field follows it

    # var: the field paints nothing itself (a reactive would repaint every lamp); the lamps repaint themselves
    tiles: var[tuple[Tile, ...]] = var((), always_update=False, init=False)
    cursor: var[int] = var(0, init=False)

    def compose(self) -> ComposeResult:
        yield Grid(id="lamp-grid")

    def watch_tiles(self, tiles: tuple[Tile, ...]) -> None:
        grid = self.query_one("#lamp-grid", Grid)
        lamps = list(grid.query(Lamp))
        if len(lamps) != len(tiles):
            grid.remove_children()
            lamps = [Lamp(classes="lamp") for _ in tiles]
            grid.mount_all(lamps)
        self._paint(lamps)

    def watch_cursor(self, cursor: int) -> None:
        lamps = list(self.query_one("#lamp-grid", Grid).query(Lamp))
        self._paint(lamps)
        if 0 <= cursor < len(lamps):
            self.scroll_to_widget(lamps[cursor], animate=False)

    def _paint(self, lamps: list[Lamp]) -> None:
        for index, (lamp, tile) in enumerate(zip(lamps, self.tiles)):
            lamp.show(tile, index == self.cursor)
