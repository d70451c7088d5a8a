"""A login (or a restore) whose proxy cannot be connected to goes on through the next node of the pair, in memory
(console/core/client/failover.py ``ProxyWalk``). The defect: a console whose first proxy was down when it logged
in got SERVER_ACCESS and stayed logged out although node 2 was up; only a lost connection failed over.

The seed's login states stay as they were: CONNECTING once, then SUCCESS, or SERVER_ACCESS only once every
proxy has failed. The real pair: tests/sip/test_pair.py."""

from __future__ import annotations

import logging

import pytest
from test_failover import A, B, _register
from test_sipwire import CHALLENGE, frames, logins
from sipkit import reply

from console.core.client import ClientSession, LoginFailureKind, LoginRequest, RestoreRequest
from console.core.client import events as ev
from console.core.client.failover import PASS_OVER, login_order
from console.core.client.sip_settings import SipDeskSettings
from console.core.enums import LOGIN_STATES, AuthMethod
from console.core.errors import CommError

L, K = LOGIN_STATES, LoginFailureKind
C = "sip+ws://node3.example.org:8080"
LOGIN = LoginRequest(AuthMethod.PASSWORD, "1000", "secret1000")
REFUSED = CommError("unreachable", "[Errno 111] Connection refused")


def pair(*ring: str) -> ClientSession:
    return ClientSession(None, sip_desk=SipDeskSettings(outbound_proxies=ring or (A, B)))


def connects(events) -> list[ev.Connect]:
    return [e for e in events if isinstance(e, ev.Connect)]


def test_node_1_down_at_login_the_console_registers_through_node_2_and_says_so_in_the_log(caplog):
    caplog.set_level(logging.INFO, "console.core.client")
    session = pair()
    out = session.login(A, False, LOGIN)
    (first,) = connects(out)
    assert first.server == A and logins(out) == [L.CONNECTING]
    out = session.connect_failed(first.conn, REFUSED)
    assert logins(out) == []  # still CONNECTING: the application hears nothing of node 1
    (second,) = connects(out)
    assert second.server == B and second.conn != first.conn and second.subprotocol == "sip"
    assert session.server == B and session.last_login_failure is None
    register, out = _register(session, second.conn, session.connected(second.conn, 0.0), 0.1)
    assert logins(out) == [L.SUCCESS]
    assert register.headers.get("Route") == "<sip:node2.example.org:8080;transport=ws;lr>"
    assert session.connect_failed(first.conn, REFUSED) == []  # a late word of the old attempt changes nothing
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("login: ")]
    assert lines == [f"login: trying {A} (proxy 1 of 2)",
                     f"login: {A} passed over: unreachable ([Errno 111] Connection refused); next: {B}",
                     f"login: trying {B} (proxy 2 of 2)"]


def test_every_node_down_is_server_access_once_each_node_tried_once():
    session = pair(A, B, C)
    out = session.login(B, False, LOGIN)  # the login's own address first, then round the ring from it
    tried = []
    for _ in range(3):
        (connect,) = connects(out)
        tried.append(connect.server)
        out = session.connect_failed(connect.conn, REFUSED)
    assert tried == [B, C, A]
    assert logins(out) == [L.SERVER_ACCESS] and connects(out) == []
    assert session.last_login_failure is K.UNREACHABLE
    assert login_order(B, (A, B, C)) == (B, C, A) and login_order("sip+ws://other:1", (A, B)) == ("sip+ws://other:1",)


@pytest.mark.parametrize("failure", ["unreachable", "tls", "rejected", "bad_url"])
def test_a_failure_that_is_the_nodes_moves_on(failure):
    session = pair()
    (connect,) = connects(session.login(A, False, LOGIN))
    out = session.connect_failed(connect.conn, CommError(failure, "no"))
    assert logins(out) == [] and [c.server for c in connects(out)] == [B]
    out = session.connect_failed(connects(out)[0].conn, CommError(failure, "no"))
    assert logins(out) == [L.SERVER_ACCESS] and session.last_login_failure == failure


