"""The SIP wire under the client session, in memory: the seed's requests become SIP and SIP becomes the seed's
states, with Kamailio's side written out as text (sipkit). The real lab runs the same through tests/sip."""

from __future__ import annotations

from sipkit import OFFER, reply, request

from console.core.client import ClientSession, LoginRequest
from console.core.client import events as ev
from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, AuthMethod
from console.core.machines import CallRequest
from console.core.sip.message import SipRequest, SipResponse, parse

S, L = CALL_STATES, LOGIN_STATES
ANSWER = OFFER.replace("o=- 4611731400430051336", "o=- 99")
CHALLENGE = ("WWW-Authenticate", 'Digest realm="example.org", nonce="abc", algorithm=MD5')


def frames(events) -> list[SipRequest | SipResponse]:
    return [parse(e.frame) for e in events if isinstance(e, ev.Send) and e.frame.strip("\r\n")]


def logins(events) -> list[LOGIN_STATES]:
    return [e.state for e in events if isinstance(e, ev.LoginChanged)]


def registered(status: int = 200):
    session = ClientSession(None)
    out = session.login("sip+ws://example.org:8080/ws", False, LoginRequest(AuthMethod.PASSWORD, "1000", "secret1000"))
    connect = out[-1]
    assert isinstance(connect, ev.Connect) and connect.subprotocol == "sip" and not connect.secure
    (register,) = frames(session.connected(connect.conn, 0.0))
    assert register.method == "REGISTER" and "+sip.instance" in register.headers.get("Contact")
    (retry,) = frames(session.receive(connect.conn, reply(register, 401, headers=[CHALLENGE]), 0.1))
    assert retry.headers.get("Authorization").startswith("Digest ")
    contact = retry.headers.get("Contact")
    out = session.receive(connect.conn, reply(retry, status, headers=[("Contact", f"{contact};expires=600")]), 0.2)
    return session, connect.conn, out


def test_register_with_a_digest_challenge_is_the_login():
    session, _, out = registered()
    assert logins(out) == [L.SUCCESS]
    assert session.identifier.startswith("sip1.") and session.number == "1000"
    details = session.link_details(1.0)
    assert details["AOR"] == "sip:1000@example.org" and details["registration"] == "expires in 599 s"


def test_register_refused_404_is_no_dial_string_for_user():
    _, _, out = registered(404)
    assert logins(out) == [L.NO_DIAL_STRING_FOR_USER]


def test_incoming_call_answered_dtmf_by_info_both_ways_and_the_far_end_hangs_up():
    session, conn, _ = registered()
    out = session.receive(conn, request("INVITE", body=OFFER), 1.0)
    (incoming,) = [e for e in out if isinstance(e, ev.IncomingCall)]
    record = session.call(incoming.ref)
    assert record.state is S.OFFERING and record.remote_number == "1001" and record.remote_name == "Peer"
    assert [m.status for m in frames(out)] == [100]

    out = session.request(incoming.ref, CallRequest.ANSWER, 2.0, media=False)  # SIP: media all the same
    (make,) = [e for e in out if isinstance(e, ev.MakeOffer)]
    assert make.offer == {"type": "offer", "sdp": OFFER}  # the media answers the caller's offer
    out = session.offer_ready(incoming.ref, {"type": "answer", "sdp": ANSWER}, 2.1)
    (ok,) = frames(out)
    assert ok.status == 200 and b"m=audio" in ok.body
    assert [e.state for e in out if isinstance(e, ev.CallChanged)] == [S.CONNECTED]
    local_tag = ok.to.tag

    # the caller's SDP has no telephone-event: digits go as INFO application/dtmf-relay
    out = session.request(incoming.ref, CallRequest.DTMF, 3.0, digits="1#")
    infos = frames(out)
    assert [m.method for m in infos] == ["INFO", "INFO"]
    assert [m.body for m in infos] == [b"Signal=1\r\nDuration=160\r\n", b"Signal=#\r\nDuration=160\r\n"]
    assert not any(isinstance(e, ev.SendDigits) for e in out)

    out = session.receive(conn, request("INFO", to_tag=local_tag, cseq=2, branch="z9hG4bKinfo",
                                        body="Signal=5\r\nDuration=100\r\n", content_type="application/dtmf-relay"), 4.0)
    assert [e.digits for e in out if isinstance(e, ev.DigitsReceived)] == ["5"]

    out = session.receive(conn, request("BYE", to_tag=local_tag, cseq=3, branch="z9hG4bKbye"), 5.0)
    assert [m.status for m in frames(out)] == [200]
    assert [e.state for e in out if isinstance(e, ev.CallChanged)] == [S.DISCONNECTED]
    assert record.reason is DISC_REASON.SUCCESS


