"""The client session in memory, frames in and events out (as h11's tests/test_connection.py)."""

from __future__ import annotations

import json

from console.core.client import ClientSession, JsonWire, LoginRequest, RestoreRequest
from console.core.client import events as ev
from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, AuthMethod
from console.core.errors import CallStateError, InvalidDigitError, LocalProtocolError, MediaError, RemoteProtocolError
from console.core.machines import CallRequest

S, L, R = CALL_STATES, LOGIN_STATES, DISC_REASON
ALICE = LoginRequest(AuthMethod.PASSWORD, "alice", "alice")


def frame(**body) -> str:
    return json.dumps({"v": 1, **body})


def sent(events) -> list[dict]:
    return [json.loads(e.frame) for e in events if isinstance(e, ev.Send)]


def logins(events) -> list[LOGIN_STATES]:
    return [e.state for e in events if isinstance(e, ev.LoginChanged)]


def states(events, ref) -> list[CALL_STATES]:
    return [e.state for e in events if isinstance(e, ev.CallChanged) and e.ref == ref]


def errors(events) -> list:
    return [e.error for e in events if isinstance(e, ev.ErrorReported)]


def call(cid, state, direction="out", reason=None, number="200"):
    return {"call": cid, "direction": direction, "state": state, "remote_number": number, "reason": reason}


def logged_in(now=0.0, restore=False):
    session = ClientSession(JsonWire(), client_description="test")
    out = session.login("ws://x", False, RestoreRequest("id1") if restore else ALICE)
    conn = out[-1].conn
    (req,) = sent(session.connected(conn, now))
    out = session.receive(conn, frame(type="result", id=req["id"], identifier="id1", number="100", name="Alice"), now)
    assert logins(out) == [L.SUCCESS]
    return session, conn


def test_login_sequence_and_getters():
    session = ClientSession(JsonWire(), client_description="test")
    out = session.login("ws://x", False, ALICE)
    assert logins(out) == [L.CONNECTING] and isinstance(out[-1], ev.Connect)
    (req,) = sent(session.connected(out[-1].conn, 0.0))
    assert req["type"] == "login" and req["client"] == "test" and req["username"] == "alice"
    out = session.receive(1, frame(type="result", id=req["id"], identifier="abc", number="100", name="Alice",
                                   ice_servers=[{"urls": "stun:127.0.0.1:3478"}]), 0.0)
    assert logins(out) == [L.SUCCESS]
    assert [e.servers[0].urls for e in out if isinstance(e, ev.UseIceServers)] == [("stun:127.0.0.1:3478",)]
    assert (session.identifier, session.number, session.name) == ("abc", "100", "Alice")


def test_login_without_a_server_reports_server_access():
    session = ClientSession(JsonWire())
    for server in (None, "", "  "):
        out = session.login(server, True, ALICE)
        assert logins(out) == [L.CONNECTING, L.SERVER_ACCESS] and not any(isinstance(e, ev.Connect) for e in out)


def test_login_refused_maps_the_code_and_closes():
    session = ClientSession(JsonWire())
    conn = session.login("ws://x", False, ALICE)[-1].conn
    (req,) = sent(session.connected(conn, 0.0))
    out = session.receive(conn, frame(type="error", id=req["id"], code="dial_string_missing", message="no"), 0.0)
    assert logins(out) == [L.DIAL_STRING_MISSING] and ev.Close(conn) in out


def test_a_new_login_from_a_handler_never_sees_the_old_close():
    session = ClientSession(JsonWire())
    conn1 = session.login("ws://x", False, ALICE)[-1].conn
    (req,) = sent(session.connected(conn1, 0.0))
    session.receive(conn1, frame(type="error", id=req["id"], code="auth_failed", message="no"), 0.0)
    out = session.login("ws://x", False, ALICE)  # as a SERVER_ACCESS handler would
    conn2 = out[-1].conn
    assert conn2 != conn1 and logins(out) == [L.CONNECTING]
    assert session.closed(conn1) == []  # the old connection's close is not CONNECTION_LOST
    assert session.login_state is L.CONNECTING