@pytest.mark.parametrize("failure", ["certificate", "internal"])
def test_a_certificate_that_does_not_verify_or_a_fault_in_the_console_ends_the_login_there(failure):
    """A certificate failure may be an interception and is a configuration to show, not hide behind node 2;
    a fault in the console's comm would meet every node."""
    session = pair()
    (connect,) = connects(session.login(A, False, LOGIN))
    out = session.connect_failed(connect.conn, CommError(failure, "no"))
    assert logins(out) == [L.SERVER_ACCESS] and connects(out) == [] and session.last_login_failure == failure
    assert set(PASS_OVER).isdisjoint({K.CERTIFICATE, K.INTERNAL, K.CREDENTIALS, K.SESSION_EXPIRED, K.CLEARTEXT})


def test_a_wrong_password_at_node_1_is_not_tried_at_node_2():
    session = pair()
    (connect,) = connects(session.login(A, False, LOGIN))
    (register,) = frames(session.connected(connect.conn, 0.0))
    (retry,) = frames(session.receive(connect.conn, reply(register, 401, headers=[CHALLENGE]), 0.1))
    out = session.receive(connect.conn, reply(retry, 403), 0.2)
    assert logins(out) == [L.SERVER_ACCESS] and connects(out) == []
    assert session.last_login_failure is K.CREDENTIALS


def test_a_node_that_would_get_the_credentials_in_clear_is_never_tried(caplog):
    caplog.set_level(logging.INFO, "console.core.client")
    secure_a, secure_b = A.replace("sip+ws", "sip+wss"), B.replace("sip+ws", "sip+wss")
    session = pair(secure_a, B, secure_b)  # node B's address is a cleartext one, to another host
    (connect,) = connects(session.login(secure_a, True, LOGIN, allow_cleartext=False))
    out = session.connect_failed(connect.conn, REFUSED)
    assert [c.server for c in connects(out)] == [secure_b]
    assert any(f"{B} passed over: it would carry the credentials" in r.getMessage() for r in caplog.records)
    tried = [r.getMessage() for r in caplog.records if r.getMessage().startswith("login: trying")]
    assert tried == [f"login: trying {secure_a} (proxy 1 of 2)", f"login: trying {secure_b} (proxy 2 of 2)"]


def test_a_restore_goes_the_same_way_and_a_lost_connection_stays_lost_when_no_node_answers():
    session = pair()
    conn = session.login(A, False, LOGIN)[-1].conn
    _register(session, conn, session.connected(conn, 0.0), 0.1)
    identifier = session.identifier
    assert logins(session.closed(conn, None, 1.0)) == [L.CONNECTION_LOST]
    out = session.login(A, False, RestoreRequest(identifier))  # a reconnector's retry
    for _ in range(2):
        out = session.connect_failed(connects(out)[0].conn, REFUSED)
    assert logins(out) == [L.CONNECTION_LOST]  # not SERVER_ACCESS: the reconnector keeps trying

    fresh = pair()  # the console started again, restoring its saved login while node 1 is down
    out = fresh.connect_failed(connects(fresh.login(A, False, RestoreRequest(identifier)))[0].conn, REFUSED)
    (connect,) = connects(out)
    assert connect.server == B and logins(out) == []
    register, out = _register(fresh, connect.conn, fresh.connected(connect.conn, 2.0), 2.1)
    assert logins(out) == [L.SUCCESS] and register.headers.get("Route") == "<sip:node2.example.org:8080;transport=ws;lr>"


def test_a_logout_while_walking_ends_the_walk():
    session = pair(A, B, C)
    (connect,) = connects(session.login(A, False, LOGIN))
    (second,) = connects(session.connect_failed(connect.conn, REFUSED))
    assert logins(session.logout(0.5)) == [L.LOGGED_OUT_EXPLICIT]
    assert session.connect_failed(second.conn, REFUSED) == []  # node 3 is not tried for a login given up
    assert session.connected(second.conn, 0.6) == [ev.Close(second.conn)]


def test_a_ring_address_no_sip_wire_can_use_is_passed_over():
    """SipDeskSettings from the API are not checked as config.toml's are: a bad address is logged and skipped."""
    session = pair(A, "sip+ws://:8080", "ws://node4.example.org:8080", B)
    (connect,) = connects(session.login(A, False, LOGIN))
    out = session.connect_failed(connect.conn, REFUSED)
    assert logins(out) == [] and [c.server for c in connects(out)] == [B]
