"""Calls between consoles through the real switch: every call state, hold, parallel calls, transfer, DTMF."""

from __future__ import annotations

import pytest

from console.webrtc import CALL_STATES, DISC_REASON
from console_harness import connect_pair

S = CALL_STATES


async def test_every_call_state_on_a_call_between_two_consoles(consoles):
    alice, bob = await consoles("alice"), await consoles("bob")
    call = alice.inst.create_outgoing_call()
    alice.watch(call)
    assert call.get_state() is S.IDLE
    call.dial("202")
    assert call.get_state() is S.DIALING
    incoming = await bob.next_incoming()
    assert incoming.get_state() is S.OFFERING
    assert incoming.get_remote_number() == "201" and incoming.get_remote_name() == "Alice"
    assert incoming.get_local_number() == "202"
    incoming.accept()
    await bob.call_state(incoming, S.RINGING)
    await alice.call_state(call, S.RINGING)
    incoming.answer()
    await alice.call_state(call, S.CONNECTED)
    await bob.call_state(incoming, S.CONNECTED)
    assert call.get_remote_name() == "Bob"
    call.hold()
    await alice.call_state(call, S.HELD)
    await bob.call_state(incoming, S.HOLDING)
    call.retrieve()
    await alice.call_state(call, S.CONNECTED)
    await bob.call_state(incoming, S.CONNECTED)
    incoming.disconnect()
    await alice.call_state(call, S.DISCONNECTED)
    await bob.call_state(incoming, S.DISCONNECTED)
    assert incoming.get_disconnect_reason() is DISC_REASON.USERTERMINATED
    assert call.get_disconnect_reason() is DISC_REASON.SUCCESS
    assert alice.inst.calls == [] and bob.inst.calls == []


async def test_both_sides_hold_then_retrieve_one_by_one(consoles):
    alice, bob = await consoles("alice"), await consoles("bob")
    out, inc = await connect_pair(alice, bob)
    out.hold()
    await bob.call_state(inc, S.HOLDING)
    inc.hold()
    await bob.call_state(inc, S.HELD)
    out.retrieve()
    await alice.call_state(out, S.HOLDING)  # bob still holds
    inc.retrieve()
    await alice.call_state(out, S.CONNECTED)
    await bob.call_state(inc, S.CONNECTED)


async def test_parallel_calls_only_one_connected_at_a_time(consoles):
    op, alice, bob = await consoles("operator"), await consoles("alice"), await consoles("bob")
    to_alice, a_in = await connect_pair(op, alice)
    to_bob, b_in = await connect_pair(op, bob)  # dialing holds the first call
    await op.call_state(to_alice, S.HELD)
    await alice.call_state(a_in, S.HOLDING)
    tone = op.dial("9001")
    await op.call_state(tone, S.CONNECTED)
    await op.call_state(to_bob, S.HELD)
    assert {c.get_state() for c in op.inst.calls} == {S.HELD, S.CONNECTED}
    to_alice.retrieve()  # retrieving one holds the connected one first
    await op.call_state(to_alice, S.CONNECTED)
    await op.call_state(tone, S.HELD)
    await alice.call_state(a_in, S.CONNECTED)
    assert len(op.inst.calls) == 3


async def test_transfer_joins_the_far_ends_and_ends_both_of_the_operators_calls(consoles):
    op, alice, bob = await consoles("operator"), await consoles("alice"), await consoles("bob")
    to_alice, a_in = await connect_pair(op, alice)
    to_bob, b_in = await connect_pair(op, bob)
    await op.call_state(to_alice, S.HELD)
    to_alice.transfer(to_bob)
    await op.call_state(to_alice, S.DISCONNECTED)
    await op.call_state(to_bob, S.DISCONNECTED)
    assert to_alice.get_disconnect_reason() is DISC_REASON.SUCCESS
    assert to_bob.get_disconnect_reason() is DISC_REASON.SUCCESS
    await alice.call_state(a_in, S.CONNECTED)
    await bob.call_state(b_in, S.CONNECTED)
    # the two far ends now reach each other: digits pass both ways
    a_in.send_digit("7")
    b_in.send_digit("9")
    await bob.until(lambda: bob.digits.get(b_in) == ["7"], "alice's digit at bob")
    await alice.until(lambda: alice.digits.get(a_in) == ["9"], "bob's digit at alice")
    assert op.inst.calls == []


async def test_dtmf_reaches_the_far_end_in_order_and_bad_digits_are_reported(consoles):
    """The seed API never raises for a bad argument: the error handler hears of it, the call is unharmed."""
    alice, bob = await consoles("alice"), await consoles("bob")
    out, inc = await connect_pair(alice, bob)
    for digit in "1234567890*#ABCD":
        out.send_digit(digit)
    await bob.until(lambda: "".join(bob.digits.get(inc, [])) == "1234567890*#ABCD", "all digits in order")
    assert out.send_digit("X") is None
    assert out.send_digit("") is None
    assert out.send_digit(None) is None
    assert len(alice.errors) == 3 and "invalid DTMF digit 'X'" in alice.errors[0]
    assert out.get_state() is S.CONNECTED


async def test_dtmf_to_the_ivr_is_reported_back_in_order(consoles):
    alice = await consoles("alice")
    ivr = alice.dial("9002")
    await alice.call_state(ivr, S.CONNECTED)
    for digit in "42#":
        ivr.send_digit(digit)
    await alice.until(lambda: "".join(alice.digits.get(ivr, [])) == "42#", "the IVR's report")


async def test_requests_in_the_wrong_state_are_reported_and_change_nothing(consoles):
    alice, bob = await consoles("alice"), await consoles("bob")
    out, inc = await connect_pair(alice, bob)
    idle = alice.inst.create_outgoing_call()
    assert inc.answer() is None and "answer" in bob.errors[-1]
    assert out.transfer(out) is None and "itself" in alice.errors[-1]
    for refused in (out.retrieve, out.accept, idle.hold, lambda: out.transfer(idle), lambda: out.transfer("x")):
        before = len(alice.errors)
        assert refused() is None
        assert len(alice.errors) == before + 1
    out.hold()
    await alice.call_state(out, S.HELD)
    assert out.send_digit("1") is None and "dtmf" in alice.errors[-1]
    assert out.get_state() is S.HELD and inc.get_state() is S.HOLDING and idle.get_state() is S.IDLE
    assert len(alice.errors) == 7 and len(bob.errors) == 1


async def test_a_burst_of_answers_leaves_only_the_last_answered_call_talking(consoles):
    """auto_hold: answers typed faster than the switch replies still give the devices to one call only
    (the last one asked for); every other answered call ends up HELD, and nothing is refused."""
    op = await consoles("operator")
    callers = [await consoles(user) for user in ("alice", "bob", "carol")]
    for caller in callers:
        caller.dial("200")
    incoming = [await op.next_incoming() for _ in callers]
    for call in incoming:
        call.answer()  # one burst: no reply has arrived yet when the next answer goes out
    *first, last = incoming
    await op.until(lambda: last.get_state() is CALL_STATES.CONNECTED
                   and all(call.get_state() is CALL_STATES.HELD for call in first), "only the last call talking")
    assert op.errors == []