def test_telephone_event_in_the_far_ends_sdp_sends_digits_in_the_media():
    session, conn, _ = registered()
    offer = OFFER.replace("a=rtpmap:0 PCMU/8000\r\n", "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n")
    offer = offer.replace("SAVPF 111 0", "SAVPF 111 0 101")
    out = session.receive(conn, request("INVITE", body=offer), 1.0)
    (incoming,) = [e for e in out if isinstance(e, ev.IncomingCall)]
    session.request(incoming.ref, CallRequest.ANSWER, 2.0)
    session.offer_ready(incoming.ref, {"type": "answer", "sdp": ANSWER}, 2.1)
    out = session.request(incoming.ref, CallRequest.DTMF, 3.0, digits="42")
    assert [(e.ref, e.digits) for e in out if isinstance(e, ev.SendDigits)] == [(incoming.ref, "42")]
    assert frames(out) == []


def test_garbage_from_the_server_is_answered_and_changes_nothing():
    session, conn, _ = registered()
    out = session.receive(conn, b"FOO sip:x SIP/2.0\r\nVia: SIP/2.0/WS h;branch=z9hG4bKx\r\n\r\n", 1.0)
    assert logins(out) == [] and not any(isinstance(e, ev.ErrorReported) for e in out)
    out = session.receive(conn, b"\x00\xff not sip at all", 1.1)
    assert logins(out) == [] and session.login_state is L.SUCCESS


def test_a_dial_is_named_at_once_rings_and_connects_once_the_answer_is_applied():
    session, conn, _ = registered()
    ref = session.create_call()
    out = session.dial(ref, "1001", "", False, 1.0)  # SIP: the dial asks for an offer even without elements
    assert any(isinstance(e, ev.MakeOffer) for e in out)
    (invite,) = frames(session.offer_ready(ref, {"type": "offer", "sdp": OFFER}, 1.1))
    assert invite.method == "INVITE" and session.call(ref).id == invite.headers.get("Call-ID")
    out = session.receive(conn, reply(invite, 180), 1.2)
    assert [e.state for e in out if isinstance(e, ev.CallChanged)] == [S.RINGING]
    out = session.receive(conn, reply(invite, 200, body=ANSWER, headers=[("Contact", "<sip:1001@127.0.0.1:5080>")]), 1.3)
    assert [type(e) for e in out if not isinstance(e, ev.Send)] == [ev.ApplyAnswer]
    assert [m.method for m in frames(out)] == ["ACK"]
    out = session.answer_applied(ref, 1.4)
    assert [e.state for e in out if isinstance(e, ev.CallChanged)] == [S.CONNECTED]


def test_decline_is_603_and_logout_unregisters_our_contact_only():
    session, conn, _ = registered()
    out = session.receive(conn, request("INVITE", body=OFFER), 1.0)
    (incoming,) = [e for e in out if isinstance(e, ev.IncomingCall)]
    out = session.request(incoming.ref, CallRequest.DECLINE, 2.0)
    assert [m.status for m in frames(out)] == [603]
    assert [e.state for e in out if isinstance(e, ev.CallChanged)] == [S.DISCONNECTED]
    (unregister,) = frames(session.logout(3.0))
    assert unregister.method == "REGISTER" and "expires=0" in unregister.headers.get("Contact").replace(" ", "").lower() \
        or unregister.headers.get("Expires") == "0"
    assert "*" not in unregister.headers.get("Contact")
    out = session.receive(conn, reply(unregister, 200), 3.1)
    assert logins(out) == [L.LOGGED_OUT_EXPLICIT]


