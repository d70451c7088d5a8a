"""The seed's behaviours to the letter, against the real switch: a script written from the seed alone.

Every method is called in every state; where it does not apply it returns None
(``try_restore_login`` False), changes nothing and the error handler says why.
No exception ever leaves the seed API for a state or argument problem.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from console.core.machines import LEGAL, CallRequest
from console.net.websocket import WebSocketComm
from console.webrtc import CALL_STATES, DISC_REASON, LOGIN_STATES, WebRtcInstance
from console_harness import Console, connect_pair

S, L, R = CALL_STATES, LOGIN_STATES, DISC_REASON


@pytest.fixture
async def slow_switch(make_switch):
    """Calls ring long enough to be looked at in every state."""
    return await make_switch(ring_timeout=30.0, session_lifetime=30.0)


def call_methods(call, other):
    """Every request of anynodeWebRtcCall, by the request it makes."""
    return {
        CallRequest.DIAL: lambda: call.dial("201", ""),
        CallRequest.ACCEPT: call.accept,
        CallRequest.ANSWER: call.answer,
        CallRequest.DECLINE: call.decline,
        CallRequest.DISCONNECT: call.disconnect,
        CallRequest.HOLD: call.hold,
        CallRequest.RETRIEVE: call.retrieve,
        CallRequest.TRANSFER: lambda: call.transfer(other),
        CallRequest.DTMF: lambda: call.send_digit("1"),
    }


def refuse_all_illegal(console, call, other, *, except_: tuple = ()) -> None:
    """Every request the state table does not allow now: None, nothing changes, one report each."""
    state = call.get_state()
    for request, method in call_methods(call, other).items():
        states, directions = LEGAL[request]
        if (state in states and call.direction in directions) or request in except_:
            continue
        before = len(console.errors)
        assert method() is None, request
        assert call.get_state() is state, request
        assert len(console.errors) == before + 1, (request, state, console.errors[before:])


def check_getters(call):
    for getter in (call.get_local_number, call.get_local_name, call.get_remote_number, call.get_remote_name):
        assert isinstance(getter(), str)
    assert isinstance(call.get_media_video_active(), bool)
    assert call.has_audio_element() is False and call.has_video_elements() is False
    assert isinstance(call.get_state(), CALL_STATES)


async def test_every_instance_method_before_login_and_a_missing_server(slow_switch):
    op = Console(slow_switch.url)
    inst = op.inst
    assert (inst.get_login_identifier(), inst.get_local_display_name(), inst.get_local_dial_string()) == (None, None, None)
    assert inst.control_logging(True) is None and inst.control_logging(False) is None
    assert inst.logout() is None and len(op.errors) == 1 and op.logins == []
    assert inst.try_restore_login(slow_switch.url, False, False, "", None) is False
    assert inst.try_restore_login(slow_switch.url, False, False, None, None) is False
    call = op.watch(inst.create_outgoing_call())
    assert call.get_state() is S.IDLE and call.get_disconnect_reason() is None
    check_getters(call)
    refuse_all_illegal(op, call, call)
    assert call.dial("201") is None and call.get_state() is S.IDLE  # not logged in: reported, unchanged
    for server in (None, ""):
        op.logins.clear()
        assert inst.login(server, False, False, "operator", "operator") is None
        assert op.logins == [L.CONNECTING, L.SERVER_ACCESS]
    await op.close()


async def test_every_call_method_in_every_call_state(slow_switch):
    op, alice = Console(slow_switch.url), Console(slow_switch.url)
    await op.login("operator", "operator"); await alice.login("alice", "alice")
    assert op.inst.login(slow_switch.url, False, False, "operator", "operator") is None  # already logged in
    assert op.inst.try_restore_login(slow_switch.url, False, False, op.inst.get_login_identifier(), None) is False
    assert op.logins == [L.CONNECTING, L.SUCCESS] and len(op.errors) == 2
    assert op.inst.get_local_dial_string() == "200" and op.inst.get_local_display_name()
    idle = op.inst.create_outgoing_call()
    assert idle.get_local_number() == "200"  # the seed: local address information is set on creation
    refuse_all_illegal(op, idle, idle)
    out = op.dial("201")
    assert out.get_state() is S.DIALING
    refuse_all_illegal(op, out, idle)
    inc = await alice.next_incoming()
    assert inc.get_state() is S.OFFERING and inc.get_remote_number() == "200"
    check_getters(inc)
    refuse_all_illegal(alice, inc, inc)
    inc.accept()
    await alice.call_state(inc, S.RINGING)
    await op.call_state(out, S.RINGING)
    refuse_all_illegal(alice, inc, inc)
    refuse_all_illegal(op, out, idle)
    inc.answer()
    await op.call_state(out, S.CONNECTED)
    await alice.call_state(inc, S.CONNECTED)
    refuse_all_illegal(op, out, idle, except_=(CallRequest.TRANSFER,))
    out.hold()
    await op.call_state(out, S.HELD)
    await alice.call_state(inc, S.HOLDING)
    refuse_all_illegal(op, out, idle, except_=(CallRequest.TRANSFER,))
    refuse_all_illegal(alice, inc, inc, except_=(CallRequest.TRANSFER,))
    inc.disconnect()
    await op.call_state(out, S.DISCONNECTED)
    assert out.get_disconnect_reason() is R.SUCCESS  # the seed: the call had been connected
    refuse_all_illegal(op, out, idle)
    assert op.inst.calls == [] and alice.inst.calls == []
    await op.close(); await alice.close()


async def test_invalid_dial_strings_end_the_call_with_dialstring(slow_switch):
    op = Console(slow_switch.url)
    await op.login("operator", "operator")
    for number in ("", None, "   ", "garbage!", "12 34", 42):
        call = op.dial(number)
        assert call.get_state() is S.DISCONNECTED and call.get_disconnect_reason() is R.DIALSTRING
    assert op.errors == []
    await op.close()


async def test_disconnect_right_after_dial_cancels_on_both_sides(slow_switch):
    op, alice = Console(slow_switch.url), Console(slow_switch.url)
    await op.login("operator", "operator"); await alice.login("alice", "alice")
    out = op.dial("201")
    assert out.disconnect() is None  # a cancel pressed at once, before the switch has named the call
    await op.call_state(out, S.DISCONNECTED)
    assert out.get_disconnect_reason() is R.USERTERMINATED and op.errors == []
    # the far end either never rang or saw that call end: once a second call rings there, it is the only one
    second = op.dial("201")
    await op.measured(lambda: second.id is not None, "the switch named the second call")  # naming posts no event
    await alice.next_incoming()
    await alice.until(lambda: len(alice.inst.calls) == 1, "only the second call at the far end")
    second.disconnect()  # a cancel while ringing
    await op.call_state(second, S.DISCONNECTED)
    await alice.until(lambda: not alice.inst.calls, "every call at the far end ended")
    await op.close(); await alice.close()


async def test_login_logout_restore_from_inside_the_handlers(slow_switch):
    url = slow_switch.url
    op = Console(url)
    inst = op.inst
    script = {
        # a refused login (SERVER_ACCESS): log in again at once, right this time
        1: lambda: inst.login(url, False, False, "operator", "operator"),
        # logged in: log out from inside the handler
        3: inst.logout,
        # logged out: restore the session that was just logged out (the switch forgot it)
        4: lambda: inst.try_restore_login(url, False, False, identifier[0], None),
        # restore failed: log in with the password
        6: lambda: inst.login(url, False, False, "operator", "operator"),
    }
    identifier: list[str] = []

    def on_login(state):
        op.logins.append(state)
        if state is L.SUCCESS:
            identifier.append(inst.get_login_identifier())
        action = script.get(len(op.logins) - 1)
        if action is not None:
            action()
        op._poke()

    inst._on_login_status = on_login  # noqa: SLF001 - the test replaces its own handler
    inst.login(url, False, False, "operator", "wrong")
    await op.until(lambda: len(op.logins) >= 8, "the whole script")
    assert op.logins == [L.CONNECTING, L.SERVER_ACCESS, L.CONNECTING, L.SUCCESS, L.LOGGED_OUT_EXPLICIT,
                         L.CONNECTING, L.LOGIN_RESTORE_FAILED, L.CONNECTING] + op.logins[8:]
    await op.login_state(L.SUCCESS)
    # a round trip later, no stale close was reported
    call = op.dial("9001")
    await op.call_state(call, S.CONNECTED)
    assert L.CONNECTION_LOST not in op.logins and op.logins[-1] is L.SUCCESS
    await op.close()


async def test_logout_while_connecting_ends_logged_out_and_never_logs_in(slow_switch):
    op = Console(slow_switch.url)
    op.inst.login(slow_switch.url, False, False, "operator", "operator")
    assert op.inst.logout() is None
    assert op.logins == [L.CONNECTING, L.LOGGED_OUT_EXPLICIT]
    other = await Console(slow_switch.url).login("alice", "alice")  # a round trip through the same switch
    assert op.logins == [L.CONNECTING, L.LOGGED_OUT_EXPLICIT]
    assert slow_switch.stats()["sessions"] == 1
    await op.close(); await other.close()


async def test_after_a_restore_every_call_is_true_and_the_handler_sees_the_restored_state(make_switch):
    switch = await make_switch(ring_timeout=30.0, session_lifetime=30.0)
    op, alice, bob = Console(switch.url), Console(switch.url), Console(switch.url)
    await op.login("operator", "operator"); await alice.login("alice", "alice"); await bob.login("bob", "bob")
    to_alice, a_in = await connect_pair(op, alice)
    to_bob, b_in = await connect_pair(op, bob)
    await op.call_state(to_alice, S.HELD)  # the second call held the first (auto_hold)
    bob_id = bob.inst.get_login_identifier()
    await switch.drop_connections()  # everybody's network blinks
    await op.login_state(L.CONNECTION_LOST)
    await bob.login_state(L.CONNECTION_LOST)
    assert bob.restore(bob_id)  # bob is back first and hangs up while the operator is still away
    await bob.until(lambda: len(bob.restored) == 1, "bob's call restored")
    bob.restored[0].disconnect()
    await bob.call_state(bob.restored[0], S.DISCONNECTED)
    seen = []

    def on_restore(call):
        seen.append((call.get_remote_number(), call.get_state()))
        op.watch(call)

    assert op.inst.try_restore_login(switch.url, False, False, op.inst.get_login_identifier(), on_restore)
    await op.login_state(L.SUCCESS)
    await op.call_state(to_bob, S.DISCONNECTED)
    assert to_bob.get_disconnect_reason() is R.ERROR
    assert seen == [("201", S.HELD)] and to_alice.get_state() is S.HELD
    for c in (op, alice, bob):
        await c.close()


async def test_a_failed_restore_ends_the_old_calls(make_switch):
    switch = await make_switch(ring_timeout=30.0, session_lifetime=30.0)
    other = await make_switch()  # stands for a restarted switch that lost its sessions
    op, alice = Console(switch.url), Console(switch.url)
    await op.login("operator", "operator"); await alice.login("alice", "alice")
    out, _ = await connect_pair(op, alice)
    await switch.drop_connections()
    await op.login_state(L.CONNECTION_LOST)
    assert out.get_state() is S.CONNECTED  # the switch may still keep it: nothing is known yet
    assert op.inst.try_restore_login(other.url, False, False, op.inst.get_login_identifier(), None)
    await op.login_state(L.LOGIN_RESTORE_FAILED)
    assert out.get_state() is S.DISCONNECTED and out.get_disconnect_reason() is R.ERROR
    await op.close(); await alice.close()


async def test_auto_hold_is_off_by_default(slow_switch):
    inst = WebRtcInstance(None, None, device=None)
    assert inst.auto_hold is False
    op = Console(slow_switch.url, {"auto_hold": False})
    alice, bob = Console(slow_switch.url), Console(slow_switch.url)
    await op.login("operator", "operator"); await alice.login("alice", "alice"); await bob.login("bob", "bob")
    first, _ = await connect_pair(op, alice)
    second, _ = await connect_pair(op, bob)
    assert first.get_state() is S.CONNECTED and second.get_state() is S.CONNECTED  # the application decides
    for c in (op, alice, bob):
        await c.close()


async def test_a_coroutine_restore_handler_sets_its_state_handler_before_the_state_is_signalled(make_switch):
    switch = await make_switch(ring_timeout=30.0, session_lifetime=30.0)
    op, alice = Console(switch.url), Console(switch.url)
    await op.login("operator", "operator"); await alice.login("alice", "alice")
    await connect_pair(op, alice)
    identifier = op.inst.get_login_identifier()
    await op.close()
    again = Console(switch.url)
    signalled = []

    async def on_restore(call):
        await asyncio.sleep(0)  # a handler that awaits something before it sets its handler
        call.set_call_state_handler(lambda c, s: (signalled.append(s), again._poke()))

    assert again.inst.try_restore_login(switch.url, False, False, identifier, on_restore)
    await again.until(lambda: signalled, "the restored call's state")
    assert signalled == [S.CONNECTED]
    await again.close(); await alice.close()


async def test_logout_from_inside_the_incoming_call_handler(slow_switch):
    op, alice = Console(slow_switch.url), Console(slow_switch.url)
    await op.login("operator", "operator"); await alice.login("alice", "alice")
    seen = []

    def on_incoming(call):
        seen.append(call)
        call.set_call_state_handler(lambda c, s: alice._poke())
        alice.inst.logout()  # from inside a handler, in the middle of an incoming call

    alice.inst._on_incoming_call = on_incoming  # noqa: SLF001 - the test replaces its own handler
    out = op.dial("201")
    await alice.login_state(L.LOGGED_OUT_EXPLICIT)
    assert alice.logins == [L.CONNECTING, L.SUCCESS, L.LOGGED_OUT_EXPLICIT]
    assert seen[0].get_state() is S.DISCONNECTED and seen[0].get_disconnect_reason() is R.USERTERMINATED
    await op.call_state(out, S.DISCONNECTED)
    await op.close(); await alice.close()


class IceServersInLogin(WebSocketComm):
    """The real WebSocket; the login result gains the ``ice_servers`` a deployment would hand out."""

    async def receive(self):
        frame = await super().receive()
        data = json.loads(frame)
        if data.get("type") == "result" and "identifier" in data:
            data["ice_servers"] = [{"urls": ["stun:127.0.0.1:3478"]},
                                   {"urls": "turn:127.0.0.1:3478", "username": "u", "credential": "p"}]
            frame = json.dumps(data)
        return frame


async def test_ice_servers_from_the_login_result_are_used_for_the_calls(make_switch, monkeypatch):
    from console.media.call_media import CallMedia
    from console.media.devices import NullDevice
    from console.media.sinks import RecordingSink
    from console.switch.rtc_plane import RtcMediaPlane

    used = []
    original = CallMedia.__init__

    def recording_init(self, hub, ice_servers=(), **kwargs):
        used.append(tuple(ice_servers))
        original(self, hub, ice_servers=(), **kwargs)  # loopback only: the test's STUN/TURN servers do not exist

    monkeypatch.setattr(CallMedia, "__init__", recording_init)
    switch = await make_switch(media=RtcMediaPlane(connect_timeout=5.0), ring_timeout=5.0, session_lifetime=30.0)
    op = Console(switch.url, {"device": NullDevice(), "comm_factory": IceServersInLogin})
    await op.login("operator", "operator")
    call = op.inst.create_outgoing_call()
    op.watch(call)
    call.set_audio_element(RecordingSink())
    call.dial("9001")
    await op.call_state(call, S.CONNECTED)
    assert used == [({"urls": ["stun:127.0.0.1:3478"], "username": None, "credential": None},
                     {"urls": ["turn:127.0.0.1:3478"], "username": "u", "credential": "p"})]
    await op.close()


async def test_logout_from_inside_a_call_state_handler(slow_switch):
    op, alice = Console(slow_switch.url), Console(slow_switch.url)
    await op.login("operator", "operator"); await alice.login("alice", "alice")
    call = op.inst.create_outgoing_call()
    call.set_call_state_handler(lambda c, s: (op.inst.logout() if s is S.CONNECTED else None, op._poke()))
    call.dial("9001")
    await op.login_state(L.LOGGED_OUT_EXPLICIT)
    assert op.logins == [L.CONNECTING, L.SUCCESS, L.LOGGED_OUT_EXPLICIT]
    assert call.get_state() is S.DISCONNECTED and call.get_disconnect_reason() is R.USERTERMINATED
    await op.close(); await alice.close()


async def test_restore_from_inside_the_connection_lost_handler(slow_switch):
    op = Console(slow_switch.url)
    await op.login("operator", "operator")
    out = op.dial("9001")
    await op.call_state(out, S.CONNECTED)
    identifier = op.inst.get_login_identifier()
    restored = []

    def on_login(state):
        op.logins.append(state)
        if state is L.CONNECTION_LOST:
            assert op.inst.try_restore_login(slow_switch.url, False, False, identifier, restored.append) is True
        op._poke()

    op.inst._on_login_status = on_login  # noqa: SLF001 - the test replaces its own handler
    await slow_switch.drop_connections()
    await op.until(lambda: op.logins[-1] is L.SUCCESS and restored, "the restore")
    assert op.logins == [L.CONNECTING, L.SUCCESS, L.CONNECTION_LOST, L.CONNECTING, L.SUCCESS]
    assert restored[0].get_state() is S.CONNECTED and restored[0] is out  # the same call object, still true
    await op.close()
