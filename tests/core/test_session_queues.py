"""Queues (extension) in the sans-I/O session: frames in, events out (docs/PROTOCOL.md, "Queues")."""

from __future__ import annotations

from console.core.client import events as ev
from console.core.client.sipwire import SipWire
from console.core.client.wire import QueuePauseRequest, QueueStatusRequest
from console.core.errors import RemoteProtocolError
from console.core.queues import MemberState, QueueOffer

from .test_session import call, errors, frame, logged_in, sent

STATUS = {"number": "100", "name": "Reception", "strategy": "ring-all", "total": 1,
          "waiting": [{"number": "5501", "name": "Caller", "waited": 12.5, "ringing": True}],
          "members": [{"member": "alice", "number": "201", "state": "paused"},
                      {"member": "bob", "number": "202", "state": "free"}]}


def test_queue_status_result_becomes_a_status_event():
    session, conn = logged_in()
    (req,) = sent(session.attendant(QueueStatusRequest("100"), 0.0))
    assert req == {"v": 1, "type": "queue_status", "id": req["id"], "queue": "100"}
    out = session.receive(conn, frame(type="result", id=req["id"], queue=STATUS), 0.0)
    (received,) = [e for e in out if isinstance(e, ev.QueueStatusReceived)]
    status = received.status
    assert (status.number, status.name, status.total) == ("100", "Reception", 1)
    assert status.waiting[0].waited == 12.5 and status.waiting[0].ringing
    assert [(m.member, m.state, m.paused) for m in status.members] == [
        ("alice", MemberState.PAUSED, True), ("bob", MemberState.FREE, False)]


def test_a_bad_queue_status_is_reported_and_changes_nothing():
    session, conn = logged_in()
    (req,) = sent(session.attendant(QueueStatusRequest("100"), 0.0))
    out = session.receive(conn, frame(type="result", id=req["id"], queue={**STATUS, "members": [
        {"member": "alice", "number": "201", "state": "asleep"}]}), 0.0)
    assert not [e for e in out if isinstance(e, ev.QueueStatusReceived)]
    assert "bad queue status" in str(errors(out)[0])


def test_queue_pause_is_sent_and_confirmed():
    session, conn = logged_in()
    (req,) = sent(session.attendant(QueuePauseRequest(True), 0.0))
    assert req == {"v": 1, "type": "queue_pause", "id": req["id"], "paused": True}  # no queue: all of its queues
    out = session.receive(conn, frame(type="result", id=req["id"], queues=["100", "110"], paused=True), 0.0)
    assert [e for e in out if isinstance(e, ev.QueuePauseConfirmed)] == [ev.QueuePauseConfirmed(("100", "110"), True)]
    (req,) = sent(session.attendant(QueuePauseRequest(False, "100"), 0.0))
    assert req["queue"] == "100" and req["paused"] is False
    out = session.receive(conn, frame(type="error", id=req["id"], code="not_permitted", message="not a member"), 0.0)
    assert "set_queue_paused failed: not_permitted" in str(errors(out)[0])


def test_an_offered_call_carries_its_queue():
    session, conn = logged_in()
    offered = {**call("c9", "OFFERING", direction="in", number="5501"),
               "queue": {"number": "100", "name": "Reception", "position": 2, "waited": 7.5}}
    session.receive(conn, frame(type="call", call=offered), 0.0)
    (record,) = session.calls
    assert record.queue == QueueOffer("100", "Reception", 2, 7.5)
    out = session.receive(conn, frame(type="call", call={**offered, "call": "c10", "queue": {"number": "100",
                                                                                             "position": 0}}), 0.0)
    assert isinstance(errors(out)[0], RemoteProtocolError)


def test_the_sip_wire_does_not_carry_queues_and_says_so():
    """Over SIP there is no queue to pause: the request is refused in the session, nothing is sent."""
    session, conn = logged_in()
    session.wire = SipWire("sip+ws://127.0.0.1:5066")
    for request in (QueuePauseRequest(True), QueueStatusRequest("100")):
        out = session.attendant(request, 0.0)
        assert not sent(out)
        assert "is not supported by the sip wire" in str(errors(out)[0])
