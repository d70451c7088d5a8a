"""Every login outcome the switch produces, over a real socket."""

from __future__ import annotations

import time

import jwt
import pytest

from .wire import WireError


def token(switch, **claims) -> str:
    cfg = switch.config.jwt
    body = {"iss": cfg.issuer, "aud": cfg.audience, "exp": int(time.time()) + 60, **claims}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, cfg.secret, algorithm="HS256")


async def login_error(wire, **body) -> str:
    with pytest.raises(WireError) as err:
        await wire.request("login", **body)
    return err.value.code


async def test_password_login_returns_identifier_number_name_lifetime(switch, clients):
    wire = await clients.open()
    reply = await wire.login("alice")
    assert reply["number"] == "201" and reply["name"] == "Alice"
    assert len(reply["identifier"]) >= 43 and reply["lifetime"] == switch.config.session_lifetime
    assert reply["ice_servers"] == []  # none configured
    assert switch.stats()["sessions"] == 1


async def test_login_and_restore_hand_out_the_configured_ice_servers(start, clients):
    servers = ({"urls": "stun:127.0.0.1:3478"}, {"urls": ["turn:127.0.0.1:3478"], "username": "u", "credential": "p"})
    switch = await start(ice_servers=servers)
    wire = await clients.open(switch)
    reply = await wire.login("alice")
    assert reply["ice_servers"] == list(servers)
    again = await clients.open(switch)
    restored = await again.request("restore", identifier=reply["identifier"])
    assert restored["ice_servers"] == list(servers) and restored["calls"] == []


async def test_wrong_password_and_unknown_user_are_auth_failed(clients):
    wire = await clients.open()
    assert await login_error(wire, auth="password", username="alice", password="nope") == "auth_failed"
    assert await login_error(wire, auth="password", username="mallory", password="x") == "auth_failed"
    await wire.login("alice")  # the connection is still usable after a refused login


async def test_second_login_on_a_connection_is_already_logged_in(clients):
    wire = await clients.login("alice")
    assert await login_error(wire, auth="password", username="bob", password="bob") == "already_logged_in"


async def test_token_login_uses_the_subject_and_the_user_database(switch, clients):
    wire = await clients.open()
    reply = await wire.request("login", auth="token", token=token(switch, sub="bob"))
    assert reply["number"] == "202" and reply["name"] == "Bob"


async def test_token_claims_give_number_and_name(switch, clients):
    wire = await clients.open()
    reply = await wire.request("login", auth="token", token=token(switch, sub="ext", number="777", name="External"))
    assert reply["number"] == "777" and reply["name"] == "External"


@pytest.mark.parametrize("case, expected", [
    ("expired", "expired"),
    ("audience", "audience"),
    ("signature", "signature"),
    ("none", "none"),
    ("no_exp", "exp"),
    ("issuer", "issuer"),
    ("garbage", "decoded"),
])
async def test_bad_tokens_are_auth_failed_with_the_reason(switch, clients, case, expected):
    cfg = switch.config.jwt
    good = {"sub": "bob", "iss": cfg.issuer, "aud": cfg.audience, "exp": int(time.time()) + 60}
    if case == "expired":
        text = jwt.encode({**good, "exp": int(time.time()) - 3600}, cfg.secret, algorithm="HS256")
    elif case == "audience":
        text = jwt.encode({**good, "aud": "someone-else"}, cfg.secret, algorithm="HS256")
    elif case == "signature":
        text = jwt.encode(good, "another-secret-that-is-long-enough-32b", algorithm="HS256")
    elif case == "none":
        text = jwt.encode(good, None, algorithm="none")
    elif case == "no_exp":
        text = jwt.encode({k: v for k, v in good.items() if k != "exp"}, cfg.secret, algorithm="HS256")
    elif case == "issuer":
        text = jwt.encode({**good, "iss": "evil"}, cfg.secret, algorithm="HS256")
    else:
        text = "not.a.jwt"
    wire = await clients.open()
    reply = await wire.ask("login", auth="token", token=text)
    assert reply["type"] == "error" and reply["code"] == "auth_failed"
    assert expected in reply["message"]


async def test_client_mode_without_a_number_is_dial_string_missing(start, clients):
    switch = await start(number_mode="client")
    wire = await clients.open(switch)
    assert await login_error(wire, auth="password", username="alice", password="alice") == "dial_string_missing"
    reply = await wire.login("alice", number="555")
    assert reply["number"] == "555"


async def test_a_user_without_a_number_is_no_dial_string_for_user(clients):
    wire = await clients.open()
    assert await login_error(wire, auth="password", username="guest", password="guest") == "no_dial_string_for_user"
    assert (await wire.login("guest", number="299"))["number"] == "299"  # either mode: the console's number


async def test_assigned_mode_ignores_the_consoles_number(start, clients):
    switch = await start(number_mode="assigned")
    wire = await clients.open(switch)
    assert (await wire.login("alice", number="999"))["number"] == "201"
    other = await clients.open(switch)
    assert await login_error(other, auth="password", username="guest", password="guest") == "no_dial_string_for_user"


async def test_call_me_token_has_no_number_and_may_dial_out(switch, clients):
    wire = await clients.open()
    reply = await wire.request("login", auth="token", token=token(switch, name="Web visitor", allow=["9*"]))
    assert reply["number"] is None and reply["name"] == "Web visitor"
    dialed = await wire.request("dial", number="9000")
    assert (await wire.call(dialed["call"]["call"], "CONNECTED"))["local_number"] == ""
    refused = await wire.request("dial", number="201")
    assert (await wire.call(refused["call"]["call"], "DISCONNECTED"))["reason"] == "PERMISSION"


async def test_requests_before_login_are_not_logged_in(clients):
    wire = await clients.open()
    reply = await wire.ask("dial", number="9000")
    assert reply["code"] == "not_logged_in"
    assert (await wire.ask("logout"))["code"] == "not_logged_in"


async def test_token_login_when_jwt_is_not_configured(start, clients):
    switch = await start(jwt=None)
    wire = await clients.open(switch)
    reply = await wire.ask("login", auth="token", token="a.b.c")
    assert reply["code"] == "auth_failed" and "not configured" in reply["message"]
