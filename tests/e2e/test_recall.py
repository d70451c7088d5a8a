"""Transfer with recall end to end: real consoles (WebRtcInstance) and the real switch (issue 19).

"No caller is lost by the console's own action": a blind transfer nobody takes comes back to the operator
(``get_recall``), the extension is told who transferred the caller (``get_transferred_by``), and the
operator's ``transfer_recall`` travels with the transfer.
"""

from __future__ import annotations

from console.core.enums import DISC_REASON
from console.webrtc import CALL_STATES

from console_harness import connect_pair

S = CALL_STATES


async def test_a_blind_transfer_to_dnd_rings_back_at_the_operator_with_the_recall(switch, consoles):
    op, alice, bob = await consoles("operator"), await consoles("alice"), await consoles("bob")
    bob.inst.set_dnd(True)
    out, at_op = await connect_pair(alice, op)
    at_op.blind_transfer("202")
    await op.call_state(at_op, S.DISCONNECTED)
    back = await op.next_incoming()
    recall = back.get_recall()
    assert recall is not None and (recall.target, recall.reason) == ("202", DISC_REASON.BUSY)
    assert back.get_remote_number() == "201" and out.get_state() is S.HOLDING  # she never left
    back.answer()
    await alice.call_state(out, S.CONNECTED)
    assert out.get_remote_number() == "200" and not op.errors


async def test_the_operators_transfer_recall_time_travels_with_the_transfer(switch, consoles):
    op, alice, bob = await consoles("operator"), await consoles("alice"), await consoles("bob")
    op.inst.transfer_recall = 0.3  # shorter than the switch's ring timeout (1 s here)
    out, at_op = await connect_pair(alice, op)
    at_op.blind_transfer("202")
    at_bob = await bob.next_incoming()
    assert at_bob.get_transferred_by() == "200"
    back = await op.next_incoming()
    assert back.get_recall().reason is DISC_REASON.NOTRESPONDING
    await bob.call_state(at_bob, S.DISCONNECTED)
    assert switch.exchange.legs[out.id].live



async def test_an_operator_who_declines_the_recall_does_not_lose_the_caller(switch, consoles):
    """The operator, busy, declines the recall of a blind transfer nobody took: the caller is not ended (the
    switch keeps her leg, with music); the recall rings again after ``transfer_recall`` and is answered."""
    op, alice, bob = await consoles("operator"), await consoles("alice"), await consoles("bob")
    bob.inst.set_dnd(True)
    op.inst.transfer_recall = 0.3
    out, at_op = await connect_pair(alice, op)
    at_op.blind_transfer("202")
    back = await op.next_incoming()
    assert back.get_recall().reason is DISC_REASON.BUSY
    back.decline()
    await op.call_state(back, S.DISCONNECTED)
    leg = switch.exchange.legs.get(out.id)  # the switch forgets ended legs
    assert leg is not None and leg.live and leg.peer is None and out.get_state() is S.HOLDING  # she waits on
    again = await op.next_incoming()
    assert again.get_recall() is not None and again.get_remote_number() == "201"
    assert again.get_waiting_since() == back.get_waiting_since()  # her place: when she first rang in
    again.answer()
    await alice.call_state(out, S.CONNECTED)
    assert out.get_remote_number() == "200" and not op.errors
