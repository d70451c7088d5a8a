"""The history pane: finished calls (incoming, outgoing, missed, abandoned, declined), newest first.

A table with a cursor: Enter calls the highlighted number back; Esc closes.
Times are wall-clock times of day, formatted by the app's ``wall_format``
(``time.localtime``; the snapshot tests pass ``time.gmtime``).
"""

from __future__ import annotations

import time
from typing import Callable

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from console.store.state import CallKind, HistoryItem

from ..words import KIND_WORDS, format_duration, history_words

WHO_WIDTH = 19  # at least: number and a short name
FIXED_WIDTH = 11 + 11 + 5 + 2 * 5 + 2  # kind, when, talk, each column's padding, the scroll bar


class HistoryPane(DataTable):
    BINDINGS = [  # off the footer (it must fit 80 columns); the pane's title says them
        Binding("enter", "call_back", "Call back", id="history_call_back", show=False),
        Binding("escape", "close", "Close", id="history_close", show=False),
    ]

    class CallBack(Message):
        def __init__(self, number: str) -> None:
            super().__init__()
            self.number = number

    class Closed(Message):
        pass

    def __init__(self, wall_format: Callable[[float], time.struct_time] = time.localtime, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.wall_format = wall_format
        self.items: tuple[HistoryItem, ...] = ()
        self._who_width = WHO_WIDTH

    def on_mount(self) -> None:
        self.border_title = "History: Enter calls back · Esc closes"
        self.add_columns("", "when", "who", "talk", "how it ended")

    def show(self, items: tuple[HistoryItem, ...]) -> None:
        """The rows; a name is cut only where the pane's width leaves no room for it (30 callers "Caller 01" …
        "Caller 30" sharing a number prefix were cut to "Caller" at 80 columns)."""
        ended = max((len(history_words(item.reason, item.cause)) for item in items), default=12)
        who_width = max(WHO_WIDTH, (self.size.width or 80) - FIXED_WIDTH - ended)
        if items == self.items and self.row_count and who_width == self._who_width:
            return
        self.items = items
        self._who_width = who_width
        cursor = self.cursor_row
        self.clear()
        for item in items:
            symbol, kind = KIND_WORDS[item.kind]
            style = "bold" if item.kind in (CallKind.MISSED, CallKind.ABANDONED) else ""
            who = Text(item.number or "?", style="bold")
            if item.name:
                who.append(f" {item.name}"[:who_width - len(who)])
            self.add_row(Text(f"{symbol} {kind}", style=style),
                         time.strftime("%d.%m %H:%M", self.wall_format(item.started_wall)), who,
                         format_duration(item.duration) if item.duration else "—",
                         history_words(item.reason, item.cause))
        if items:
            self.move_cursor(row=min(max(cursor, 0), len(items) - 1))

    def on_resize(self) -> None:
        if self.display:
            self.show(self.items)

    def action_call_back(self) -> None:
        if self.items and 0 <= self.cursor_row < len(self.items):
            number = self.items[self.cursor_row].number
            if number:
                self.post_message(self.CallBack(number))

    def action_close(self) -> None:
        self.post_message(self.Closed())