def test_logout_while_connecting_ends_logged_out_explicit_and_stays_so():
    session = ClientSession(JsonWire())
    conn = session.login("ws://x", False, ALICE)[-1].conn
    out = session.logout(0.0)
    assert logins(out) == [L.LOGGED_OUT_EXPLICIT] and ev.Close(conn) in out
    assert session.connected(conn, 0.0) == [ev.Close(conn)]  # the late open is closed, no login sent
    assert session.login_state is L.LOGGED_OUT_EXPLICIT


def test_requests_in_the_wrong_state_are_reported_and_change_nothing():
    session = ClientSession(JsonWire())
    assert isinstance(errors(session.logout(0.0))[0], LocalProtocolError)
    ref = session.create_call()
    out = session.dial(ref, "200", "", False, 0.0)
    assert isinstance(errors(out)[0], CallStateError) and session.call(ref).state is S.IDLE
    session, conn = logged_in()
    ref = session.create_call()
    for request in (CallRequest.ANSWER, CallRequest.HOLD, CallRequest.RETRIEVE, CallRequest.DISCONNECT, CallRequest.DTMF):
        out = session.request(ref, request, 0.0, digits="1")
        assert len(errors(out)) == 1 and not sent(out), request
    out = session.request(ref, CallRequest.DTMF, 0.0, digits="X")
    assert isinstance(errors(out)[0], InvalidDigitError)
    assert session.call(ref).state is S.IDLE
    assert errors(session.login("ws://x", False, ALICE))  # already logged in


def test_an_invalid_dial_string_ends_the_call_with_dialstring():
    session, _ = logged_in()
    for number in ("", None, "abc", "1 2", 42):
        ref = session.create_call()
        out = session.dial(ref, number, "", False, 0.0)
        assert states(out, ref) == [S.DISCONNECTED] and not sent(out)
        assert session.call(ref).reason is R.DIALSTRING if ref in [c.ref for c in session.calls] else True


def dial(session, conn, media=False):
    ref = session.create_call()
    out = session.dial(ref, "200", "", media, 0.0)
    assert states(out, ref) == [S.DIALING]
    return ref, out


def test_disconnect_right_after_dial_cancels_once_the_switch_names_the_call():
    session, conn = logged_in()
    ref, out = dial(session, conn)
    (req,) = sent(out)
    record = session.call(ref)
    assert sent(session.request(ref, CallRequest.DISCONNECT, 0.0)) == []  # not named yet
    out = session.receive(conn, frame(type="result", id=req["id"], call=call("c1", "DIALING")), 0.0)
    (hangup,) = sent(out)
    assert hangup["type"] == "disconnect" and hangup["call"] == "c1"
    out = session.receive(conn, frame(type="call", call=call("c1", "DISCONNECTED", reason="USERTERMINATED")), 0.0)
    assert states(out, ref) == [S.DISCONNECTED] and record.reason is R.USERTERMINATED


def test_disconnect_before_the_offer_is_made_ends_the_call_locally():
    session, conn = logged_in()
    ref, out = dial(session, conn, media=True)
    assert any(isinstance(e, ev.MakeOffer) for e in out) and not sent(out)
    out = session.request(ref, CallRequest.DISCONNECT, 0.0)
    assert states(out, ref) == [S.DISCONNECTED] and not sent(out)
    assert session.offer_ready(ref, {"type": "offer", "sdp": "v=0"}, 0.0) == []  # the dial never leaves


def test_call_events_that_overtake_the_dial_result_are_kept():
    session, conn = logged_in()
    ref, out = dial(session, conn)
    (req,) = sent(out)
    assert session.receive(conn, frame(type="call", call=call("c1", "RINGING")), 0.0) == []
    out = session.receive(conn, frame(type="result", id=req["id"], call=call("c1", "DIALING")), 0.0)
    assert states(out, ref) == [S.RINGING] and session.call(ref).id == "c1"


