"""Transfer with recall end to end: real consoles (WebRtcInstance) and the real switch (issue 19).

"No caller is lost by the console's own action": a blind transfer nobody takes comes back to the operator
(``get_recall``), the extension is told who transferred the caller (``get_transferred_by``), and a transfer
that works leaves no "media failed" warning behind (the switch closing the operator's media leg is the end
of that call, not a failure).
"""

from __future__ import annotations

import logging

from console.core.enums import DISC_REASON
from console.media.sinks import RecordingSink
from console.switch.rtc_plane import RtcMediaPlane
from console.webrtc import CALL_STATES

from console_harness import connect_pair
from test_attendant import hears, media_console, media_dial

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


async def test_a_blind_transfer_leaves_no_media_failed_warning(make_switch, caplog):
    """Issue 19 item 9: "a spurious 'media failed' warning after every transfer"."""
    switch = await make_switch(media=RtcMediaPlane(connect_timeout=5.0), ring_timeout=5.0, session_lifetime=30.0)
    alice, _ = await media_console(switch, "alice", mic_hz=600)
    op, _ = await media_console(switch, "operator", mic_hz=900)
    bob, _ = await media_console(switch, "bob", mic_hz=750)
    caplog.set_level(logging.INFO, logger="console")
    call, a_sink = media_dial(alice, "200")
    at_op = await op.next_incoming()
    at_op.set_audio_element(RecordingSink())
    at_op.answer()
    await hears(a_sink, 900, "the operator at alice")
    at_op.blind_transfer("202")
    await op.call_state(at_op, S.DISCONNECTED)
    at_bob = await bob.next_incoming()
    at_bob.set_audio_element(RecordingSink())
    at_bob.answer()
    await alice.call_state(call, S.CONNECTED)
    await hears(a_sink, 750, "bob at alice")  # time for the operator's media leg to be closed by the switch
    warnings = [r.getMessage() for r in caplog.records
                if r.levelno >= logging.WARNING and "media" in r.getMessage() and r.name.startswith("console.media")]
    assert warnings == [] and at_op.get_disconnect_reason() is DISC_REASON.SUCCESS
    for c in (alice, op, bob):
        await c.close()
