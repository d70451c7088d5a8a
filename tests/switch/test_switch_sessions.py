"""Sessions: restore, take-over, logout, kick, dropped sockets, shutdown."""

from __future__ import annotations

import asyncio

from .conftest import connect_call
from .wire import Wire


async def test_restore_within_the_lifetime_lists_the_live_calls(switch, clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a, b = await connect_call(alice, bob, "202")
    await alice.request("hold", call=a)
    await alice.call(a, "HELD")
    await switch.drop_connections()
    assert await alice.wait_closed() != 1000
    again = await clients.open()
    reply = await again.request("restore", identifier=alice.session["identifier"])
    assert reply["number"] == "201" and len(reply["identifier"]) >= 43
    assert reply["identifier"] != alice.session["identifier"]  # rotated on every restore (issue 13, item 10)
    assert [(c["call"], c["state"]) for c in reply["calls"]] == [(a, "HELD")]
    await again.request("retrieve", call=a)
    await again.call(a, "CONNECTED")
    await again.request("dtmf", call=a, digits="7")
    bob2 = await clients.open()
    await bob2.request("restore", identifier=bob.session["identifier"])
    await again.request("dtmf", call=a, digits="8")
    assert (await bob2.event("dtmf", call=b))["digits"] == "8"
    stale = await clients.open()
    assert (await stale.ask("restore", identifier=alice.session["identifier"]))["code"] == "restore_failed"
    third = await clients.open()
    assert (await third.request("restore", identifier=reply["identifier"]))["calls"][0]["call"] == a


async def test_restore_fails_after_the_lifetime(start, clients):
    switch = await start(session_lifetime=0.5)
    alice, bob = await clients.login("alice", switch), await clients.login("bob", switch)
    a, _ = await connect_call(alice, bob, "202")
    await bob.close()
    assert (await alice.call(a, "DISCONNECTED"))["reason"] == "ERROR"  # bob's session has ended
    again = await clients.open(switch)
    assert (await again.ask("restore", identifier=bob.session["identifier"]))["code"] == "restore_failed"
    assert (await again.ask("restore", identifier="made-up"))["code"] == "restore_failed"


async def test_restore_takes_over_a_connected_session(clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a, _ = await connect_call(alice, bob, "202")
    again = await clients.open()
    reply = await again.request("restore", identifier=alice.session["identifier"])
    assert [c["call"] for c in reply["calls"]] == [a]
    assert (await alice.event("logged_out"))["reason"] == "taken_over"
    await alice.wait_closed()
    await again.request("disconnect", call=a)
    assert (await again.call(a, "DISCONNECTED"))["reason"] == "USERTERMINATED"


async def test_restore_on_a_logged_in_connection_is_already_logged_in(clients):
    alice = await clients.login("alice")
    assert (await alice.ask("restore", identifier=alice.session["identifier"]))["code"] == "already_logged_in"


async def test_logout_ends_the_calls_and_closes_the_socket(switch, clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a, b = await connect_call(alice, bob, "202")
    await alice.request("logout")
    assert (await alice.call(a, "DISCONNECTED"))["reason"] == "USERTERMINATED"
    assert (await bob.call(b, "DISCONNECTED"))["reason"] == "SUCCESS"
    assert await alice.wait_closed() == 1000
    again = await clients.open()
    assert (await again.ask("restore", identifier=alice.session["identifier"]))["code"] == "restore_failed"


async def test_kick_logs_the_user_out_and_clears_its_calls(switch, clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a, b = await connect_call(alice, bob, "202")
    assert switch.kick("bob") == 1
    assert (await bob.event("logged_out"))["reason"] == "kicked"
    await bob.wait_closed()
    assert (await alice.call(a, "DISCONNECTED"))["reason"] == "ERROR"
    assert switch.kick("bob") == 0
    assert switch.stats()["sessions"] == 1


async def test_drop_connections_keeps_sessions(switch, clients):
    alice = await clients.login("alice")
    await switch.drop_connections()
    await alice.wait_closed()
    assert switch.stats() == {"sessions": 1, "connections": 0, "legs": 0}


async def test_shutdown_logs_everyone_out(start, clients):
    switch = await start()
    alice = await clients.login("alice", switch)
    await switch.aclose()
    assert (await alice.event("logged_out"))["reason"] == "shutdown"
    await alice.wait_closed()


async def test_a_shutdown_waits_one_grace_in_all_for_consoles_that_stopped_answering(start, clients, monkeypatch):
    """A console that answers gets logged_out and its socket closes at once; a logged-in console and a
    connection that never logged in, both no longer reading (a suspended laptop, a half-open socket), cost
    the shutdown one grace period together, not the grace and then a closing handshake's timeout each."""
    from console.switch import server

    monkeypatch.setattr(server, "SHUTDOWN_GRACE", 0.5)  # below CLOSE_TIMEOUT (2 s): the bound tells them apart
    switch = await start()
    alice = await clients.login("alice", switch)
    mute, lurker = await clients.login("bob", switch), await clients.open(switch)
    for wire in (mute, lurker):  # they stop reading: no frame, no closing handshake is ever answered
        wire._reader.cancel()
        wire.ws.transport.pause_reading()
    loop = asyncio.get_running_loop()
    began = loop.time()
    await switch.aclose()
    took = loop.time() - began
    assert took < server.CLOSE_TIMEOUT, f"shutdown took {took:.2f} s"
    assert (await alice.event("logged_out"))["reason"] == "shutdown"
    await alice.wait_closed()
    assert not switch.connections
    for wire in (mute, lurker):  # the switch dropped them; so do they (no closing handshake to wait for)
        wire.ws.transport.abort()


async def test_a_ringing_console_that_restores_sees_the_offer(switch, clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a = (await alice.request("dial", number="202"))["call"]["call"]
    b = (await bob.call(state="OFFERING"))["call"]
    await switch.drop_connections()
    again, alice2 = await clients.open(), await clients.open()
    reply = await again.request("restore", identifier=bob.session["identifier"])
    await alice2.request("restore", identifier=alice.session["identifier"])
    assert [(c["call"], c["state"]) for c in reply["calls"]] == [(b, "OFFERING")]
    await again.request("answer", call=b)
    await alice2.call(a, "CONNECTED")


async def test_plain_wire_close_then_restore(switch):
    wire = await Wire.open(switch.url)
    identifier = (await wire.login("alice"))["identifier"]
    await wire.close()
    again = await Wire.open(switch.url)
    assert (await again.request("restore", identifier=identifier))["calls"] == []
    await again.close()
