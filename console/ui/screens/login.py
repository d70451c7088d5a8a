"""The login screen: password or token, the number where the server wants one, restore if saved.

Shown when the console is not logged in and no restore is under way. The
password is handed to the client and dropped: it is never kept or written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from console.core.enums import LOGIN_STATES
from console.store.launch import LoginPlan
from console.store.state import AppState

from ..widgets.inputs import OperatorInput
from ..words import FAILURE_WORDS, LOGIN_WORDS

if TYPE_CHECKING:
    from ..app import SwitchboardApp


class LoginScreen(Screen):
    BINDINGS = [
        Binding("ctrl+r", "restore", "Restore session", id="login_restore"),
        Binding("ctrl+l", "submit", "Log in", id="login_submit"),
        Binding("f2", "app.show_log", "Log", id="login_log"),
    ]
    app: SwitchboardApp

    class Submitted(Message):
        """The operator asked to log in (``token`` set: token login, else password login)."""

        def __init__(self, server: str, username: str, password: str, token: str, number: str) -> None:
            super().__init__()
            self.server, self.username, self.password = server, username, password
            self.token, self.number = token, number

    class RestoreRequested(Message):
        def __init__(self, server: str) -> None:
            super().__init__()
            self.server = server

    def __init__(self, plan: LoginPlan) -> None:
        super().__init__()
        self.plan = plan
        # Focus goes to the first field to fill in as the screen is composed, before any key can arrive:
        # moving it later (on mount) let the first keys typed land in the server field, and a field's
        # select-all on focus let later keys replace them (issue 19: 10 dots for an 8-character password).
        empty = [name for name, value in (("server", plan.server), ("username", plan.username),
                                          ("password", plan.password), ("number", plan.number)) if not value]
        self.AUTO_FOCUS = f"#{empty[0] if empty else 'password'}"

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Static(Text("anynode console — log in", style="bold"), id="login-title")
            yield Static("", id="login-reason")
            with Grid(id="login-fields"):
                yield Label("Server")
                yield OperatorInput(self.plan.server, id="server", placeholder="wss://pbx.example.com:8443", compact=True,
                                    select_on_focus=False)
                yield Label("Username")
                yield OperatorInput(self.plan.username, id="username", compact=True, select_on_focus=False)
                yield Label("Password")
                yield OperatorInput(self.plan.password, id="password", password=True, compact=True,
                                    placeholder="never stored", select_on_focus=False)
                yield Label("or token (JWT)")
                yield OperatorInput("", id="token", password=True, compact=True, placeholder="instead of a password",
                                    select_on_focus=False)
                yield Label("Number")
                yield OperatorInput(self.plan.number, id="number", compact=True, select_on_focus=False,
                                    placeholder="if the server wants one, e.g. +4930123456")
            with Horizontal(id="login-buttons"):
                yield Button("Log in", id="login", variant="primary")
                yield Button("Restore saved session", id="restore")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "snapshot", self._show, init=True)

    def _show(self, state: AppState) -> None:
        login = state.login
        reason = self.query_one("#login-reason", Static)
        failed = login.failure is not None or login.state not in (
            None, LOGIN_STATES.CONNECTING, LOGIN_STATES.SUCCESS, LOGIN_STATES.LOGGED_OUT_EXPLICIT)
        if login.state is LOGIN_STATES.CONNECTING and login.failure is None:
            reason.update(Text("… Connecting" + (" (restoring saved session)" if login.restoring else ""), style="bold"))
        elif login.failure is not None:
            text = Text(f"✕ {FAILURE_WORDS[login.failure]}", style="bold")
            if login.state is not None and login.state is not LOGIN_STATES.CONNECTING:
                text.append(f" ({login.state})")
            if login.failure_detail:
                text.append(f"\n{login.failure_detail}", style="")
            text.append("\nF2 shows the log", style="dim")
            reason.update(text)
        elif login.state is None or login.state is LOGIN_STATES.SUCCESS:
            reason.update("")
        else:
            symbol, words = LOGIN_WORDS[login.state]
            reason.update(Text(f"{symbol} {words} ({login.state})", style="bold"))
        self.set_class(failed, "-failed")
        self.query_one("#restore", Button).display = login.saved_session
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "restore":
            return True if self.app.snapshot.login.saved_session else None
        return True

    def _value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self._value("server"), self._value("username"),
                                         self.query_one("#password", Input).value, self._value("token"),
                                         self._value("number")))

    def action_restore(self) -> None:
        self.post_message(self.RestoreRequested(self._value("server")))

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#login")
    def _login_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#restore")
    def _restore_pressed(self) -> None:
        self.action_restore()
