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
WHO_MAX = 36  # wider only pushes the other columns away
HOW_WIDTH = 16  # "how it ended" keeps this much before a name gives way (most HISTORY_CAUSE_WORDS entries whole)
FIXED_WIDTH = 11 + 11 + 2 * 5 + 2  # kind, when, each column's padding, the scroll bar (talk: as wide as its longest)


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
        self._widths = (0, 0)

    def on_mount(self) -> None:
        self.border_title = "History: Enter calls back · Esc closes"
        self.add_columns("", "when", "who", "talk", "how it ended")

    def show(self, items: tuple[HistoryItem, ...]) -> None:
        """The rows. The caller's number and name take what they need once "how it ended" has its
        ``HOW_WIDTH`` (30 callers "Caller 01" … "Caller 30" sharing a number prefix were all "Caller" at 80
        columns); longer reasons are cut with "…"."""
        talk = max((len(format_duration(item.duration)) for item in items if item.duration), default=1)
        room = (self.size.width or 80) - FIXED_WIDTH - max(4, talk)
        who_needed = max((len(_who(item)) for item in items), default=WHO_WIDTH)
        how_needed = max((len(history_words(item.reason, item.cause, item.to)) for item in items), default=HOW_WIDTH)
        who_width = max(WHO_WIDTH, min(who_needed, WHO_MAX, room - min(how_needed, HOW_WIDTH)))
        how_width = max(HOW_WIDTH, room - who_width)
        if items == self.items and self.row_count and (who_width, how_width) == self._widths:
            return
        self.items = items
        self._widths = (who_width, how_width)
        cursor = self.cursor_row
        self.clear()
        for item in items:
            symbol, kind = KIND_WORDS[item.kind]
            style = "bold" if item.kind in (CallKind.MISSED, CallKind.ABANDONED) else ""
            who = Text(item.number or "?", style="bold")
            if item.name:
                who.append(f" {item.name}"[:who_width - len(who)])
            how = history_words(item.reason, item.cause, item.to)
            if len(how) > how_width:
                how = how[: how_width - 1] + "…"
            self.add_row(Text(f"{symbol} {kind}", style=style),
                         time.strftime("%d.%m %H:%M", self.wall_format(item.started_wall)), who,
                         format_duration(item.duration) if item.duration else "—", how)
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


def _who(item: HistoryItem) -> str:
    return f"{item.number or '?'} {item.name}".strip()
