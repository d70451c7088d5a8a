"""Every LOGIN_STATES value, reached by a real scenario against the real switch."""

from __future__ import annotations

import socket
import time

import jwt
import pytest

from console.core.enums import NumberMode
from console.webrtc import CALL_STATES, DISC_REASON, LOGIN_STATES
from console_harness import Console

L = LOGIN_STATES


def token(switch, **claims) -> str:
    cfg = switch.config.jwt
    payload = {"iss": cfg.issuer, "aud": cfg.audience, "exp": int(time.time()) + 60, **claims}
    return jwt.encode(payload, cfg.secret, algorithm=cfg.algorithms[0])


async def test_password_login_reports_connecting_then_success_with_number_and_name(consoles):
    op = await consoles("operator")
    assert op.logins == [L.CONNECTING, L.SUCCESS]
    assert op.inst.get_local_dial_string() == "200"
    assert op.inst.get_local_display_name() == "Operator"
    assert op.inst.get_login_identifier()


async def test_wrong_password_is_server_access(consoles):
    c = await consoles()
    c.inst.login(c.url, False, False, "operator", "wrong", None)
    await c.login_state(L.SERVER_ACCESS)
    assert c.logins == [L.CONNECTING, L.SERVER_ACCESS]


async def test_unknown_user_is_server_access(consoles):
    c = await consoles()
    c.inst.login(c.url, False, False, "nobody", "x", None)
    await c.login_state(L.SERVER_ACCESS)


@pytest.mark.parametrize("claims, key_ok", [
    ({"exp": int(time.time()) - 3600}, True),  # expired
    ({"aud": "someone-else"}, True),  # wrong audience
    ({}, False),  # bad signature
])
async def test_bad_tokens_are_server_access(switch, consoles, claims, key_ok):
    cfg = switch.config.jwt
    payload = {"iss": cfg.issuer, "aud": cfg.audience, "exp": int(time.time()) + 60, "sub": "alice", **claims}
    tok = jwt.encode(payload, cfg.secret if key_ok else "not-the-secret-" * 3, algorithm="HS256")
    c = await consoles()
    c.inst.login_with_token(c.url, False, tok, None, None)
    await c.login_state(L.SERVER_ACCESS)


async def test_alg_none_token_is_refused(consoles):
    tok = jwt.encode({"sub": "alice", "exp": int(time.time()) + 60}, None, algorithm="none")
    c = await consoles()
    c.inst.login_with_token(c.url, False, tok, None, None)
    await c.login_state(L.SERVER_ACCESS)


async def test_token_login_with_username_gets_the_users_number(switch, consoles):
    c = await consoles()
    c.inst.login_with_token(c.url, False, token(switch, sub="alice"), None, None)
    await c.login_state(L.SUCCESS)
    assert c.inst.get_local_dial_string() == "201"


async def test_call_me_token_dials_out_and_receives_nothing(switch, consoles):
    """The seed's Call Me case: a subject outside the directory, no number; it can call, nobody can call it."""
    callme = await consoles()
    callme.inst.login_with_token(callme.url, False, token(switch, sub="web-visitor-1"), None, None)
    await callme.login_state(L.SUCCESS)
    assert not callme.inst.get_local_dial_string()
    op = await consoles("operator")
    call = callme.dial("200")
    incoming = await op.next_incoming()
    incoming.answer()
    await callme.call_state(call, CALL_STATES.CONNECTED)
    # calling back: there is no number to call
    back = op.dial(callme.inst.get_local_dial_string() or "call-me")
    await op.call_state(back, CALL_STATES.DISCONNECTED)
    assert back.get_disconnect_reason() is DISC_REASON.DIALSTRING
    assert callme.incoming.empty()


async def test_unreachable_server_is_server_access(consoles):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = await consoles(url=f"ws://127.0.0.1:{port}")
    c.inst.login(c.url, False, False, "operator", "operator", None)
    await c.login_state(L.SERVER_ACCESS)


async def test_dial_string_missing_when_the_switch_wants_the_consoles_number(make_switch):
    switch = await make_switch(number_mode=NumberMode.CLIENT)
    c = Console(switch.url)
    c.inst.login(switch.url, False, False, "operator", "operator", None)
    await c.login_state(L.DIAL_STRING_MISSING)
    c2 = Console(switch.url)
    await c2.login("operator", "operator", "+49301234")
    assert c2.inst.get_local_dial_string() == "+49301234"
    await c.close(); await c2.close()


async def test_no_dial_string_for_a_user_without_number(consoles):
    c = await consoles()
    c.inst.login(c.url, False, False, "guest", "guest", None)
    await c.login_state(L.NO_DIAL_STRING_FOR_USER)


async def test_connection_lost_when_the_switch_drops_the_socket(switch, consoles):
    op = await consoles("operator")
    await switch.drop_connections()
    await op.login_state(L.CONNECTION_LOST)


async def test_logged_out_implicit_when_the_switch_ends_the_session(switch, consoles):
    op = await consoles("operator")
    assert switch.kick("operator") == 1
    await op.login_state(L.LOGGED_OUT_IMPLICIT)


async def test_logged_out_explicit_and_the_number_no_longer_rings(consoles):
    op = await consoles("operator")
    op.inst.logout()
    await op.login_state(L.LOGGED_OUT_EXPLICIT)
    alice = await consoles("alice")
    call = alice.dial("200")
    await alice.call_state(call, CALL_STATES.DISCONNECTED)
    assert call.get_disconnect_reason() in (DISC_REASON.DIALSTRING, DISC_REASON.NOTRESPONDING)


async def test_restore_with_a_foreign_identifier_fails(consoles):
    c = await consoles()
    assert c.restore("not-a-real-identifier")
    await c.login_state(L.LOGIN_RESTORE_FAILED)


async def test_login_again_after_a_failure(consoles):
    c = await consoles()
    c.inst.login(c.url, False, False, "operator", "wrong", None)
    await c.login_state(L.SERVER_ACCESS)
    c.inst.login(c.url, False, False, "operator", "operator", None)
    await c.login_state(L.SUCCESS)


async def test_a_busy_switch_is_not_a_wrong_password_and_trying_again_gets_in(make_switch, consoles, monkeypatch):
    """Issue 17: "a refusal because the login queue is full is not a failed password": the reference client reports
    it as a refusal (SERVER_ACCESS, REJECTED), not as wrong credentials, and the same login right after gets in
    (with ``throttle_after=1`` a counted failure would refuse it)."""
    import asyncio
    import threading

    from console.core.client import LoginFailureKind
    from console.switch import auth
    from console.switch.limits import Limits

    switch = await make_switch(limits=Limits(login_queue=1, login_wait=0.2, throttle_after=1))
    release = threading.Event()
    real = auth.verify_password

    def slow(password: str, stored: str) -> bool:
        if password == "bob":
            release.wait(10)
        return real(password, stored)

    monkeypatch.setattr(auth, "verify_password", slow)
    try:
        holder = await consoles(url=switch.url)
        holder.inst.login(switch.url, False, False, "bob", "bob", None)  # takes the queue's one place
        async with asyncio.timeout(5):
            while switch.pending_logins == 0:
                await asyncio.sleep(0.01)
        op = await consoles(url=switch.url)
        op.inst.login(switch.url, False, False, "operator", "operator", None)
        await op.login_state(L.SERVER_ACCESS)
        assert op.inst.last_login_failure is LoginFailureKind.REJECTED
    finally:
        release.set()
    await holder.login_state(L.SUCCESS)
    await op.login("operator", "operator")
