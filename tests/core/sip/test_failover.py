"""Failover between the nodes of a proxy pair, in memory (console/core/client/failover.py, docs/SIP.md "A pair
of proxies"). The issue: "the console registers with flows to both (RFC 5626) or fails over to the second";
the console fails over: one WebSocket at a time, restored through the next node with the same instance and
reg-id, its dialogs kept. The real pair (two Kamailio nodes, one killed mid-call): tests/sip/test_pair.py."""

from __future__ import annotations

import pytest
from sipkit import OFFER, reply, request
from test_sipwire import ANSWER, CHALLENGE, frames, logins

from console.core.client import ClientSession, LoginRequest, RestoreRequest
from console.core.client import events as ev
from console.core.client.failover import check_proxies, next_server, proxy_ring, same_service
from console.core.client.sip_settings import SipDeskSettings
from console.core.enums import CALL_STATES, LOGIN_STATES, AuthMethod
from console.core.machines import CallRequest
from console.core.sip.message import SipRequest

S, L = CALL_STATES, LOGIN_STATES
A, B = "sip+ws://node1.example.org:8080", "sip+ws://node2.example.org:8080"


def test_the_ring_goes_round_and_leaves_other_services_alone():
    ring = proxy_ring(A, [B, A, " "])
    assert ring == (A, B)
    assert [next_server(A, ring), next_server(B, ring)] == [B, A]
    assert next_server("sip+ws://elsewhere:1", ring) == "sip+ws://elsewhere:1"  # not a node of this pair
    assert next_server(A, ()) == A
    assert same_service(A, B, ring) and not same_service(A, "sip+ws://elsewhere:1", ring)


@pytest.mark.parametrize("bad", ["ws://node2:8080", "sip+ws://:8080", "sip+ws://node2:99999", 7, [A] * 9, A])
def test_a_bad_outbound_proxies_value_is_refused_with_the_entry_named(bad):
    value = bad if isinstance(bad, list) else bad if bad == A else [bad]
    with pytest.raises(ValueError):
        check_proxies(value)


def _register(session: ClientSession, conn: int, out, now: float) -> tuple[SipRequest, list]:
    (register,) = frames(out)
    (retry,) = frames(session.receive(conn, reply(register, 401, headers=[CHALLENGE]), now))
    contact = retry.headers.get("Contact")
    return retry, session.receive(conn, reply(retry, 200, headers=[("Contact", f"{contact};expires=600")]), now + 0.01)


def test_a_lost_connection_is_restored_through_the_other_node_with_the_same_binding_and_the_call_goes_on():
    session = ClientSession(None, sip_desk=SipDeskSettings(outbound_proxies=(A, B)))
    out = session.login(A, False, LoginRequest(AuthMethod.PASSWORD, "1000", "secret1000"))
    conn = out[-1].conn
    first, out = _register(session, conn, session.connected(conn, 0.0), 0.1)
    assert logins(out) == [L.SUCCESS] and first.headers.get("Route") == "<sip:node1.example.org:8080;transport=ws;lr>"
    wire = session.wire
    invite = request("INVITE", body=OFFER)  # record-routed by node 1 (127.0.0.1 here)
    (incoming,) = [e for e in session.receive(conn, invite, 1.0) if isinstance(e, ev.IncomingCall)]
    session.request(incoming.ref, CallRequest.ANSWER, 1.1, media=False)
    session.offer_ready(incoming.ref, {"type": "answer", "sdp": ANSWER}, 1.2)
    assert session.call(incoming.ref).state is S.CONNECTED

    assert logins(session.closed(conn, None, 2.0)) == [L.CONNECTION_LOST]  # node 1 died
    out = session.login(next_server(A, proxy_ring(A, (B,))), False, RestoreRequest(session.identifier))
    connect = out[-1]
    assert isinstance(connect, ev.Connect) and connect.server == B
    assert session.wire is wire  # the same SIP service: its dialogs are kept
    again, out = _register(session, connect.conn, session.connected(connect.conn, 3.0), 3.1)
    assert logins(out) == [L.SUCCESS]
    # the registrar replaces the binding: same Call-ID, a later CSeq, same instance and reg-id, routed to node 2
    assert again.headers.get("Call-ID") == first.headers.get("Call-ID") and again.cseq.number > first.cseq.number
    assert again.headers.get("Contact") == first.headers.get("Contact")
    assert again.headers.get("Route") == "<sip:node2.example.org:8080;transport=ws;lr>"
    assert session.call(incoming.ref).state is S.CONNECTED

    # a hold goes on the new connection with the dialog's route set as it was made (node 1's, which node 2
    # treats as its own: docs/sip/kamailio-pair.cfg)
    session.request(incoming.ref, CallRequest.HOLD, 4.0, media=False)
    (reinvite,) = frames(session.offer_ready(incoming.ref, {"type": "offer", "sdp": OFFER}, 4.1))
    assert reinvite.method == "INVITE" and reinvite.headers.get_all("Route") == [
        "<sip:127.0.0.1:8080;transport=ws;r2=on;lr>", "<sip:127.0.0.1:5060;r2=on;lr>"]


