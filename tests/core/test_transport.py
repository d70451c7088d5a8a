"""The one rule for "is this login sent in clear to another host" (issue 17, item 12): CLI, login screen and API."""

from __future__ import annotations

import pytest

from console.core.transport import cleartext_host


@pytest.mark.parametrize("server, secure, host", [
    ("ws://switch.example:8080", False, "switch.example"),
    ("WS://10.0.0.5:80/path", False, "10.0.0.5"),
    ("ws://[2001:db8::1]:80", False, "2001:db8::1"),
    ("http://switch.example", False, "switch.example"),
    ("sip+ws://pbx.example:8080/ws", False, "pbx.example"),
    ("sip+ws://pbx.example:8080/ws", True, "pbx.example"),  # a SIP address names its transport: secure cannot upgrade it
    ("switch.example:8443", False, "switch.example"),  # the seed's host:port with secure=False is ws://
    ("0.0.0.0:1", False, "0.0.0.0"),  # not a loopback address: the rule does not guess what the OS makes of it
])
def test_cleartext_to_another_host(server, secure, host):
    assert cleartext_host(server, secure) == host


@pytest.mark.parametrize("server, secure", [
    ("wss://switch.example", False),  # a URL that names TLS is never downgraded
    ("https://switch.example", False),
    ("ws://switch.example", True),  # the seed's secure flag upgrades ws:// to wss://
    ("switch.example:8443", True),
    ("sip+wss://pbx.example/ws", False),
    ("ws://127.0.0.1:8080", False), ("ws://127.1.2.3:1", False), ("ws://localhost:1", False), ("ws://LOCALHOST.:1", False),
    ("ws://[::1]:2", False), ("sip+ws://127.0.0.1:5066", False),
    ("", False), ("ws://", False),  # no host: the login fails as a bad address, not as cleartext
])
def test_tls_or_this_machine_is_not_cleartext_to_another_host(server, secure):
    assert cleartext_host(server, secure) is None


def test_the_session_refuses_cleartext_to_another_host_before_connecting_unless_allowed():
    """The API's path: the attempt ends at once (SERVER_ACCESS, typed), the error says why, nothing connects."""
    from console.core.client import ClientSession, JsonWire, LoginFailureKind, LoginRequest, RestoreRequest
    from console.core.client import events as ev
    from console.core.enums import LOGIN_STATES, AuthMethod

    for request in (LoginRequest(AuthMethod.PASSWORD, "alice", "alice"), RestoreRequest("an-identifier", False)):
        session = ClientSession(JsonWire())
        out = session.login("ws://switch.example:8080", False, request, allow_cleartext=False)
        assert [e.state for e in out if isinstance(e, ev.LoginChanged)] == [LOGIN_STATES.CONNECTING,
                                                                           LOGIN_STATES.SERVER_ACCESS]
        (error,) = [e.error for e in out if isinstance(e, ev.ErrorReported)]
        assert "in clear" in str(error) and "switch.example" in str(error)
        assert not any(isinstance(e, ev.Connect) for e in out)
        assert session.last_login_failure is LoginFailureKind.CLEARTEXT
        out = session.login("ws://switch.example:8080", False, request, allow_cleartext=True)
        assert any(isinstance(e, ev.Connect) for e in out)
    loopback = ClientSession(JsonWire())
    assert any(isinstance(e, ev.Connect) for e in loopback.login("ws://127.0.0.1:1", False, request,
                                                                  allow_cleartext=False))