def test_telephone_event_at_a_rate_the_media_lacks_falls_back_to_info():
    """docs/SIP.md: RFC 4733 in the media when the far end's SDP lists telephone-event (at 8000 or 48000,
    the rates the media negotiates), else SIP INFO application/dtmf-relay: no digit is lost."""
    session, conn, _ = registered()
    offer = OFFER.replace("a=rtpmap:0 PCMU/8000\r\n", "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/16000\r\n")
    offer = offer.replace("SAVPF 111 0", "SAVPF 111 0 101")
    out = session.receive(conn, request("INVITE", body=offer), 1.0)
    (incoming,) = [e for e in out if isinstance(e, ev.IncomingCall)]
    session.request(incoming.ref, CallRequest.ANSWER, 2.0)
    session.offer_ready(incoming.ref, {"type": "answer", "sdp": ANSWER}, 2.1)
    out = session.request(incoming.ref, CallRequest.DTMF, 3.0, digits="7")
    assert not any(isinstance(e, ev.SendDigits) for e in out)
    assert [(m.method, m.body) for m in frames(out)] == [("INFO", b"Signal=7\r\nDuration=160\r\n")]


def _login_refused(*answers):
    """Log in, and answer the REGISTERs with ``answers`` ((status, headers) each); the session's events."""
    session = ClientSession(None)
    out = session.login("sip+ws://example.org:8080/ws", False, LoginRequest(AuthMethod.PASSWORD, "1000", "wrong"))
    conn = out[-1].conn
    (register,) = frames(session.connected(conn, 0.0))
    out = []
    for status, headers in answers:
        out = session.receive(conn, reply(register, status, headers=headers), 0.1)
        sent = frames(out)
        if sent:
            (register,) = sent
    return session, out


def test_a_wrong_password_reads_as_credentials():
    """docs/API-MAPPING.md: CREDENTIALS is a wrong user, password or token. A 401 again (or a 403) after we
    answered the challenge with our credentials is that, not REJECTED; the seed's state stays SERVER_ACCESS."""
    from console.core.client.failures import LoginFailureKind as K

    for refusal in ((401, [CHALLENGE]), (403, [])):
        session, out = _login_refused((401, [CHALLENGE]), refusal)
        assert logins(out) == [L.SERVER_ACCESS]
        assert session.last_login_failure is K.CREDENTIALS, refusal
    # Kamailio refuses an unknown user with 403 before any challenge: a wrong user, CREDENTIALS too;
    # any other refusal is the server saying no
    session, out = _login_refused((403, []))
    assert logins(out) == [L.SERVER_ACCESS] and session.last_login_failure is K.CREDENTIALS
    session, out = _login_refused((401, [CHALLENGE]), (503, []))
    assert logins(out) == [L.SERVER_ACCESS] and session.last_login_failure is K.REJECTED