def test_a_report_the_state_table_does_not_allow_is_a_remote_error():
    session, conn = logged_in()
    session.receive(conn, frame(type="call", call=call("c9", "OFFERING", direction="in")), 0.0)
    (record,) = session.calls
    out = session.receive(conn, frame(type="call", call=call("c9", "HELD", direction="in")), 0.0)
    assert isinstance(errors(out)[0], RemoteProtocolError) and record.state is S.OFFERING


def test_a_bad_frame_is_reported_as_remote_and_the_session_goes_on():
    session, conn = logged_in()
    out = session.receive(conn, "not json", 0.0)
    assert isinstance(errors(out)[0], RemoteProtocolError) and session.login_state is L.SUCCESS


def test_request_timeout_through_tick():
    session, conn = logged_in()
    ref, out = dial(session, conn)
    assert session.next_deadline() == 10.0
    assert session.tick(9.0) == []
    out = session.tick(10.0)
    assert states(out, ref) == [S.DISCONNECTED] and session.call(ref).reason is R.ERROR if session.calls else True


def test_restore_makes_every_call_true():
    session, conn = logged_in()
    session.receive(conn, frame(type="call", call=call("a", "OFFERING", direction="in")), 0.0)
    session.receive(conn, frame(type="call", call=call("b", "OFFERING", direction="in")), 0.0)
    a, b = session.calls
    session.request(a.ref, CallRequest.ANSWER, 0.0)
    session.receive(conn, frame(type="call", call=call("a", "CONNECTED", direction="in")), 0.0)
    assert logins(session.closed(conn)) == [L.CONNECTION_LOST]
    conn2 = session.login("ws://x", False, RestoreRequest("id1"))[-1].conn
    (req,) = sent(session.connected(conn2, 0.0))
    assert req["type"] == "restore"
    out = session.receive(conn2, frame(type="result", id=req["id"], identifier="id1", number="100",
                                       calls=[call("a", "HELD", direction="in")]), 0.0)
    assert logins(out) == [L.SUCCESS]
    restored = [e for e in out if isinstance(e, (ev.RestoredCall, ev.CallChanged)) and e.ref == a.ref]
    assert isinstance(restored[0], ev.RestoredCall) and restored[1] == ev.CallChanged(a.ref, S.HELD, S.CONNECTED, forced=True)
    assert states(out, b.ref) == [S.DISCONNECTED] and b.reason is R.ERROR
    assert a.state is S.HELD


def test_a_failed_restore_ends_the_old_calls():
    session, conn = logged_in()
    session.receive(conn, frame(type="call", call=call("a", "OFFERING", direction="in")), 0.0)
    (a,) = session.calls
    session.closed(conn)
    conn2 = session.login("ws://x", False, RestoreRequest("id1"))[-1].conn
    (req,) = sent(session.connected(conn2, 0.0))
    out = session.receive(conn2, frame(type="error", id=req["id"], code="restore_failed", message="gone"), 0.0)
    assert logins(out) == [L.LOGIN_RESTORE_FAILED] and states(out, a.ref) == [S.DISCONNECTED] and a.reason is R.ERROR


def test_a_media_failure_during_answer_never_shows_connected():
    session, conn = logged_in()
    session.receive(conn, frame(type="call", call=call("a", "OFFERING", direction="in")), 0.0)
    (a,) = session.calls
    out = session.request(a.ref, CallRequest.ANSWER, 0.0, media=True)
    assert ev.MakeOffer(a.ref, "sendrecv") in out
    (req,) = sent(session.offer_ready(a.ref, {"type": "offer", "sdp": "v=0"}, 0.0))
    assert req["sdp"] == {"type": "offer", "sdp": "v=0"}
    # the switch reports CONNECTED before its result: held back until the answer is applied
    assert states(session.receive(conn, frame(type="call", call=call("a", "CONNECTED", direction="in")), 0.0), a.ref) == []
    out = session.receive(conn, frame(type="result", id=req["id"], sdp={"type": "answer", "sdp": "v=0"}), 0.0)
    assert ev.ApplyAnswer(a.ref, {"type": "answer", "sdp": "v=0"}) in out
    out = session.answer_failed(a.ref, MediaError("bad answer"), 0.0)
    assert states(out, a.ref) == [S.DISCONNECTED] and a.reason is R.MEDIA
    assert [f["type"] for f in sent(out)] == ["disconnect"]


