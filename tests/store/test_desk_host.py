"""The attendant desk against its small port (console.store.host.DeskHost): no store, no controller, no client.

What the desk asks of its host is all it gets: the state, events, the operator's call requests and lines.
"""

from __future__ import annotations

from typing import Any, Callable

from console.core.enums import CALL_STATES, Direction
from console.store import Store
from console.store import events as ev
from console.store.calls import CallBook
from console.store.desk import Desk
from console.store.state import AppState, LogLevel


class Host:
    """A DeskHost that writes down what the desk asked for."""

    def __init__(self) -> None:
        self.store = Store()
        self.client = None
        self.calls = CallBook()
        self.asked: list[tuple] = []
        self.lines: list[str] = []

    @property
    def state(self) -> AppState:
        return self.store.state

    def dispatch(self, event: Any) -> None:
        self.store.dispatch(event)

    def attempt(self, what: str, fn: Callable[[], Any]) -> bool:
        fn()
        return True

    def error(self, text: str) -> None:
        self.lines.append(f"error: {text}")

    def note(self, text: str, level: LogLevel = LogLevel.INFO, source: str = "console") -> None:
        self.lines.append(text)

    def dial(self, number: str, name: str = "") -> int | None:
        self.asked.append(("dial", number))
        self.dispatch(ev.CallAdded("k2", Direction.OUT, CALL_STATES.DIALING, 2.0, 0.0, remote_number=number))
        return 2

    def transfer(self, slot_a: int, slot_b: int) -> bool:
        self.asked.append(("transfer", slot_a, slot_b))
        return True

    def hangup(self, slot: int | None = None) -> bool:
        self.asked.append(("hangup", slot))
        return True

    def retrieve(self, slot: int | None = None) -> bool:
        self.asked.append(("retrieve", slot))
        return True


def caller_on_hold(host: Host) -> None:
    host.dispatch(ev.CallAdded("k1", Direction.IN, CALL_STATES.HELD, 1.0, 0.0, remote_number="5550199"))


def test_a_consultation_is_dialled_completed_and_cancelled_through_the_host():
    host = Host()
    desk = Desk(host)
    caller_on_hold(host)
    assert desk.consult("202", slot=1)
    assert host.asked == [("dial", "202")] and host.state.desk.consult is not None
    assert desk.complete()
    assert host.asked[-1] == ("transfer", 1, 2) and host.state.desk.consult is None
    assert desk.consult("203", slot=1)
    assert desk.cancel()
    assert host.asked[-2:] == [("hangup", 2), ("retrieve", 1)]
    assert host.lines[-1] == "consultation cancelled: back to [1] 5550199"


def test_without_a_client_the_settings_are_refused_with_a_line():
    host = Host()
    desk = Desk(host)
    assert not desk.set_dnd(True) and not desk.set_forwarding(always="201")
    assert host.lines == ["error: do not disturb: not logged in", "error: forwarding: not logged in"]


class SettingsClient:
    """What the desk asks of a client for DND and forwarding, written down; the switch's answers are given by hand."""

    supports_attendant = True
    transfer_recall = None

    def __init__(self) -> None:
        self.sent: list[tuple] = []
        self.handlers: dict[str, Callable] = {}

    def __getattr__(self, name: str) -> Callable:
        if name.startswith("set_") and name.endswith("_handler"):
            return lambda handler: self.handlers.__setitem__(name[4:-8], handler)
        if name in ("request_directory", "subscribe_presence", "set_queue_paused"):
            return lambda *args: None
        raise AttributeError(name)

    def set_dnd(self, on: bool) -> None:
        self.sent.append(("dnd", on))

    def set_forwarding(self, always=None, busy=None, no_answer=None) -> None:
        self.sent.append(("forwarding", always, busy, no_answer))


def test_a_refused_dnd_or_forwarding_is_not_awaited_and_not_said_again():
    """A refused DND left its request awaited: the next n asked for DND off though it was never on. A refused
    forwarding was set again at the next login though the switch never took it."""
    host, client = Host(), SettingsClient()
    host.client = client
    desk = Desk(host)
    desk.attach(client)
    assert desk.toggle_dnd()
    client.handlers["setting_refused"]("dnd")  # e.g. wrong_state: the session has no number
    assert desk.toggle_dnd()
    assert client.sent == [("dnd", True), ("dnd", True)]
    client.handlers["setting"]("dnd")
    assert host.state.desk.dnd

    assert desk.set_forwarding(always="201")
    client.handlers["setting"]("forwarding")
    assert desk.set_forwarding(busy="9999")
    client.handlers["setting_refused"]("forwarding")  # not_permitted: 9999 is not allowed
    assert host.state.desk.forwarding == "always → 201"
    client.sent.clear()
    desk.logged_in(client)
    assert client.sent == [("dnd", True), ("forwarding", "201", None, None)]
