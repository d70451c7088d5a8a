"""The log pane: the store's log lines (including the client's diagnostics), each with its time of day.

Focusable (``l`` focuses it, arrows and PgUp/PgDn scroll, Esc gives the keys
back to the board) and as tall as the stylesheet makes it (a share of the
terminal, so it grows with the window).

Lines wrap at the width the pane shows them in: the stylesheet keeps the scroll bar's gutter
(``scrollbar-gutter: stable``), so a scroll bar appearing later cannot hide the end of a wrapped
row, and when the width changes every kept line is wrapped again (RichLog wraps once, at write time,
and crops afterwards: a recording path lost the characters at the fold).
"""

from __future__ import annotations

import time
from collections import deque
from typing import Callable

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive, var
from textual.widgets import RichLog

from console.store.state import LogLevel, LogLine

_STYLE = {LogLevel.DEBUG: "dim", LogLevel.INFO: "", LogLevel.WARNING: "bold", LogLevel.ERROR: "bold reverse"}
MAX_LINES = 2000
_MARK = {LogLevel.DEBUG: "·", LogLevel.INFO: " ", LogLevel.WARNING: "!", LogLevel.ERROR: "✕"}


def log_text(line: LogLine, wall_at: float, wall_format: Callable[[float], time.struct_time]) -> str:
    """A log line as plain text (the log file writes the same words as the pane)."""
    return f"{time.strftime('%H:%M:%S', wall_format(wall_at))} {_MARK[line.level]} {line.source:<7} {line.text}"


class LogPane(RichLog, can_focus=True):
    BINDINGS = [Binding("escape", "leave", "Back to the board", id="log_leave")]

    entries: var[tuple[LogLine, ...]] = var(tuple, always_update=True)  # write() repaints the lines it adds
    # RichLog grows its virtual size with every line, and Widget's virtual_size asks for a layout of the
    # whole screen at each change: every card redrawn for a log line (25 ms with 32 calls, and the card a
    # confirmed hold changed waited for it). The pane's own size is the stylesheet's, not its content's:
    # a new line needs only the pane and its scroll bar redrawn (watch_virtual_size).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    class Left(Message):
        pass

    def __init__(self, to_wall: Callable[[float], float] = lambda at: at,
                 wall_format: Callable[[float], time.struct_time] = time.localtime, **kwargs) -> None:
        super().__init__(max_lines=MAX_LINES, wrap=True, markup=False, **kwargs)
        self.to_wall = to_wall
        self.wall_format = wall_format
        self._last_seq = 0
        self._pending: tuple[LogLine, ...] = ()
        self._flush_scheduled = False
        self._texts: deque[Text] = deque(maxlen=MAX_LINES)  # what was written, to wrap again at a new width
        self._wrapped_at = 0

    def watch_entries(self, lines: tuple[LogLine, ...]) -> None:
        """New lines are written after the next screen update, not in it.

        A key's log line comes with the card it changed: written at once, the scrolled pane
        (every visible line) would be drawn in the same update and delay the card by its cost.
        """
        self._pending = lines
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.call_after_refresh(self._flush)

    def watch_virtual_size(self, size: Size) -> None:
        shown = (self.show_vertical_scrollbar, self.show_horizontal_scrollbar)
        self._scroll_update(size)  # the scroll bar's thumb
        if (self.show_vertical_scrollbar, self.show_horizontal_scrollbar) != shown:
            self.refresh(layout=True)  # a scroll bar came or went: the compositor places it

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
            self._texts.append(text)
            self.write(text, width=self._wrap_width())

    def _wrap_width(self) -> int | None:
        """The width a line wraps at: the pane's less its scroll bar, whether the bar shows yet or not
        (None before the first layout: RichLog then waits for its size)."""
        width = self.size.width - self.styles.scrollbar_size_vertical
        return width if width > 0 and self._size_known else None

    def on_resize(self, event: events.Resize) -> None:
        """Wrap every kept line again when the width changed (also the lines RichLog held back until its
        first layout, which it would wrap at its own width, scroll bar not counted)."""
        super().on_resize(event)
        width = self._wrap_width() or 0
        if width == self._wrapped_at:
            return
        self._wrapped_at = width
        if not width or not self._texts:
            return
        at_end = self.is_vertical_scroll_end
        self.clear()
        for text in self._texts:
            self.write(text, width=width, scroll_end=False)
        if at_end:
            self.scroll_end(animate=False, immediate=False, x_axis=False)

    def action_leave(self) -> None:
        self.post_message(self.Left())
