"""REGISTER: challenge, refresh timing, un-REGISTER, failures, outbound parameters, keep-alive."""

from __future__ import annotations

from sipkit import make_agent, one, reply, sent

from console.core.sip.digest import Challenge, parse_auth_params, response
from console.core.sip.events import FlowFailed, MessageRejected, Registered, RegistrationFailed, Unregistered
from console.core.sip.keepalive import PING
from console.core.sip.registration import RegState, refresh_delay

CHALLENGE = ("WWW-Authenticate", 'Digest realm="example.org", nonce="n1", qop="auth", algorithm=MD5')


def register(agent, now=0.0, expires="300"):
    agent.register(now)
    first = one(agent)
    agent.receive(reply(first, 401, headers=[CHALLENGE]), now)
    second = one(agent)
    agent.receive(reply(second, 200, headers=[("Contact", f"{second.headers.get('Contact').split(';expires')[0]};expires={expires}")]), now)
    return first, second


def test_register_answers_the_challenge_and_reports_the_granted_expiry():
    agent = make_agent()
    first, second = register(agent)
    assert first.method == "REGISTER" and first.uri == "sip:example.org"
    assert "Authorization" not in first.headers
    contact = first.contact[0]
    assert contact.params["+sip.instance"] == "<urn:uuid:00000000-0000-4000-8000-000000000001>"
    assert contact.params["reg-id"] == "1" and str(contact.uri) == "sip:console@console.invalid;transport=ws"
    assert first.headers.get("Route") == "<sip:127.0.0.1:5060;transport=ws;lr>"
    # same Call-ID, next CSeq, a digest response the server can check
    assert second.call_id == first.call_id and second.cseq.number == first.cseq.number + 1
    auth = parse_auth_params(second.headers.get("Authorization")[7:])
    expected = response(Challenge.parse(CHALLENGE[1]), method="REGISTER", uri="sip:example.org",
                        username="1000", password="secret1000", cnonce=auth["cnonce"], nc=1)
    assert auth["response"] == expected and auth["qop"] == "auth"
    events = agent.events()
    assert events == [Registered(300, refresh_delay(300))]
    assert agent.registration.state is RegState.REGISTERED


def test_refresh_is_sent_before_expiry_and_not_earlier():
    agent = make_agent()
    register(agent, now=100.0, expires="300")
    assert agent.next_deadline() is not None
    agent.events()
    agent.on_timer(100.0 + refresh_delay(300) - 0.01)
    assert sent(agent) == []
    assert refresh_delay(300) == 270 and refresh_delay(60) == 30 and refresh_delay(10) == 5
    agent.on_timer(100.0 + refresh_delay(300))
    refresh = one(agent)
    assert refresh.method == "REGISTER" and refresh.cseq.number == 3
    assert "Authorization" in refresh.headers  # the known nonce is reused with nc=2
    assert parse_auth_params(refresh.headers.get("Authorization")[7:])["nc"] == "00000002"
    agent.receive(reply(refresh, 200, headers=[("Expires", "120")]), 400.0)
    assert agent.events() == [Registered(120, 400.0 + refresh_delay(120))]


def test_unregister_sends_expires_zero_for_our_contact():
    agent = make_agent()
    register(agent)
    agent.events()
    agent.unregister(5.0)
    bye = one(agent)
    assert bye.headers.get("Expires") == "0" and bye.contact[0].params["expires"] == "0"
    agent.receive(reply(bye, 200), 5.0)
    assert agent.events() == [Unregistered()]
    assert agent.registration.state is RegState.UNREGISTERED and agent.next_deadline() is None


def test_wrong_password_fails_instead_of_looping():
    agent = make_agent()
    agent.register(0.0)
    agent.receive(reply(one(agent), 401, headers=[CHALLENGE]), 0.0)
    agent.receive(reply(one(agent), 401, headers=[CHALLENGE]), 0.0)  # same nonce: refused
    assert sent(agent) == []
    assert agent.events() == [RegistrationFailed(401, "Whatever", auth_failed=True)]
    assert agent.registration.state is RegState.FAILED


def test_a_new_nonce_right_after_our_answer_is_a_refusal_too():
    agent = make_agent()
    agent.register(0.0)
    agent.receive(reply(one(agent), 401, headers=[CHALLENGE]), 0.0)
    agent.receive(reply(one(agent), 401, headers=[(CHALLENGE[0], CHALLENGE[1].replace("n1", "n2"))]), 0.0)
    assert sent(agent) == []
    assert agent.events() == [RegistrationFailed(401, "Whatever", auth_failed=True)]