def test_answer_applied_releases_the_held_back_state():
    session, conn = logged_in()
    session.receive(conn, frame(type="call", call=call("a", "OFFERING", direction="in")), 0.0)
    (a,) = session.calls
    session.request(a.ref, CallRequest.ANSWER, 0.0, media=True)
    (req,) = sent(session.offer_ready(a.ref, {"type": "offer", "sdp": "v=0"}, 0.0))
    session.receive(conn, frame(type="call", call=call("a", "CONNECTED", direction="in")), 0.0)
    session.receive(conn, frame(type="result", id=req["id"], sdp={"type": "answer", "sdp": "v=0"}), 0.0)
    assert states(session.answer_applied(a.ref, 0.0), a.ref) == [S.CONNECTED]


def test_media_failure_while_connected_ends_the_call_and_tells_the_switch():
    session, conn = logged_in()
    session.receive(conn, frame(type="call", call=call("a", "OFFERING", direction="in")), 0.0)
    (a,) = session.calls
    session.receive(conn, frame(type="call", call=call("a", "CONNECTED", direction="in")), 0.0)
    out = session.media_failed(a.ref, MediaError("ICE failed"), 0.0)
    assert states(out, a.ref) == [S.DISCONNECTED] and a.reason is R.MEDIA
    assert [(f["type"], f["call"]) for f in sent(out)] == [("disconnect", "a")]


def test_switch_logout_event_ends_calls_and_reports_implicit():
    session, conn = logged_in()
    session.receive(conn, frame(type="call", call=call("a", "OFFERING", direction="in")), 0.0)
    (a,) = session.calls
    out = session.receive(conn, frame(type="logged_out", reason="taken_over"), 0.0)
    assert logins(out) == [L.LOGGED_OUT_IMPLICIT] and a.reason is R.REDIRECTED and ev.Close(conn) in out
    assert session.closed(conn) == []


def test_logout_ends_calls_userterminated():
    session, conn = logged_in()
    session.receive(conn, frame(type="call", call=call("a", "OFFERING", direction="in")), 0.0)
    (a,) = session.calls
    (req,) = sent(session.logout(0.0))
    out = session.receive(conn, frame(type="result", id=req["id"]), 0.0)
    assert logins(out) == [L.LOGGED_OUT_EXPLICIT] and a.reason is R.USERTERMINATED


def incoming(session, conn, cid, state="OFFERING"):
    session.receive(conn, frame(type="call", call=call(cid, state, direction="in")), 0.0)
    return next(c for c in session.calls if c.id == cid)


def test_transfer_needs_two_talking_calls_of_this_session():
    session, conn = logged_in()
    a = incoming(session, conn, "a")
    b = incoming(session, conn, "b")
    assert isinstance(errors(session.request(a.ref, CallRequest.TRANSFER, 0.0, to=b.ref))[0], CallStateError)
    for record in (a, b):
        session.receive(conn, frame(type="call", call=call(record.id, "CONNECTED", direction="in")), 0.0)
    assert "itself" in str(errors(session.request(a.ref, CallRequest.TRANSFER, 0.0, to=a.ref))[0])
    assert errors(session.request(a.ref, CallRequest.TRANSFER, 0.0, to=999))
    (req,) = sent(session.request(a.ref, CallRequest.TRANSFER, 0.0, to=b.ref))
    assert (req["type"], req["call"], req["to"]) == ("transfer", "a", "b")


