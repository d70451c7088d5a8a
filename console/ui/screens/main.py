"""The main screen: status bar, call cards, dialer, DTMF bar, log pane, footer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from console.store.state import AppState

from ..keys import MAIN_ACTIONS, bindings
from ..widgets import CallDeck, Dialer, DtmfBar, LogPane, LoginStatus

if TYPE_CHECKING:
    from ..app import SwitchboardApp


class MainScreen(Screen):
    """Binds to the app's snapshot and clock and hands the pieces down to its widgets."""

    BINDINGS = bindings(MAIN_ACTIONS)
    AUTO_FOCUS = ""  # nothing: the keys go to the screen bindings until the dialer or DTMF bar opens
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    app: SwitchboardApp

    def compose(self) -> ComposeResult:
        yield LoginStatus(id="status")
        yield CallDeck(id="deck")
        yield DtmfBar(id="dtmf")
        yield Dialer(id="dialer")
        yield LogPane(id="log")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Dialer).display = False
        self.query_one(DtmfBar).display = False
        status = self.query_one(LoginStatus)
        status.embedded = self.app.plan.embedded
        deck = self.query_one(CallDeck)
        deck.hint = "No calls. Press d to dial" + (", F5 for a demo caller." if self.app.plan.demo_call else ".")
        self.watch(self.app, "snapshot", self._show, init=True)
        self.watch(self.app, "now", self._tick, init=True)

    def _show(self, state: AppState) -> None:
        status = self.query_one(LoginStatus)
        status.login = state.login
        status.message = state.last_error and f"✕ {state.last_error}"
        deck = self.query_one(CallDeck)
        deck.calls = state.calls
        deck.focused = state.focused
        self.query_one(LogPane).entries = state.log
        self.query_one(Dialer).history = state.dial_history
        self.query_one(DtmfBar).call = state.focused_call

    def _tick(self, now: float) -> None:
        deck = self.query_one(CallDeck)
        deck.now = now
        deck.levels = {call.slot: self.app.store.level(call.slot) for call in deck.calls if call.audio}
        self.query_one(LoginStatus).details = self.app.store.link_details()

    # -- dialer and DTMF mode -------------------------------------------------------
    def open_dialer(self) -> None:
        self.query_one(DtmfBar).display = False
        self.query_one(Dialer).open()

    def close_dialer(self) -> None:
        self.query_one(Dialer).display = False
        self.set_focus(None)

    def dtmf_mode(self, on: bool) -> None:
        bar = self.query_one(DtmfBar)
        bar.display = on
        if on:
            self.query_one(Dialer).display = False
            bar.focus()
        else:
            self.set_focus(None)

    @property
    def dtmf_active(self) -> bool:
        return bool(self.query_one(DtmfBar).display)

    def toggle_log(self) -> None:
        log = self.query_one(LogPane)
        log.display = not log.display

    @on(Dialer.Dial)
    def _dial(self, message: Dialer.Dial) -> None:
        self.close_dialer()
        self.app.store.dial(message.number)

    @on(Dialer.Closed)
    def _dialer_closed(self) -> None:
        self.close_dialer()

    @on(DtmfBar.Digit)
    def _digit(self, message: DtmfBar.Digit) -> None:
        self.app.store.send_digits(message.digit)

    @on(DtmfBar.Closed)
    def _dtmf_closed(self) -> None:
        self.dtmf_mode(False)