def test_a_refresh_may_be_challenged_anew():
    agent = make_agent()
    register(agent)
    agent.events()
    agent.on_timer(1000.0)
    refresh = one(agent)
    agent.receive(reply(refresh, 401, headers=[(CHALLENGE[0], CHALLENGE[1].replace("n1", "n9"))]), 1000.0)
    again = one(agent)
    assert 'nonce="n9"' in again.headers.get("Authorization")
    agent.receive(reply(again, 200, headers=[("Expires", "300")]), 1000.0)
    assert isinstance(agent.events()[0], Registered)


def test_stale_nonce_is_retried_and_403_fails():
    agent = make_agent()
    agent.register(0.0)
    agent.receive(reply(one(agent), 401, headers=[CHALLENGE]), 0.0)
    stale = ("WWW-Authenticate", CHALLENGE[1] + ", stale=true")
    agent.receive(reply(one(agent), 401, headers=[stale]), 0.0)
    agent.receive(reply(one(agent), 403, "Forbidden"), 0.0)
    assert agent.events() == [RegistrationFailed(403, "Forbidden", auth_failed=True)]


def test_interval_too_brief_retries_with_min_expires():
    agent = make_agent()
    agent.register(0.0)
    agent.receive(reply(one(agent), 423, headers=[("Min-Expires", "900")]), 0.0)
    again = one(agent)
    assert again.headers.get("Expires") == "900"


def test_no_answer_is_a_timeout_failure():
    agent = make_agent()
    agent.register(0.0)
    sent(agent)
    assert agent.next_deadline() == 32.0
    agent.on_timer(32.0)
    failed = agent.events()
    assert failed == [RegistrationFailed(408, "Request Timeout (no answer from the server)", False)]


def test_crlf_keepalive_after_registration_and_flow_failure():
    agent = make_agent()
    agent.register(0.0)
    agent.receive(reply(one(agent), 200, headers=[("Flow-Timer", "25"), ("Expires", "600")]), 0.0)
    agent.on_timer(19.9)
    assert agent.data_to_send() == []
    agent.on_timer(20.0)
    assert agent.data_to_send() == [PING]
    agent.receive(b"\r\n", 21.0)  # the pong
    agent.on_timer(40.9)
    assert agent.data_to_send() == []
    agent.on_timer(41.0)
    assert agent.data_to_send() == [PING]
    agent.on_timer(51.0)
    assert agent.keepalive.state == "failed" and agent.events()[-1] == FlowFailed()
    agent.on_timer(60.0)
    assert agent.events() == [] and agent.data_to_send() == []


def test_keepalive_can_be_switched_off():
    agent = make_agent(keepalive_interval=None)
    agent.register(0.0)
    agent.receive(reply(one(agent), 200, headers=[("Expires", "600")]), 0.0)
    agent.on_timer(500.0)
    assert agent.data_to_send() == []


def test_garbage_from_the_server_is_reported_not_raised():
    agent = make_agent()
    agent.receive(b"\x00\x01garbage", 0.0)
    agent.receive("SIP/2.0 200 OK\r\nVia: SIP/2.0/WS x;branch=z9hG4bKnothing\r\n\r\n", 0.0)
    events = agent.events()
    assert len(events) == 2 and all(isinstance(e, MessageRejected) for e in events)
    assert sent(agent) == []


def test_token_login_answers_a_bearer_challenge_once():
    agent = make_agent(token="eyJhbGciOi.payload.sig")
    agent.register(0.0)
    bearer = ("WWW-Authenticate", 'Bearer realm="example.org", scope="sip"')
    agent.receive(reply(one(agent), 401, headers=[CHALLENGE, bearer]), 0.0)
    again = one(agent)
    assert again.headers.get("Authorization") == "Bearer eyJhbGciOi.payload.sig"
    agent.receive(reply(again, 401, headers=[bearer]), 0.0)  # the token was refused
    assert agent.events() == [RegistrationFailed(401, "Whatever", auth_failed=True)]


def test_token_login_against_a_digest_only_server_is_refused_not_guessed():
    agent = make_agent(token="t")
    agent.register(0.0)
    agent.receive(reply(one(agent), 401, headers=[CHALLENGE]), 0.0)
    assert sent(agent) == []
    assert agent.events() == [RegistrationFailed(401, "Whatever", auth_failed=True)]