def test_orphans_are_bounded():
    session = ClientSession(JsonWire(), max_orphans=2)
    conn = session.login("ws://x", False, ALICE)[-1].conn
    (req,) = sent(session.connected(conn, 0.0))
    session.receive(conn, frame(type="result", id=req["id"], identifier="i"), 0.0)
    ref = session.create_call()
    session.dial(ref, "200", "", False, 0.0)
    for n in range(5):
        session.receive(conn, frame(type="call", call=call(f"x{n}", "RINGING")), 0.0)
    assert list(session._book.orphans) == ["x3", "x4"]  # noqa: SLF001 - the bound is the point


def test_a_media_re_offer_waits_for_the_exchange_under_way():
    session, conn = logged_in()
    a = incoming(session, conn, "a")
    session.request(a.ref, CallRequest.ANSWER, 0.0, media=True)
    assert session.want_media(a.ref, 0.0) == []  # the offer about to be made carries it
    (req,) = sent(session.offer_ready(a.ref, {"type": "offer", "sdp": "v=0"}, 0.0))
    assert session.want_media(a.ref, 0.0) == []  # the offer was made before: queued behind the answer
    session.receive(conn, frame(type="call", call=call("a", "CONNECTED", direction="in")), 0.0)
    session.receive(conn, frame(type="result", id=req["id"], sdp={"type": "answer", "sdp": "v=0"}), 0.0)
    out = session.answer_applied(a.ref, 0.0)
    assert states(out, a.ref) == [S.CONNECTED] and ev.MakeOffer(a.ref, "sendrecv") in out


def test_a_negotiation_asked_for_while_one_runs_waits_and_the_last_one_wins():
    """hold, retrieve, hold typed faster than the switch answers: nothing is refused, the requests do not
    cross on the wire, and the call ends up as the last key asked (one exchange after the running one)."""
    session, conn = logged_in()
    a = incoming(session, conn, "a", "OFFERING")
    session.receive(conn, frame(type="call", call=call("a", "CONNECTED", direction="in")), 0.0)
    assert ev.MakeOffer(a.ref, "inactive") in session.request(a.ref, CallRequest.HOLD, 0.0, media=True)
    for request in (CallRequest.RETRIEVE, CallRequest.HOLD):
        out = session.request(a.ref, request, 0.0, media=True)
        assert not errors(out) and not sent(out) and not any(isinstance(e, ev.MakeOffer) for e in out)
    (req,) = sent(session.offer_ready(a.ref, {"type": "offer", "sdp": "v=0"}, 0.0))
    assert req["type"] == "hold"
    session.receive(conn, frame(type="result", id=req["id"], sdp={"type": "answer", "sdp": "v=0"}), 0.0)
    session.receive(conn, frame(type="call", call=call("a", "HELD", direction="in")), 0.0)
    out = session.answer_applied(a.ref, 0.0)
    # the queued request meets the state it wanted (HOLD on a HELD call: nothing left to do, no error);
    # RETRIEVE was overtaken by the later HOLD (the last key wins)
    assert states(out, a.ref) == [S.HELD]
    assert not any(isinstance(e, ev.MakeOffer) for e in out) and not errors(out)


def test_a_queued_request_that_no_longer_applies_is_reported():
    session, conn = logged_in()
    a = incoming(session, conn, "a", "OFFERING")
    session.receive(conn, frame(type="call", call=call("a", "CONNECTED", direction="in")), 0.0)
    session.request(a.ref, CallRequest.HOLD, 0.0, media=True)
    session.request(a.ref, CallRequest.ANSWER, 0.0, media=True)  # queued, checked when the hold is done
    (req,) = sent(session.offer_ready(a.ref, {"type": "offer", "sdp": "v=0"}, 0.0))
    session.receive(conn, frame(type="result", id=req["id"], sdp={"type": "answer", "sdp": "v=0"}), 0.0)
    session.receive(conn, frame(type="call", call=call("a", "HELD", direction="in")), 0.0)
    out = session.answer_applied(a.ref, 0.0)
    assert "answer is not possible in state HELD" in str(errors(out)[0]) and not sent(out)


