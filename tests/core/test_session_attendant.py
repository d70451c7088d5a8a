"""The attendant extension in the sans-I/O session: frames in, events out."""

from __future__ import annotations

from console.core.directory import EntryKind, PresenceState
from console.core.client import events as ev
from console.core.client.wire import DirectoryRequest, DndRequest, ForwardingRequest, SubscribeRequest, WireCapabilities
from console.core.enums import CALL_STATES
from console.core.errors import CommClosed, RemoteProtocolError
from console.core.machines import CallRequest

from .test_session import call, errors, frame, logged_in, sent

P = PresenceState


def test_directory_result_becomes_entries_and_orbits():
    session, conn = logged_in()
    (req,) = sent(session.attendant(DirectoryRequest(), 0.0))
    assert req["type"] == "directory"
    out = session.receive(conn, frame(type="result", id=req["id"], entries=[
        {"number": "201", "name": "Alice", "kind": "user", "department": "Sales", "notes": ""}],
        orbits=[{"orbit": "701", "number": None, "name": "", "parked_by": ""}]), 0.0)
    (directory,) = [e for e in out if isinstance(e, ev.DirectoryReceived)]
    assert directory.entries[0].department == "Sales" and directory.entries[0].kind is EntryKind.USER
    (orbits,) = [e for e in out if isinstance(e, ev.OrbitsChanged)]
    assert orbits.snapshot and not orbits.orbits[0].occupied


def test_subscribe_snapshot_then_pushes_and_a_bad_state_is_reported():
    session, conn = logged_in()
    (req,) = sent(session.attendant(SubscribeRequest(True), 0.0))
    assert req == {"v": 1, "type": "subscribe", "id": req["id"], "presence": True}
    out = session.receive(conn, frame(type="result", id=req["id"], presence={"201": "busy"}, orbits=[]), 0.0)
    snapshot = [e for e in out if isinstance(e, ev.PresenceChanged)][0]
    assert snapshot.snapshot and snapshot.states == {"201": P.BUSY}
    out = session.receive(conn, frame(type="presence", number="202", state="dnd"), 0.0)
    assert out == [ev.PresenceChanged({"202": P.DND})]
    out = session.receive(conn, frame(type="presence", number="202", state="sleeping"), 0.0)
    assert isinstance(errors(out)[0], RemoteProtocolError)
    out = session.receive(conn, frame(type="orbit", orbit={"orbit": "701", "number": "201", "name": "A",
                                                          "parked_by": "200"}), 0.0)
    assert out[0].orbits[0].parked_by == "200"


def test_a_restore_subscribes_again():
    session, conn = logged_in()
    (req,) = sent(session.attendant(SubscribeRequest(True), 0.0))
    session.receive(conn, frame(type="result", id=req["id"], presence={}, orbits=[]), 0.0)
    session.closed(conn)
    from console.core.client import RestoreRequest
    out = session.login("ws://x", False, RestoreRequest("id1"))
    conn = out[-1].conn
    (restore,) = sent(session.connected(conn, 1.0))
    out = session.receive(conn, frame(type="result", id=restore["id"], identifier="id2", number="100", name="A",
                                      calls=[]), 1.0)
    assert [f["type"] for f in sent(out)] == ["subscribe"]


def test_settings_are_confirmed_or_reported():
    session, conn = logged_in()
    (dnd,) = sent(session.attendant(DndRequest(True), 0.0))
    assert dnd["on"] is True
    assert session.receive(conn, frame(type="result", id=dnd["id"]), 0.0) == [ev.SettingConfirmed("dnd")]
    (fwd,) = sent(session.attendant(ForwardingRequest(always="203"), 0.0))
    assert fwd == {"v": 1, "type": "forwarding", "id": fwd["id"], "always": "203", "busy": None, "no_answer": None}
    out = session.receive(conn, frame(type="error", id=fwd["id"], code="not_permitted", message="no"), 0.0)
    assert "forwarding failed" in str(errors(out)[0])


def test_blind_transfer_and_park_are_call_requests_checked_in_the_session():
    session, conn = logged_in()
    ref = session.create_call()
    (dial,) = sent(session.dial(ref, "201", None, False, 0.0))
    session.receive(conn, frame(type="result", id=dial["id"], call=call("c1", "DIALING")), 0.0)
    assert "not possible in state DIALING" in str(errors(session.request(ref, CallRequest.PARK, 0.0))[0])
    session.receive(conn, frame(type="call", call=call("c1", "CONNECTED")), 0.0)
    assert "is not a number" in str(errors(session.request(ref, CallRequest.BLIND_TRANSFER, 0.0, number="x y"))[0])
    (bt,) = sent(session.request(ref, CallRequest.BLIND_TRANSFER, 0.0, number=" 202 "))
    assert (bt["type"], bt["call"], bt["number"]) == ("blind_transfer", "c1", "202")
    (park,) = sent(session.request(ref, CallRequest.PARK, 0.0, orbit="701"))
    assert (park["type"], park["orbit"]) == ("park", "701")
    assert session.call(ref).state is CALL_STATES.CONNECTED


def test_attendant_requests_need_a_login():
    from console.core.client import ClientSession, JsonWire
    session = ClientSession(JsonWire())
    assert "not logged in" in str(errors(session.attendant(SubscribeRequest(True), 0.0))[0])


