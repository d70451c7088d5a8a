"""Every path to a login checks the transport (issue 17, item 12): the API's refusal and its explicit opt-in.

``ws://0.0.0.0:<port>`` reaches the switch listening on 127.0.0.1 (Linux connects a 0.0.0.0 destination to
this machine), while the rule (``console.core.transport``) treats it as another host: only loopback
addresses and ``localhost`` are this machine to it. So the refusal and the opt-in are both seen for real.
"""

from __future__ import annotations

import time

import jwt

from console.core.client import LoginFailureKind
from console.webrtc import LOGIN_STATES
from console_harness import Console

L = LOGIN_STATES


def as_other_host(url: str) -> str:
    return url.replace("127.0.0.1", "0.0.0.0")


def token(switch, **claims) -> str:
    cfg = switch.config.jwt
    payload = {"iss": cfg.issuer, "aud": cfg.audience, "exp": int(time.time()) + 60, **claims}
    return jwt.encode(payload, cfg.secret, algorithm=cfg.algorithms[0])


async def test_the_api_refuses_a_login_in_clear_to_another_host_like_any_misuse(switch, consoles):
    """Login, token login and restore alike: CONNECTING then SERVER_ACCESS, the error handler says why
    (``last_login_failure`` is CLEARTEXT), and nothing reaches the switch."""
    server = as_other_host(switch.url)
    c = await consoles()
    c.inst.login(server, False, False, "operator", "operator")
    await c.login_state(L.SERVER_ACCESS)
    assert c.logins == [L.CONNECTING, L.SERVER_ACCESS]
    assert len(c.errors) == 1 and "in clear" in c.errors[0] and "allow_cleartext" in c.errors[0]
    assert c.inst.last_login_failure is LoginFailureKind.CLEARTEXT
    c.inst.login_with_token(server, False, token(switch, sub="operator"), None, None)
    await c.login_state(L.SERVER_ACCESS)
    assert c.inst.try_restore_login(server, False, False, "some-identifier", None) is False
    await c.until(lambda: len(c.errors) == 3, "three refusals")
    assert c.logins == [L.CONNECTING, L.SERVER_ACCESS] * 3
    assert not switch.exchange.sessions and not switch.connections
    # the seed's secure flag (or wss://) is the way: secure=True asks for TLS, which this switch lacks
    c.inst.login(server, True, False, "operator", "operator")
    await c.login_state(L.SERVER_ACCESS)
    assert c.inst.last_login_failure is not LoginFailureKind.CLEARTEXT


async def test_the_api_refuses_sip_over_plain_websocket_to_another_host_even_with_secure_true(switch, consoles):
    """``sip+ws://`` names a transport without TLS: the seed's ``secure=True`` cannot upgrade it, so to another
    host it is refused as ``ws://`` is (CLEARTEXT, nothing sent) unless cleartext is allowed explicitly."""
    c = await consoles()
    c.inst.login(as_other_host(switch.url).replace("ws://", "sip+ws://"), True, False, "operator", "operator")
    await c.login_state(L.SERVER_ACCESS)
    assert c.inst.last_login_failure is LoginFailureKind.CLEARTEXT and "in clear" in c.errors[0]
    assert not switch.connections


async def test_allow_cleartext_lets_the_developer_log_in_without_tls(switch, consoles):
    """The explicit opt-in: ``WebRtcInstance(..., allow_cleartext=True)`` (or the attribute) logs in."""
    server = as_other_host(switch.url)
    c = await consoles(allow_cleartext=True)
    c.inst.login(server, False, False, "operator", "operator")
    await c.login_state(L.SUCCESS)
    assert c.errors == [] and c.inst.get_local_dial_string() == "200"
    late = Console(server)
    late.inst.allow_cleartext = True
    late.inst.login_with_token(server, False, token(switch, sub="alice"), None, None)
    await late.login_state(L.SUCCESS)
    await late.close()


async def test_loopback_needs_no_opt_in(consoles):
    op = await consoles("operator")  # ws://127.0.0.1: the password never leaves this machine
    assert op.logins == [L.CONNECTING, L.SUCCESS]