def test_is_held_by_remote_follows_the_far_ends_hold_and_retrieve():
    """The far end's re-INVITE with a=sendonly makes the call HOLDING and held_by_remote True (the JSON wire
    says the same in its call object); its retrieve makes it False again; held by both ends stays True."""
    session, conn, _ = registered()
    out = session.receive(conn, request("INVITE", body=OFFER), 1.0)
    (incoming,) = [e for e in out if isinstance(e, ev.IncomingCall)]
    record = session.call(incoming.ref)
    session.request(incoming.ref, CallRequest.ANSWER, 2.0)
    (ok,) = frames(session.offer_ready(incoming.ref, {"type": "answer", "sdp": ANSWER}, 2.1))
    local_tag = ok.to.tag
    assert record.state is S.CONNECTED and record.held_by_remote is False

    def far_end_offers(direction: str, cseq: int, now: float):
        offer = OFFER.replace("a=sendrecv", f"a={direction}").replace(" 2 IN IP4", f" {cseq + 1} IN IP4")
        out = session.receive(conn, request("INVITE", to_tag=local_tag, cseq=cseq, branch=f"z9hG4bKre{cseq}",
                                            body=offer), now)
        (make,) = [e for e in out if isinstance(e, ev.MakeOffer)]
        answer = ANSWER.replace("a=sendrecv", "a=recvonly" if direction == "sendonly" else "a=sendrecv")
        out += session.offer_ready(incoming.ref, {"type": "answer", "sdp": answer}, now + 0.1)
        assert [m.status for m in frames(out) if isinstance(m, SipResponse)][-1] == 200
        return out

    out = far_end_offers("sendonly", 2, 3.0)
    assert record.state is S.HOLDING and record.held_by_remote is True
    assert [e.held for e in out if isinstance(e, ev.RemoteHoldChanged)] == [True]
    out = far_end_offers("sendrecv", 3, 4.0)
    assert record.state is S.CONNECTED and record.held_by_remote is False
    assert [e.held for e in out if isinstance(e, ev.RemoteHoldChanged)] == [False]


def test_a_call_from_a_tel_uri_rings_is_answered_and_hung_up():
    """A gateway's INVITE From <tel:+15551234567> (RFC 3261 allows any URI in From): the call rings with
    that number, is answered, and our BYE goes to its Contact with the tel: URI in To."""
    session, conn, _ = registered()
    invite = request("INVITE", body=OFFER).replace(
        b'From: "Peer" <sip:1001@example.org>', b'From: "Gateway" <tel:+15551234567>')
    out = session.receive(conn, invite, 1.0)
    (incoming,) = [e for e in out if isinstance(e, ev.IncomingCall)]
    record = session.call(incoming.ref)
    assert record.state is S.OFFERING and record.remote_number == "+15551234567" and record.remote_name == "Gateway"
    session.request(incoming.ref, CallRequest.ANSWER, 2.0)
    (ok,) = frames(session.offer_ready(incoming.ref, {"type": "answer", "sdp": ANSWER}, 2.1))
    assert ok.status == 200 and str(ok.from_.uri) == "tel:+15551234567"
    ack = request("ACK", to_tag=ok.to.tag, branch="z9hG4bKack").replace(
        b'From: "Peer" <sip:1001@example.org>', b'From: "Gateway" <tel:+15551234567>')
    assert frames(session.receive(conn, ack, 2.5)) == []
    (bye,) = frames(session.request(incoming.ref, CallRequest.DISCONNECT, 3.0))
    assert bye.method == "BYE" and str(bye.to.uri) == "tel:+15551234567" and bye.to.tag == "peer1"


def test_a_retry_that_cannot_reach_the_server_leaves_the_connection_lost():
    """A reconnector's restore of a lost connection that finds the server still away reports CONNECTION_LOST
    again, not SERVER_ACCESS (which an application reads as "login failed"); a first login or a restore in a
    new instance that cannot reach the server is SERVER_ACCESS as before."""
    from console.core.client import RestoreRequest
    from console.core.errors import CommError

    session, conn, _ = registered()
    identifier = session.identifier
    assert logins(session.closed(conn, None, 1.0)) == [L.CONNECTION_LOST]
    for attempt in range(2):
        out = session.login("sip+ws://example.org:8080/ws", False, RestoreRequest(identifier))
        connect = out[-1]
        assert isinstance(connect, ev.Connect)
        out += session.connect_failed(connect.conn, CommError("unreachable", "connection refused"))
        assert logins(out) == [L.CONNECTING, L.CONNECTION_LOST], attempt
    fresh = ClientSession(None)
    out = fresh.login("sip+ws://example.org:8080/ws", False, RestoreRequest(identifier))
    out += fresh.connect_failed(out[-1].conn, CommError("unreachable", "connection refused"))
    assert logins(out) == [L.CONNECTING, L.SERVER_ACCESS]
