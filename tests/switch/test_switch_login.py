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
    switch = await start(number_mode="client", open_numbers=True)
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
    reply = await wire.request("login", auth="token", token=token(switch, sub="visitor-17", name="Web visitor", allow=["9*"]))
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


# --- number ownership (issue 13, item 2) -------------------------------------------------------


async def test_nobody_registers_a_number_the_directory_gives_someone_else(start, clients):
    """guest asking for the operator's number is refused in every mode, open or not, and takes no call."""
    for mode, open_numbers in (("either", False), ("either", True), ("client", True), ("client", False)):
        switch = await start(number_mode=mode, open_numbers=open_numbers)
        operator = await clients.login("operator", switch, number="200")
        wire = await clients.open(switch)
        reply = await wire.ask("login", auth="password", username="guest", password="guest", number="200")
        assert reply["code"] == "auth_failed" and "200" in reply["message"], (mode, open_numbers)
        caller = await clients.login("alice", switch, number="201")
        await caller.request("dial", number="200")
        await operator.call(state="OFFERING")


async def test_unowned_numbers_only_in_the_open_mode(start, clients):
    closed = await start(open_numbers=False)
    wire = await clients.open(closed)
    assert await login_error(wire, auth="password", username="guest", password="guest", number="299") == "auth_failed"
    assert await login_error(wire, auth="password", username="alice", password="alice", number="299") == "auth_failed"
    assert (await wire.login("alice", number="201"))["number"] == "201"  # its own number is fine
    opened = await start(open_numbers=True)
    other = await clients.open(opened)
    assert (await other.login("guest", number="299"))["number"] == "299"


async def test_a_token_must_name_its_subject_and_the_user_comes_from_it(switch, clients):
    wire = await clients.open()
    reply = await wire.ask("login", auth="token", token=token(switch, number="777"))
    assert reply["code"] == "auth_failed" and "sub" in reply["message"]
    # a token for mallory cannot take the operator's number, from the request or from a claim
    reply = await wire.ask("login", auth="token", token=token(switch, sub="mallory"), number="200")
    assert reply["code"] == "auth_failed"
    reply = await wire.ask("login", auth="token", token=token(switch, sub="mallory", number="200"))
    assert reply["code"] == "auth_failed"
    # nor become another user by naming one in the request
    reply = await wire.ask("login", auth="token", token=token(switch, sub="mallory"), username="operator")
    assert reply["code"] == "auth_failed"
    reply = await wire.request("login", auth="token", token=token(switch, sub="operator"))
    assert reply["number"] == "200"


async def test_token_lifetime_is_capped(start, clients):
    from console.switch.limits import Limits

    switch = await start(limits=Limits(max_token_lifetime=3600))
    wire = await clients.open(switch)
    far = token(switch, sub="bob", exp=253402300799)  # year 9999
    reply = await wire.ask("login", auth="token", token=far)
    assert reply["code"] == "auth_failed" and "lifetime" in reply["message"]
    assert (await wire.request("login", auth="token", token=token(switch, sub="bob")))["number"] == "202"
