"""Transfer with recall in the sans-I/O session: the recall time goes out with a transfer, and the call object's
recall / transferred_by / forwarded_from come in (docs/PROTOCOL.md, "Transfer with recall")."""

from __future__ import annotations

import pytest

from console.core.callinfo import CallInfo, Recall
from console.core.client import events as ev
from console.core.enums import CALL_STATES, DISC_REASON, Direction
from console.core.errors import ProtocolError
from console.core.machines import CallRequest

from .test_session import call, frame, logged_in, sent


def test_the_transfer_recall_time_goes_out_with_a_blind_transfer_and_only_then():
    session, conn = logged_in()
    ref = session.create_call()
    (dial,) = sent(session.dial(ref, "201", None, False, 0.0))
    session.receive(conn, frame(type="result", id=dial["id"], call=call("c1", "DIALING")), 0.0)
    session.receive(conn, frame(type="call", call=call("c1", "CONNECTED")), 0.0)
    (plain,) = sent(session.request(ref, CallRequest.BLIND_TRANSFER, 0.0, number="202"))
    assert "recall" not in plain  # None: the switch's default
    session.transfer_recall = 7.5
    (timed,) = sent(session.request(ref, CallRequest.BLIND_TRANSFER, 0.0, number="202"))
    assert timed["recall"] == 7.5
    (hold,) = sent(session.request(ref, CallRequest.HOLD, 0.0))
    assert "recall" not in hold
    for bad in (0, -1, 301, True):
        with pytest.raises(ValueError):
            session.transfer_recall = bad
    assert session.transfer_recall == 7.5


def test_a_recall_comes_in_with_its_target_reason_and_waiting_time():
    session, conn = logged_in()
    out = session.receive(conn, frame(type="call", call={**call("c9", "OFFERING", direction="in", number="201"),
                                                          "recall": {"target": "202", "reason": "REJECTED",
                                                                     "waited": 41.5}}), 0.0)
    (incoming,) = [e for e in out if isinstance(e, ev.IncomingCall)]
    record = session.call(incoming.ref)
    assert record.recall == Recall("202", DISC_REASON.REJECTED, 41.5)
    session.receive(conn, frame(type="call", call={**call("c9", "OFFERING", direction="in", number="201"),
                                                    "transferred_by": "200", "forwarded_from": "203"}), 0.0)
    assert (record.transferred_by, record.forwarded_from) == ("200", "203")


def test_the_call_objects_extension_fields_round_trip_and_bad_ones_are_malformed():
    info = CallInfo("c1", Direction.IN, CALL_STATES.OFFERING, recall=Recall("202", DISC_REASON.BUSY, 3.0),
                    transferred_by="200", forwarded_from="202")
    assert CallInfo.from_wire(info.to_wire()) == info
    plain = CallInfo("c1", Direction.IN, CALL_STATES.OFFERING).to_wire()
    assert not {"recall", "transferred_by", "forwarded_from"} & set(plain)  # an older frame's shape
    for bad in ({"target": "202", "reason": "NOPE", "waited": 1}, {"target": "202", "reason": "BUSY", "waited": "x"},
                "BUSY"):
        with pytest.raises(ProtocolError):
            CallInfo.from_wire({**plain, "recall": bad})
