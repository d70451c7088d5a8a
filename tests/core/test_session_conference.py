"""The client session's conference extension, frames in and events out (docs/PROTOCOL.md, "Conference")."""

from __future__ import annotations

from console.core.client.wire import WireCapabilities
from console.core.client import events as ev
from console.core.errors import CallStateError, RemoteProtocolError, RequestRefused

from .test_session import call, errors, frame, incoming, logged_in, sent


def talking(session, conn, *cids):
    records = []
    for cid in cids:
        record = incoming(session, conn, cid)
        session.receive(conn, frame(type="call", call=call(cid, "CONNECTED", direction="in")), 0.0)
        records.append(record)
    return records


def changes(events) -> list[tuple[int, str, int]]:
    return [(e.ref, e.conference, e.parties) for e in events if isinstance(e, ev.ConferenceChanged)]


def test_a_conference_request_names_the_calls_and_the_state_event_marks_them():
    session, conn = logged_in()
    a, b = talking(session, conn, "a", "b")
    (req,) = sent(session.conference([a.ref, b.ref], 0.0))
    assert (req["type"], req["calls"]) == ("conference", ["a", "b"])
    assert session.receive(conn, frame(type="result", id=req["id"], conference="f1"), 0.0) == []
    out = session.receive(conn, frame(type="conference_state", conference="f1", calls=["a", "b"], parties=3), 0.0)
    assert changes(out) == [(a.ref, "f1", 3), (b.ref, "f1", 3)]
    out = session.receive(conn, frame(type="conference_state", conference="f1", calls=["b"], parties=2), 0.0)
    assert changes(out) == [(a.ref, "", 0), (b.ref, "f1", 2)]
    (req,) = sent(session.leave_conference(b.ref, 0.0))
    assert (req["type"], req["conference"]) == ("conference_leave", "f1")
    out = session.receive(conn, frame(type="conference_state", conference="f1", calls=[], parties=0), 0.0)
    assert changes(out) == [(b.ref, "", 0)]


def test_bad_conference_requests_are_refused_locally_and_send_nothing():
    session, conn = logged_in()
    a, b = talking(session, conn, "a", "b")
    ringing = incoming(session, conn, "r")
    for refs in ([a.ref], [a.ref, a.ref], [a.ref, ringing.ref], [a.ref, 999]):
        out = session.conference(refs, 0.0)
        assert not sent(out) and isinstance(errors(out)[0], CallStateError), refs
    out = session.leave_conference(a.ref, 0.0)
    assert not sent(out) and "not in a conference" in str(errors(out)[0])


def test_a_switch_refusal_reaches_the_error_handler_and_changes_nothing():
    session, conn = logged_in()
    a, b = talking(session, conn, "a", "b")
    (req,) = sent(session.conference([a.ref, b.ref], 0.0))
    out = session.receive(conn, frame(type="error", id=req["id"], code="wrong_state", message="services cannot join"), 0.0)
    assert isinstance(errors(out)[0], RequestRefused) and "conference failed" in str(errors(out)[0])
    assert a.conference == "" and b.conference == ""


def test_a_malformed_conference_state_is_a_remote_error():
    session, conn = logged_in()
    out = session.receive(conn, frame(type="conference_state", conference="f1", calls="a", parties=1), 0.0)
    assert isinstance(errors(out)[0], RemoteProtocolError)


def test_a_wire_without_the_extension_is_never_asked_for_a_conference():
    """The SIP wire does not encode conference requests: the session refuses them before the wire sees them."""
    session, conn = logged_in()
    a, b = talking(session, conn, "a", "b")
    assert len(sent(session.conference([a.ref, b.ref], 0.0))) == 1  # on our wire it goes out
    session.receive(conn, frame(type="conference_state", conference="f1", calls=["a", "b"], parties=3), 0.0)

    class PlainWire:
        name, capabilities = "plain", WireCapabilities()  # declares no extension

        def __init__(self, inner):
            self.inner = inner

        def encode(self, request_id, request):
            return self.inner.encode(request_id, request)

        def decode(self, frame):
            return self.inner.decode(frame)

    session.wire = PlainWire(session.wire)
    out = session.conference([a.ref, b.ref], 0.0)
    assert not sent(out) and "conference is not supported by the plain wire" in str(errors(out)[0])
    out = session.leave_conference(a.ref, 0.0)
    assert not sent(out) and "leave_conference is not supported by the plain wire" in str(errors(out)[0])


def test_a_refused_join_is_reported_on_the_call_it_was_asked_for():
    """Review finding: a failed join reached the error handler with no call, so the log line named none (other
    refusals say "[slot] ..."): the refusal belongs to the first call of the request, the one the operator chose."""
    session, conn = logged_in()
    a, b = talking(session, conn, "a", "b")
    (req,) = sent(session.conference([a.ref, b.ref], 0.0))
    out = session.receive(conn, frame(type="error", id=req["id"], code="wrong_state", message="services cannot join"), 0.0)
    [report] = [e for e in out if isinstance(e, ev.ErrorReported)]
    assert report.ref == a.ref and "conference failed" in str(report.error)