def test_a_login_to_another_service_starts_afresh():
    session = ClientSession(None, sip_desk=SipDeskSettings(outbound_proxies=(A, B)))
    conn = session.login(A, False, LoginRequest(AuthMethod.PASSWORD, "1000", "secret1000"))[-1].conn
    _register(session, conn, session.connected(conn, 0.0), 0.1)
    wire = session.wire
    assert logins(session.closed(conn, None, 1.0)) == [L.CONNECTION_LOST]
    out = session.login("sip+ws://elsewhere.example.org:8080", False, RestoreRequest(session.identifier))
    assert isinstance(out[-1], ev.Connect) and session.wire is not wire


def test_a_reinvite_cut_off_with_the_connection_fails_but_the_call_goes_on():
    """RFC 3261 8.1.3.1: a transport failure is a 503, not the far end's 408 (which ends the dialog, 14.1). A node
    that dies while our hold is in flight (or the restore's own re-offer) must not end the call: the hold fails,
    the call stays CONNECTED and is re-offered through the other node."""
    session = ClientSession(None, sip_desk=SipDeskSettings(outbound_proxies=(A, B)))
    conn = session.login(A, False, LoginRequest(AuthMethod.PASSWORD, "1000", "secret1000"))[-1].conn
    _register(session, conn, session.connected(conn, 0.0), 0.1)
    (incoming,) = [e for e in session.receive(conn, request("INVITE", body=OFFER), 1.0) if isinstance(e, ev.IncomingCall)]
    session.request(incoming.ref, CallRequest.ANSWER, 1.1, media=False)
    session.offer_ready(incoming.ref, {"type": "answer", "sdp": ANSWER}, 1.2)
    session.request(incoming.ref, CallRequest.HOLD, 2.0, media=False)
    (reinvite,) = frames(session.offer_ready(incoming.ref, {"type": "offer", "sdp": OFFER}, 2.1))
    assert reinvite.method == "INVITE"

    out = session.closed(conn, None, 2.2)  # the node dies with the hold in flight
    assert logins(out) == [L.CONNECTION_LOST]
    assert not [e for e in out if isinstance(e, ev.CallChanged) and e.state is S.DISCONNECTED]
    assert any(isinstance(e, ev.ErrorReported) and "hold" in str(e.error) for e in out)
    assert not [m for m in frames(out) if m.method == "BYE"]
    assert session.call(incoming.ref).state is S.CONNECTED

    connect = session.login(B, False, RestoreRequest(session.identifier))[-1]
    _, out = _register(session, connect.conn, session.connected(connect.conn, 3.0), 3.1)
    assert logins(out) == [L.SUCCESS] and session.call(incoming.ref).state is S.CONNECTED
    session.request(incoming.ref, CallRequest.HOLD, 4.0, media=False)  # and it can be held through node 2
    (again,) = frames(session.offer_ready(incoming.ref, {"type": "offer", "sdp": OFFER}, 4.1))
    assert again.method == "INVITE" and again.cseq.number > reinvite.cseq.number