def test_a_hold_typed_while_the_answer_is_applied_runs_after_it():
    session, conn = logged_in()
    a = incoming(session, conn, "a")
    session.request(a.ref, CallRequest.ANSWER, 0.0, media=True)
    (req,) = sent(session.offer_ready(a.ref, {"type": "offer", "sdp": "v=0"}, 0.0))
    session.receive(conn, frame(type="call", call=call("a", "CONNECTED", direction="in")), 0.0)
    session.receive(conn, frame(type="result", id=req["id"], sdp={"type": "answer", "sdp": "v=0"}), 0.0)
    out = session.request(a.ref, CallRequest.HOLD, 0.0, media=True)
    assert not errors(out) and not sent(out)
    out = session.answer_applied(a.ref, 0.0)
    assert states(out, a.ref) == [S.CONNECTED] and ev.MakeOffer(a.ref, "inactive") in out


def test_a_login_without_an_answer_times_out_as_server_access():
    session = ClientSession(JsonWire(), request_timeout=5.0)
    conn = session.login("ws://x", False, ALICE)[-1].conn
    session.connected(conn, 100.0)
    assert session.next_deadline() == 105.0
    out = session.tick(105.0)
    assert logins(out) == [L.SERVER_ACCESS] and ev.Close(conn) in out and session.next_deadline() is None


def test_the_connection_closing_during_logout_completes_it():
    session, conn = logged_in()
    session.logout(0.0)
    assert logins(session.closed(conn)) == [L.LOGGED_OUT_EXPLICIT]


def test_a_new_login_ends_calls_an_earlier_session_left_behind():
    session, conn = logged_in()
    a = incoming(session, conn, "a")
    session.closed(conn)
    conn2 = session.login("ws://x", False, ALICE)[-1].conn
    (req,) = sent(session.connected(conn2, 0.0))
    out = session.receive(conn2, frame(type="result", id=req["id"], identifier="new"), 0.0)
    assert states(out, a.ref) == [S.DISCONNECTED] and logins(out) == [L.SUCCESS]


def test_connection_lost_fails_requests_under_way_and_reports_them():
    session, conn = logged_in()
    a = incoming(session, conn, "a")
    session.request(a.ref, CallRequest.ACCEPT, 0.0)
    out = session.closed(conn)
    assert logins(out) == [L.CONNECTION_LOST] and "accept failed" in str(errors(out)[0])
    assert a.state is S.OFFERING  # the switch may still keep it; a restore will tell


def test_a_reply_to_no_request_is_a_remote_error():
    session, conn = logged_in()
    out = session.receive(conn, frame(type="result", id=999), 0.0)
    assert isinstance(errors(out)[0], RemoteProtocolError)


def test_remote_digits_reach_their_call():
    session, conn = logged_in()
    a = incoming(session, conn, "a")
    out = session.receive(conn, frame(type="dtmf", call="a", digits="12"), 0.0)
    assert out == [ev.DigitsReceived(a.ref, "12")]


def test_no_second_re_offer_while_the_first_waits_for_its_offer():
    session, conn = logged_in()
    a = incoming(session, conn, "a")
    session.receive(conn, frame(type="call", call=call("a", "CONNECTED", direction="in")), 0.0)
    assert session.want_media(a.ref, 0.0) == [ev.MakeOffer(a.ref, "sendrecv")]
    assert session.want_media(a.ref, 0.0) == []
    (req,) = sent(session.offer_ready(a.ref, {"type": "offer", "sdp": "v=0"}, 0.0))
    out = session.receive(conn, frame(type="result", id=req["id"], sdp={"type": "answer", "sdp": "v=0"}), 0.0)
    assert ev.ApplyAnswer(a.ref, {"type": "answer", "sdp": "v=0"}) in out
    assert not any(isinstance(e, ev.MakeOffer) for e in session.answer_applied(a.ref, 0.0))


