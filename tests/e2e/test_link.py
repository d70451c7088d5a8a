"""The link to the switch: its errors, its tasks and its outbox, through the public API against the real switch.

Errors are values, one per recipient; every task has an owner and ends with what it serves;
a frame is never dropped without the application hearing of it.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from console.core.client.failures import LoginFailureKind
from console.net.websocket import WebSocketComm
from console.webrtc import CALL_STATES, LOGIN_STATES
from console_harness import Console

S, L = CALL_STATES, LOGIN_STATES


async def test_two_holds_pending_when_the_link_drops_each_fail_once(switch):
    """One error per pending request: never "hold failed: hold failed: ..." (one shared exception rewritten)."""
    op = Console(switch.url, {"auto_hold": False})
    await op.login("operator", "operator")
    a, b = op.dial("9001"), op.dial("9002")
    await op.call_state(a, S.CONNECTED)
    await op.call_state(b, S.CONNECTED)
    a.hold()
    b.hold()  # both frames queued; the switch drops the socket before it reads them
    await switch.drop_connections()
    await op.login_state(L.CONNECTION_LOST)
    await op.until(lambda: len(op.errors) >= 2, "both holds to fail")
    assert len(op.errors) == 2, op.errors
    for message in op.errors:
        assert message.startswith("hold failed: connection closed"), message
        assert message.count("failed:") == 1, message
    await op.close()


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tasks_now() -> set[asyncio.Task]:
    return {t for t in asyncio.all_tasks() if not t.done()}


async def no_more_tasks_than(baseline: set[asyncio.Task], timeout: float = 10.0) -> None:
    """Tasks measured (they post no event): poll, bounded, until only the baseline's are left."""
    try:
        async with asyncio.timeout(timeout):
            while tasks_now() - baseline:
                await asyncio.sleep(0.05)
    except TimeoutError:
        left = sorted(t.get_name() for t in tasks_now() - baseline)
        raise AssertionError(f"{len(left)} tasks outlived their connections: {left}") from None


async def test_connections_leave_no_task_behind(switch):
    """Every task has an owner and ends with what it serves: login/logout cycles, connections the switch
    drops and connections that fail leave no pending task behind (before aclose)."""
    op = Console(switch.url)
    baseline = tasks_now()
    for _ in range(3):
        await op.login("operator", "operator")
        op.inst.logout()
        await op.login_state(L.LOGGED_OUT_EXPLICIT)
    for _ in range(3):
        await op.login("operator", "operator")
        await switch.drop_connections()
        await op.login_state(L.CONNECTION_LOST)
    nowhere = f"ws://127.0.0.1:{unused_port()}"
    for _ in range(3):
        op.inst.login(nowhere, False, False, "operator", "operator")
        await op.login_state(L.SERVER_ACCESS)
    await no_more_tasks_than(baseline)
    await op.close()


async def test_a_full_outbox_closes_the_connection_and_fails_its_requests(switch):
    """A frame is never dropped silently: 300 requests at once overflow the outbox (256 frames); the
    connection is closed, the login state says CONNECTION_LOST, and every request hears why at once
    (none waits for "no answer ... in N s", blaming the switch for frames it never received)."""
    op = Console(switch.url, {"request_timeout": 30.0})
    await op.login("operator", "operator")
    call = op.dial("9001")
    await op.call_state(call, S.CONNECTED)
    for _ in range(300):
        call.send_digit("1")
    await op.login_state(L.CONNECTION_LOST)
    await op.until(lambda: len(op.errors) >= 300, "every request to fail")
    assert len(op.errors) == 300
    assert not [e for e in op.errors if "no answer" in e]
    lost = [e for e in op.errors if e.startswith("dtmf failed: connection closed")]
    assert lost and all("waiting to be sent" in e for e in lost), lost[:3]
    await op.close()


async def test_a_smaller_outbox_is_a_setting(switch):
    op = Console(switch.url, {"outbox_size": 4})
    await op.login("operator", "operator")
    call = op.dial("9001")
    await op.call_state(call, S.CONNECTED)
    for digit in "123456":
        call.send_digit(digit)
    await op.login_state(L.CONNECTION_LOST)
    await op.close()


def no_such_comm():
    raise ImportError("No module named 'carrier_pigeon'")


class ConfusedComm(WebSocketComm):
    async def connect(self, url, *, secure, ca_file=None, subprotocol=None):
        raise TypeError("connect() got confused")


@pytest.mark.parametrize("factory, what", [(no_such_comm, "ImportError: No module named 'carrier_pigeon'"),
                                           (ConfusedComm, "TypeError: connect() got confused")])
