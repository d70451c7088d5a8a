"""Deterministic scenes for the snapshot tests: a display-only store fed events, a frozen clock.

These do not fake the client: no client exists. The store is the real one,
given the events the client's handlers would have produced; the reducer turns
them into the state the screens draw.
"""

from __future__ import annotations

from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction
from console.settings import Config, Settings
from console.store import LoginPlan, Store
from console.store import events as ev
from console.ui import SwitchboardApp, build_app

NOW = 100.0
SERVER = "ws://127.0.0.1:8765"


def display_store() -> Store:
    return Store(None, clock=lambda: NOW, wall=lambda: 1_700_000_000.0)


def busy_switchboard(theme: str) -> SwitchboardApp:
    """Five calls: connected (selected), ringing in, held by us with DTMF, ended BUSY, held by the far end."""
    store = display_store()
    d = store.dispatch
    d(ev.LoginStarted(SERVER, "operator"))
    d(ev.LoginChanged(LOGIN_STATES.CONNECTING, 1.0))
    d(ev.LoginChanged(LOGIN_STATES.SUCCESS, 2.0, number="200", display_name="Operator"))
    d(ev.SavedSessionChanged(True))
    d(ev.CallAdded("a", Direction.OUT, CALL_STATES.IDLE, 10.0, 0.0, remote_number="9000"))
    d(ev.CallChanged("a", CALL_STATES.CONNECTED, 20.0, call_id="c1", remote_number="9000", remote_name="Echo test"))
    d(ev.CallAdded("b", Direction.IN, CALL_STATES.OFFERING, 90.0, 0.0, call_id="c2", remote_number="201",
                   remote_name="Alice"))
    d(ev.CallAdded("c", Direction.OUT, CALL_STATES.IDLE, 30.0, 0.0, remote_number="9002"))
    d(ev.CallChanged("c", CALL_STATES.HELD, 40.0, call_id="c3", remote_name="IVR"))
    d(ev.DigitsSent("c", "12#"))
    d(ev.DigitsReceived("c", "12#"))
    d(ev.CallAdded("d", Direction.OUT, CALL_STATES.IDLE, 50.0, 0.0, remote_number="9004"))
    d(ev.CallChanged("d", CALL_STATES.DISCONNECTED, 51.0, call_id="c4", remote_name="Busy", reason=DISC_REASON.BUSY))
    d(ev.CallAdded("e", Direction.IN, CALL_STATES.OFFERING, 60.0, 0.0, call_id="c5", remote_number="202",
                   remote_name="Bob"))
    d(ev.CallChanged("e", CALL_STATES.HOLDING, 61.0))
    d(ev.FocusSlot(1))
    plan = LoginPlan(server=SERVER, username="operator", embedded=True)
    return build_app(Settings(Config(theme=theme)), store, plan, clock=lambda: NOW)


def failed_login(theme: str) -> SwitchboardApp:
    """Not logged in: the last attempt was refused by the server."""
    store = display_store()
    store.dispatch(ev.LoginStarted("wss://pbx.example.com:8443", "alice"))
    store.dispatch(ev.LoginChanged(LOGIN_STATES.CONNECTING, 1.0))
    store.dispatch(ev.LoginChanged(LOGIN_STATES.SERVER_ACCESS, 2.0))
    plan = LoginPlan(server="wss://pbx.example.com:8443", username="alice", number="+4930123456")
    return build_app(Settings(Config(theme=theme)), store, plan, clock=lambda: NOW)
