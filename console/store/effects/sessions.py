"""The saved session: the identifier that lets a restarted console take its calls back.

Saved when a login succeeds, kept current while logged in (a SIP login's
identifier carries its dialogs, so it changes as calls come and go), forgotten
when the session ends. Never a password: only the server's identifier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from console.core.enums import LOGIN_STATES
from console.core.errors import ConsoleError

from .. import events as ev
from ..state import AppState

if TYPE_CHECKING:
    from console.persist import SessionFile

SESSION_OVER = frozenset({LOGIN_STATES.LOGGED_OUT_EXPLICIT, LOGIN_STATES.LOGGED_OUT_IMPLICIT,
                          LOGIN_STATES.LOGIN_RESTORE_FAILED})


class SessionKeeper:
    """Writes ``identifier()`` (the client's login identifier, None without a client) to ``sessions``;
    ``dispatch`` says whether a session is saved, ``report`` gets a line when the file cannot be written."""

    def __init__(self, sessions: SessionFile, identifier: Callable[[], str | None],
                 dispatch: Callable[[ev.Event], None], report: Callable[[str], None]) -> None:
        self.sessions = sessions
        self._identifier = identifier
        self._dispatch = dispatch
        self._report = report
        self._login: LOGIN_STATES | None = None
        self._calls: tuple = ()
        self._saved: str | None = None

    def __call__(self, state: AppState) -> None:
        login = state.login
        changed, calls_changed = login.state is not self._login, state.calls is not self._calls
        self._login, self._calls = login.state, state.calls
        if login.state is LOGIN_STATES.SUCCESS and (changed or calls_changed):
            identifier = self._identifier()
            if identifier and (changed or identifier != self._saved):
                self._saved = identifier
                self._persist(lambda: self.sessions.put(login.server, identifier, login.username))
                if changed:
                    self._dispatch(ev.SavedSessionChanged(True))
        elif changed and login.state in SESSION_OVER:
            self._saved = None
            self._persist(lambda: self.sessions.forget(login.server))
            self._dispatch(ev.SavedSessionChanged(False))

    def _persist(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except ConsoleError as exc:  # PersistenceError: the file could not be written
            self._report(f"could not save: {exc}")
