"""Claims of docs/PROTOCOL.md about field values, checked against the running switch."""

from __future__ import annotations


async def test_optional_fields_may_be_null_but_notification_must_be_a_boolean(clients):
    wire = await clients.open()
    bad = await wire.ask("login", auth="password", username="alice", password="alice", notification=None)
    assert bad["type"] == "error" and bad["code"] == "malformed"
    reply = await wire.request("login", auth="password", username="alice", password="alice", number=None, client=None, token=None)
    assert reply["number"] == "201" and reply["ice_servers"] == []
    dialed = await wire.request("dial", number="9000", name=None, sdp=None)
    assert dialed["call"]["state"] == "DIALING" and "sdp" not in dialed
    call = dialed["call"]["call"]
    await wire.call(call, "CONNECTED")
    assert (await wire.ask("hold", call=call, sdp=None))["type"] == "result"
    assert (await wire.ask("media", call=call, sdp=None))["code"] == "malformed"  # media needs its offer


async def test_a_refused_dial_answers_dialing_then_disconnected(clients):
    wire = await clients.login("guest", number="299")  # guest may dial 9* only
    dialed = await wire.request("dial", number="201")
    assert dialed["call"]["state"] == "DIALING"
    assert (await wire.call(dialed["call"]["call"], "DISCONNECTED"))["reason"] == "PERMISSION"
