"""The log pane: the store's log lines (including the client's diagnostics), appended as they come."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import RichLog

from console.store.state import LogLevel, LogLine

_STYLE = {LogLevel.DEBUG: "dim", LogLevel.INFO: "", LogLevel.WARNING: "bold", LogLevel.ERROR: "bold reverse"}
_MARK = {LogLevel.DEBUG: "·", LogLevel.INFO: " ", LogLevel.WARNING: "!", LogLevel.ERROR: "✕"}


class LogPane(RichLog):
    entries: reactive[tuple[LogLine, ...]] = reactive(tuple, always_update=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(max_lines=500, wrap=True, markup=False, **kwargs)
        self.can_focus = False
        self._last_seq = 0

    def watch_entries(self, lines: tuple[LogLine, ...]) -> None:
        for line in lines:
            if line.seq <= self._last_seq:
                continue
            self._last_seq = line.seq
            text = Text(f"{_MARK[line.level]} {line.source:<7} ", style="dim")
            text.append(line.text, style=_STYLE[line.level])
            self.write(text)