async def test_a_failing_comm_ends_the_login_and_reaches_the_error_handler_with_its_type(switch, factory, what):
    """A fault in the comm or its factory is no unreachable server: the login ends (SERVER_ACCESS, kind
    INTERNAL, never CONNECTING forever) and the error handler hears the exception's type."""
    op = Console(switch.url, {"comm_factory": factory})
    op.inst.login(switch.url, False, False, "operator", "operator")
    await op.login_state(L.SERVER_ACCESS)
    await op.until(lambda: op.errors, "the error handler")
    assert what in op.errors[0]
    assert op.inst.last_login_failure is LoginFailureKind.INTERNAL
    await op.close()


async def test_an_unreachable_server_stays_server_access_and_unreachable(consoles):
    op = await consoles(url=f"ws://127.0.0.1:{unused_port()}")
    op.inst.login(op.url, False, False, "operator", "operator")
    await op.login_state(L.SERVER_ACCESS)
    assert op.inst.last_login_failure is LoginFailureKind.UNREACHABLE and not op.errors


def drop_the_link_on(monkeypatch, switch, kind):
    """The switch reads the next ``kind`` request and the operator's link drops before it answers (the request
    not carried out), as a network failure mid-request would; later ones are handled as usual."""
    from console.switch import server

    original = server.CALL_REQUESTS[kind]
    dropped = asyncio.Event()

    def handler(exchange, session, msg):
        if dropped.is_set():
            return original(exchange, session, msg)
        dropped.set()
        for conn in list(switch.connections):
            if conn.session is session:
                conn.abort()
        return {}

    monkeypatch.setitem(server.CALL_REQUESTS, kind, handler)
    return dropped


@pytest.mark.timeout(90)
async def test_attendant_requests_under_way_when_the_link_drops_fail_with_why_and_the_operator_sees_it(
        make_switch, consoles, monkeypatch):
    """The directory asked at login, do not disturb and a park: each is under way at the switch when the link
    drops. The operator reads "<request> failed: connection closed" for each on the board (never silence), the
    console restores its session, and the switch's state says nothing was done: DND off, the caller still
    connected to the operator, not parked."""
    from console.core.protocol import MsgType
    from console.store import Controller, client_factory
    from media_harness import store_until

    switch = await make_switch(ring_timeout=30.0, session_lifetime=30.0)
    alice = await consoles("alice", url=switch.url)
    operator = Controller(client_factory(device=None), media=False)

    def failed(name: str):
        return lambda s: any(f"{name} failed: connection closed" in line.text for line in s.log)

    def back_in(s):
        return s.login.state is L.SUCCESS

    try:
        dropped = drop_the_link_on(monkeypatch, switch, MsgType.DIRECTORY)
        operator.login(switch.url, "operator", "operator")
        await store_until(operator, failed("directory"), "the directory asked at login to fail")
        assert dropped.is_set()
        await store_until(operator, lambda s: back_in(s) and s.desk.directory, "restored, the directory asked again")

        dropped = drop_the_link_on(monkeypatch, switch, MsgType.DND)
        operator.desk.set_dnd(True)
        state = await store_until(operator, failed("dnd"), "do not disturb to fail")
        assert not state.desk.dnd
        await store_until(operator, back_in, "restored after the DND drop")
        prefs = switch.exchange.prefs.get("200")
        assert prefs is None or not prefs.dnd  # the switch never set it

        call = alice.dial("200")
        state = await store_until(operator, lambda s: any(c.state is S.OFFERING for c in s.calls), "alice rings")
        slot = next(c.slot for c in state.calls if c.state is S.OFFERING)
        operator.answer(slot)
        await alice.call_state(call, S.CONNECTED)
        await store_until(operator, lambda s: s.call_in(slot) is not None and s.call_in(slot).state is S.CONNECTED,
                          "the operator talks to alice")
        dropped = drop_the_link_on(monkeypatch, switch, MsgType.PARK)
        assert operator.desk.park(slot)
        await store_until(operator, failed("park"), "the park to fail")
        await store_until(operator, lambda s: back_in(s) and s.call_in(slot) is not None
                          and s.call_in(slot).state is S.CONNECTED, "restored with alice on the board")
        leg = switch.exchange.legs[call.id]  # the switch's truth: alice is still connected to the operator
        assert leg.live and leg.peer is not None and leg.peer.owner.username == "operator", leg
        assert switch.exchange.lot.of_leg(leg) is None and call.get_state() is S.CONNECTED  # not parked
    finally:
        await operator.aclose()