def test_a_new_far_end_without_a_state_change_is_reported():
    session, conn = logged_in()
    session.receive(conn, frame(type="call", call=call("c9", "OFFERING", direction="in", number="200")), 0.0)
    out = session.receive(conn, frame(type="call", call=call("c9", "OFFERING", direction="in", number="201")), 0.0)
    (changed,) = [e for e in out if isinstance(e, ev.CallChanged)]
    assert changed.forced and changed.state is CALL_STATES.OFFERING
    assert session.receive(conn, frame(type="call", call=call("c9", "OFFERING", direction="in", number="201")), 0.0) == []


def test_a_wire_without_the_extension_is_never_asked():
    session, conn = logged_in()

    class PlainWire:
        name, capabilities = "plain", WireCapabilities()  # declares no extension

        def __init__(self, inner):
            self.inner = inner

        def encode(self, request_id, request):
            return self.inner.encode(request_id, request)

        def decode(self, frame):
            return self.inner.decode(frame)

    session.wire = PlainWire(session.wire)
    out = session.attendant(SubscribeRequest(True), 0.0)
    assert not sent(out) and "not supported by the plain wire" in str(errors(out)[0])


def test_a_turned_away_notice_becomes_an_event_and_a_bad_one_is_reported():
    """Issue 19 item 5: a caller DND or forwarding sent elsewhere reaches the console as an event."""
    from console.core.directory import TurnedAway, TurnedAwayWhy

    session, conn = logged_in()
    out = session.receive(conn, frame(type="turned_away", number="5501", name="Caller", at=1.7e9, why="forwarded",
                                      to="203"), 0.0)
    assert out == [ev.CallerTurnedAway(TurnedAway("5501", "Caller", 1.7e9, TurnedAwayWhy.FORWARDED, "203"))]
    out = session.receive(conn, frame(type="turned_away", number="5501", at=1.7e9, why="asleep"), 0.0)
    assert isinstance(errors(out)[0], RemoteProtocolError)


def test_every_attendant_request_pending_when_the_link_drops_fails_with_its_own_error():
    """Directory, presence subscription, DND, forwarding, conference and leave: a request the switch had not
    answered when the connection ended is reported ("directory failed: connection closed (1006) gone"), once
    each, never dropped in silence; a call request does the same (park, blind transfer)."""
    session, conn = logged_in()
    a, b = session.create_call(), session.create_call()
    for ref, cid in ((a, "c1"), (b, "c2")):
        (dial,) = sent(session.dial(ref, "201", None, False, 0.0))
        session.receive(conn, frame(type="result", id=dial["id"], call=call(cid, "CONNECTED")), 0.0)
    session.receive(conn, frame(type="conference_state", conference="k1", calls=["c2"], parties=3), 0.0)
    for request in (DirectoryRequest(), SubscribeRequest(True), DndRequest(True), ForwardingRequest(always="203")):
        assert sent(session.attendant(request, 0.0))
    assert sent(session.conference([a, b], 0.0)) and sent(session.leave_conference(b, 0.0))
    assert sent(session.request(a, CallRequest.PARK, 0.0, orbit="701"))
    out = session.closed(conn, CommClosed(1006, "gone"), 1.0)
    said = [str(e) for e in errors(out)]
    for name in ("directory", "subscribe", "dnd", "forwarding", "conference", "leave_conference", "park"):
        assert said.count(f"{name} failed: connection closed (1006) gone") == 1, said
    assert len(said) == 7 and all(isinstance(e, CommClosed) for e in errors(out))
    assert [e.ref for e in out if isinstance(e, ev.ErrorReported) and "leave_conference" in str(e.error)] == [b]


def test_a_presence_subscription_pending_when_the_link_drops_is_renewed_by_the_restore():
    session, conn = logged_in()
    assert sent(session.attendant(SubscribeRequest(True), 0.0))
    assert "subscribe failed: connection closed" in str(errors(session.closed(conn))[0])
    from console.core.client import RestoreRequest
    conn = session.login("ws://x", False, RestoreRequest("id1"))[-1].conn
    (restore,) = sent(session.connected(conn, 1.0))
    out = session.receive(conn, frame(type="result", id=restore["id"], identifier="id2", number="100", name="A",
                                      calls=[]), 1.0)
    assert [f["type"] for f in sent(out)] == ["subscribe"]


def test_a_refused_setting_is_said_to_be_refused():
    """A refused DND (or forwarding, or queue pause) is not awaited any more: the session says which was refused,
    beside the error line, so the console's next toggle starts from what is in force."""
    from console.core.client.wire import QueuePauseRequest

    session, conn = logged_in()
    for request, what in ((DndRequest(True), "dnd"), (ForwardingRequest(always="203"), "forwarding"),
                          (QueuePauseRequest(True), "queue_pause")):
        (req,) = sent(session.attendant(request, 0.0))
        out = session.receive(conn, frame(type="error", id=req["id"], code="not_permitted", message="no"), 0.0)
        assert [e for e in out if isinstance(e, ev.SettingRefused)] == [ev.SettingRefused(what)]
        assert errors(out)
