"""The saved-session effect: the identifier is saved at login, kept current, forgotten at logout."""

from __future__ import annotations

from console.core.enums import CALL_STATES, LOGIN_STATES, Direction
from console.persist import AppDirs, SessionFile
from console.store import Store
from console.store import events as ev
from console.store.effects import SessionKeeper

SERVER = "wss://pbx.example.com:8443"


def keeper(tmp_path, identifier: list[str | None]) -> tuple[Store, SessionFile]:
    sessions = SessionFile(AppDirs(config_dir=tmp_path / "c", data_dir=tmp_path / "d"))
    store = Store()
    store.subscribe(SessionKeeper(sessions, lambda: identifier[0], store.dispatch, print))
    store.dispatch(ev.LoginStarted(SERVER, "operator"))
    return store, sessions


def test_saved_at_login_kept_current_as_calls_change_and_forgotten_at_logout(tmp_path):
    identifier: list[str | None] = ["id-1"]
    store, sessions = keeper(tmp_path, identifier)
    assert sessions.get(SERVER) is None
    store.dispatch(ev.LoginChanged(LOGIN_STATES.SUCCESS, 1.0, number="200"))
    assert sessions.get(SERVER) == "id-1" and store.state.login.saved_session
    identifier[0] = "id-2"  # a SIP login's identifier carries its dialogs
    store.dispatch(ev.CallAdded("k1", Direction.IN, CALL_STATES.OFFERING, 2.0, 0.0, call_id="c1"))
    assert sessions.get(SERVER) == "id-2"
    store.dispatch(ev.LoginChanged(LOGIN_STATES.LOGGED_OUT_EXPLICIT, 3.0))
    assert sessions.get(SERVER) is None and not store.state.login.saved_session


def test_a_login_without_an_identifier_saves_nothing(tmp_path):
    store, sessions = keeper(tmp_path, [None])
    store.dispatch(ev.LoginChanged(LOGIN_STATES.SUCCESS, 1.0, number="200"))
    assert sessions.get(SERVER) is None and not store.state.login.saved_session


def test_a_failed_restore_forgets_the_session(tmp_path):
    store, sessions = keeper(tmp_path, ["id-1"])
    sessions.put(SERVER, "id-old", "operator")
    store.dispatch(ev.LoginChanged(LOGIN_STATES.LOGIN_RESTORE_FAILED, 1.0))
    assert sessions.get(SERVER) is None
