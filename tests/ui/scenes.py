"""Deterministic scenes for the snapshot tests: a display-only controller whose store is fed events, a frozen clock.

These do not fake the client: no client exists. The store is the real one,
given the events the client's handlers would have produced; the reducer turns
them into the state the screens draw.
"""

from __future__ import annotations

import time

from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction
from console.persist import Config, Settings
from console.store import LoginPlan, Controller
from console.store import events as ev
from console.store.state import CallKind, EndCause, HistoryItem, LoginFailure
from console.ui import SwitchboardApp, build_app

NOW = 100.0
SERVER = "ws://127.0.0.1:8765"


WALL = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC; times of day are drawn in UTC (wall_format=time.gmtime)


def display_store() -> Controller:
    return Controller(None, clock=lambda: NOW, wall=lambda: WALL)


def app_for(store: Controller, plan: LoginPlan, theme: str) -> SwitchboardApp:
    """Deterministic pictures: a frozen clock, UTC times of day, a steady cursor, no log file."""
    return build_app(Settings(Config(theme=theme)), store, plan, clock=lambda: NOW, wall_format=time.gmtime,
                     cursor_blink=False, log_file=False)


def logged_in_store() -> Controller:
    store = display_store()
    d = store.dispatch
    d(ev.LoginStarted(SERVER, "operator"))
    d(ev.LoginChanged(LOGIN_STATES.CONNECTING, 1.0))
    d(ev.LoginChanged(LOGIN_STATES.SUCCESS, 2.0, number="200", display_name="Operator"))
    d(ev.SavedSessionChanged(True))
    return store


def queue_board(theme: str) -> SwitchboardApp:
    """Thirty calls at 80x24: twenty ringing (waiting 5-100 s), nine held by us, one connected and selected."""
    store = logged_in_store()
    d = store.dispatch
    for n in range(30):
        key = f"q{n}"
        d(ev.CallAdded(key, Direction.IN, CALL_STATES.OFFERING, 5.0 + n * 3, WALL, call_id=f"c{n}",
                       remote_number=f"55{n:02d}", remote_name=f"Caller {n}"))
        if n < 10:
            d(ev.CallChanged(key, CALL_STATES.CONNECTED, 40.0 + n))
            if n < 9:
                d(ev.CallChanged(key, CALL_STATES.HELD, 50.0 + n * 4))
    d(ev.FocusSlot(10))
    return app_for(store, LoginPlan(server=SERVER, username="operator", embedded=True), theme)


def practice_queue_board(theme: str) -> SwitchboardApp:
    """Thirty practice callers (+4930555001 "Caller 01" ... +4930555030 "Caller 30", as `anynode-console practice`
    rings them) at 80x24: twenty ringing, nine held (slot 1 for 80 s, past hold_recall, and selected), one
    connected."""
    store = logged_in_store()
    d = store.dispatch
    for n in range(1, 31):
        key = f"p{n}"
        d(ev.CallAdded(key, Direction.IN, CALL_STATES.OFFERING, 2.0 + n, WALL, call_id=f"c{n}",
                       remote_number=f"+4930555{n:03d}", remote_name=f"Caller {n:02d}"))
        if n <= 10:
            d(ev.CallChanged(key, CALL_STATES.CONNECTED, 15.0 + n))
            if n < 10:
                d(ev.CallChanged(key, CALL_STATES.HELD, 20.0 if n == 1 else 60.0 + n))
    d(ev.FocusSlot(1))
    return app_for(store, LoginPlan(server=SERVER, username="operator", embedded=True), theme)


def history_board(theme: str) -> SwitchboardApp:
    """No calls on the board; the history pane open with one call of each kind."""
    store = logged_in_store()
    items = (
        HistoryItem(CallKind.ABANDONED, "201", "Alice", WALL - 60, 0.0, DISC_REASON.SUCCESS, EndCause.CALLER_GAVE_UP),
        HistoryItem(CallKind.MISSED, "7099", "Third caller", WALL - 120, 0.0, DISC_REASON.BUSY, EndCause.NO_FREE_SLOT),
        HistoryItem(CallKind.DECLINED, "202", "Bob", WALL - 300, 0.0, DISC_REASON.REJECTED, EndCause.DECLINED_HERE),
        HistoryItem(CallKind.OUTGOING, "9001", "Tone 1 kHz", WALL - 900, 75.0, DISC_REASON.USERTERMINATED,
                    EndCause.HUNG_UP_HERE),
        HistoryItem(CallKind.INCOMING, "203", "Carol", WALL - 3600, 3725.0, DISC_REASON.SUCCESS, EndCause.FAR_END),
        HistoryItem(CallKind.MISSED, "+4930555010", "Outside caller", WALL - 7200, 0.0, DISC_REASON.NOTRESPONDING,
                    EndCause.NOT_ANSWERED),
    )
    store.dispatch(ev.HistoryItemsLoaded(items))
    return app_for(store, LoginPlan(server=SERVER, username="operator", embedded=True), theme)


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
    return app_for(store, plan, theme)


def failed_login(theme: str) -> SwitchboardApp:
    """Not logged in: the server refused the password."""
    store = display_store()
    store.dispatch(ev.LoginStarted("wss://pbx.example.com:8443", "alice"))
    store.dispatch(ev.LoginChanged(LOGIN_STATES.CONNECTING, 1.0))
    store.dispatch(ev.LoginFailed(LoginFailure.CREDENTIALS, "login refused: auth_failed: wrong username or password"))
    store.dispatch(ev.LoginChanged(LOGIN_STATES.SERVER_ACCESS, 2.0))
    plan = LoginPlan(server="wss://pbx.example.com:8443", username="alice", number="+4930123456")
    return app_for(store, plan, theme)


def conference_board(theme: str) -> SwitchboardApp:
    """Two calls of the operator in one conference of three parties: 201 Alice held by us, 202 Bob connected,
    selected, muted and being recorded."""
    store = logged_in_store()
    d = store.dispatch
    d(ev.CallAdded("a", Direction.OUT, CALL_STATES.IDLE, 10.0, WALL, remote_number="201"))
    d(ev.CallChanged("a", CALL_STATES.CONNECTED, 12.0, call_id="c1", remote_number="201", remote_name="Alice"))
    d(ev.CallChanged("a", CALL_STATES.HELD, 70.0, call_id="c1", remote_number="201", remote_name="Alice"))
    d(ev.CallAdded("b", Direction.OUT, CALL_STATES.IDLE, 40.0, WALL, remote_number="202"))
    d(ev.CallChanged("b", CALL_STATES.CONNECTED, 45.0, call_id="c2", remote_number="202", remote_name="Bob"))
    d(ev.CallFeatures("a", conference="f1", conference_parties=3))
    d(ev.CallFeatures("b", muted=True, recording="/home/op/.local/share/anynode-console/recordings/x.wav",
                      conference="f1", conference_parties=3))
    d(ev.FocusSlot(2))
    return app_for(store, LoginPlan(server=SERVER, username="operator", embedded=True), theme)
