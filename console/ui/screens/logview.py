"""The log as a screen of its own: reachable from the login screen, where the main screen's pane is hidden."""

from __future__ import annotations

import time

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.logpane import LogPane


class LogScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f2,q", "dismiss", "Close the log", id="logview_close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="logview-box"):
            yield Static("Log (Esc closes; ↑/↓ PgUp/PgDn scroll)", id="logview-title")
            app = self.app
            yield LogPane(to_wall=getattr(app, "to_wall", lambda at: at),
                          wall_format=getattr(app, "wall_format", time.localtime),
                          id="logview")

    def on_mount(self) -> None:
        pane = self.query_one(LogPane)
        self.watch(self.app, "snapshot", lambda state: setattr(pane, "entries", state.log), init=True)
        pane.focus()

    @on(LogPane.Left)
    def _left(self) -> None:
        self.dismiss(None)
