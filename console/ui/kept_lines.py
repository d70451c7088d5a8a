"""A widget's rendered lines, kept between screen updates until Textual marks the widget for repaint.

Textual (8.2) composes each screen update from every visible widget whose clip overlaps the update's
region, and the cards' clip is the deck's whole area: an update for one card asks all 32 cards for
their lines. Each answers from Textual's own per-line cache, but only after looking up its colours,
filters and border titles again: about 0.07 ms a card, 2-3 ms of a 4 ms update that changes one
card. :class:`KeptLines` answers the same request (same crop, size, filters and theme) with the same
lines until the widget is marked dirty.

Every repaint request in Textual 8.2 (``refresh``, a resize, new styles, a restyle, the screen
beneath a modal one) marks the widget through ``Widget._set_dirty``; the widget drops its kept
lines there (``CallCard._set_dirty``). ``tests/ui/test_kept_lines.py`` fails if Textual stops
routing a repaint through it.
"""

from __future__ import annotations

from typing import Any, Callable

from textual.geometry import Region
from textual.strip import Strip


class KeptLines:
    """The last lines a widget rendered, and what they were rendered for."""

    def __init__(self) -> None:
        self._key: tuple[Any, ...] | None = None
        self._lines: list[Strip] = []

    def get(self, widget: Any, crop: Region, render: Callable[[Region], list[Strip]]) -> list[Strip]:
        app = widget.app
        key = (crop, widget.size, tuple(widget.get_line_filters()), app.ansi_theme, app.native_ansi_color)
        if key != self._key:
            self._lines = render(crop)
            self._key = key
        return self._lines

    def drop(self) -> None:
        self._key = None
