"""Calls between consoles through the real switch: every call state, hold, parallel calls, transfer, DTMF."""

from __future__ import annotations

import pytest

from console.webrtc import CALL_STATES, DISC_REASON, CallStateError, InvalidDigitError
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


async def test_dtmf_reaches_the_far_end_in_order_and_bad_digits_raise(consoles):
    alice, bob = await consoles("alice"), await consoles("bob")
    out, inc = await connect_pair(alice, bob)
    for digit in "1234567890*#ABCD":
        out.send_digit(digit)
    await bob.until(lambda: "".join(bob.digits.get(inc, [])) == "1234567890*#ABCD", "all digits in order")
    with pytest.raises(InvalidDigitError, match="invalid DTMF digit 'X'"):
        out.send_digit("X")
    with pytest.raises(InvalidDigitError):
        out.send_digit("")
    assert out.get_state() is S.CONNECTED


async def test_dtmf_to_the_ivr_is_reported_back_in_order(consoles):
    alice = await consoles("alice")
    ivr = alice.dial("9002")
    await alice.call_state(ivr, S.CONNECTED)
    for digit in "42#":
        ivr.send_digit(digit)
    await alice.until(lambda: "".join(alice.digits.get(ivr, [])) == "42#", "the IVR's report")


async def test_requests_in_the_wrong_state_raise_and_change_nothing(consoles):
    alice, bob = await consoles("alice"), await consoles("bob")
    out, inc = await connect_pair(alice, bob)
    with pytest.raises(CallStateError, match="answer"):
        inc.answer()
    with pytest.raises(CallStateError, match="itself"):
        out.transfer(out)
    with pytest.raises(CallStateError):
        out.retrieve()
    with pytest.raises(CallStateError):
        out.accept()
    idle = alice.inst.create_outgoing_call()
    with pytest.raises(CallStateError):
        idle.hold()
    with pytest.raises(CallStateError):
        out.transfer(idle)
    out.hold()
    await alice.call_state(out, S.HELD)
    with pytest.raises(CallStateError, match="dtmf"):
        out.send_digit("1")
    assert out.get_state() is S.HELD and inc.get_state() is S.HOLDING
    assert alice.errors == [] and bob.errors == []
