"""The log pane: the store's log lines (including the client's diagnostics), each with its time of day.

Focusable (``l`` focuses it, arrows and PgUp/PgDn scroll, Esc gives the keys
back to the board) and as tall as the stylesheet makes it (a share of the
terminal, so it grows with the window).
"""

from __future__ import annotations

import time
from typing import Callable

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import var
from textual.widgets import RichLog

from console.store.state import LogLevel, LogLine

_STYLE = {LogLevel.DEBUG: "dim", LogLevel.INFO: "", LogLevel.WARNING: "bold", LogLevel.ERROR: "bold reverse"}
_MARK = {LogLevel.DEBUG: "·", LogLevel.INFO: " ", LogLevel.WARNING: "!", LogLevel.ERROR: "✕"}


def log_text(line: LogLine, wall_at: float, wall_format: Callable[[float], time.struct_time]) -> str:
    """A log line as plain text (the log file writes the same words as the pane)."""
    return f"{time.strftime('%H:%M:%S', wall_format(wall_at))} {_MARK[line.level]} {line.source:<7} {line.text}"


class LogPane(RichLog, can_focus=True):
    BINDINGS = [Binding("escape", "leave", "Back to the board", id="log_leave")]

    entries: var[tuple[LogLine, ...]] = var(tuple, always_update=True)  # write() repaints the lines it adds

    class Left(Message):
        pass

    def __init__(self, to_wall: Callable[[float], float] = lambda at: at,
                 wall_format: Callable[[float], time.struct_time] = time.localtime, **kwargs) -> None:
        super().__init__(max_lines=2000, wrap=True, markup=False, **kwargs)
        self.to_wall = to_wall
        self.wall_format = wall_format
        self._last_seq = 0
        self._pending: tuple[LogLine, ...] = ()
        self._flush_scheduled = False

    def watch_entries(self, lines: tuple[LogLine, ...]) -> None:
        """New lines are written after the next screen update, not in it.

        A key's log line comes with the card it changed: written at once, the scrolled pane
        (every visible line) would be drawn in the same update and delay the card by its cost.
        """
        self._pending = lines
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.call_after_refresh(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        lines, self._pending = self._pending, ()
        for line in lines:
            if line.seq <= self._last_seq:
                continue
            self._last_seq = line.seq
            stamp = time.strftime("%H:%M:%S", self.wall_format(self.to_wall(line.at)))
            text = Text(f"{stamp} {_MARK[line.level]} {line.source:<7} ", style="dim")
            text.append(line.text, style=_STYLE[line.level])
            self.write(text)

    def action_leave(self) -> None:
        self.post_message(self.Left())