def test_digits_from_the_media_reach_their_call_and_an_empty_ice_list_keeps_the_own():
    session = ClientSession(JsonWire())
    conn = session.login("ws://x", False, ALICE)[-1].conn
    (req,) = sent(session.connected(conn, 0.0))
    out = session.receive(conn, frame(type="result", id=req["id"], identifier="i", ice_servers=[]), 0.0)
    assert not any(isinstance(e, ev.UseIceServers) for e in out)
    a = incoming(session, conn, "a")
    assert session.media_digits(a.ref, "5") == [ev.DigitsReceived(a.ref, "5")]


def test_the_far_ends_hold_is_followed_while_we_hold_and_old_frames_still_work():
    session, conn = logged_in()
    record = incoming(session, conn, "c1")
    session.receive(conn, frame(type="call", call=call("c1", "CONNECTED", direction="in")), 0.0)
    assert record.held_by_remote is None  # an older switch's frame: nothing known beyond the state
    out = session.receive(conn, frame(type="call", call={**call("c1", "HELD", direction="in"),
                                                         "held_by_remote": True}), 0.0)
    assert states(out, record.ref) == [S.HELD]
    assert [(e.ref, e.held) for e in out if isinstance(e, ev.RemoteHoldChanged)] == [(record.ref, True)]
    out = session.receive(conn, frame(type="call", call={**call("c1", "HELD", direction="in"),
                                                         "held_by_remote": False}), 0.0)
    assert states(out, record.ref) == []  # the state did not change, the far end's hold did
    assert [e.held for e in out if isinstance(e, ev.RemoteHoldChanged)] == [False]
    assert record.held_by_remote is False
    out = session.receive(conn, frame(type="call", call=call("c1", "HELD", direction="in")), 0.0)
    assert not [e for e in out if isinstance(e, ev.RemoteHoldChanged)] and record.held_by_remote is False


def test_held_by_remote_must_be_a_boolean():
    from console.core.callinfo import CallInfo
    from console.core.errors import ProtocolError

    info = CallInfo.from_wire(call("c1", "HELD"))
    assert info.held_by_remote is None and "held_by_remote" not in info.to_wire()
    assert CallInfo.from_wire({**call("c1", "HELD"), "held_by_remote": True}).to_wire()["held_by_remote"] is True
    try:
        CallInfo.from_wire({**call("c1", "HELD"), "held_by_remote": "yes"})
    except ProtocolError:
        pass
    else:
        raise AssertionError("a non-boolean held_by_remote was accepted")


def test_the_last_login_failure_is_typed():
    from console.core.client import LoginFailureKind as K
    from console.core.errors import CommError

    session = ClientSession(JsonWire())
    session.login(None, False, ALICE)
    assert session.last_login_failure is K.BAD_URL
    for failure, kind in (("tls", K.TLS), ("unreachable", K.UNREACHABLE), ("bad_url", K.BAD_URL),
                          ("rejected", K.REJECTED)):
        conn = session.login("ws://x", False, ALICE)[-1].conn
        assert session.last_login_failure is None  # a new attempt forgets the old cause
        assert logins(session.connect_failed(conn, CommError(failure, "no"))) == [L.SERVER_ACCESS]
        assert session.last_login_failure is kind
    for code, kind in (("auth_failed", K.CREDENTIALS), ("rate_limited", K.REJECTED),
                       ("no_dial_string_for_user", K.REJECTED)):
        conn = session.login("ws://x", False, ALICE)[-1].conn
        (req,) = sent(session.connected(conn, 0.0))
        session.receive(conn, frame(type="error", id=req["id"], code=code, message="no"), 0.0)
        assert session.last_login_failure is kind, code
    conn = session.login("ws://x", False, RestoreRequest("gone"))[-1].conn
    (req,) = sent(session.connected(conn, 0.0))
    out = session.receive(conn, frame(type="error", id=req["id"], code="restore_failed", message="no"), 0.0)
    assert logins(out) == [L.LOGIN_RESTORE_FAILED] and session.last_login_failure is K.SESSION_EXPIRED
