"""Every DISC_REASON the switch produces, observed on both sides where there are two."""

from __future__ import annotations

import asyncio
import dataclasses

from .conftest import connect_call, offer


async def ended(wire, call_id, timeout=3.0) -> str:
    return (await wire.call(call_id, "DISCONNECTED", timeout))["reason"]


async def dial(wire, number, **extra) -> str:
    return (await wire.request("dial", number=number, **extra))["call"]["call"]


async def test_dial_result_is_dialing_and_comes_before_the_calls_events(clients):
    alice = await clients.login("alice")
    reply = await alice.request("dial", number="9000", name="Alice at desk")
    call = reply["call"]
    assert call["state"] == "DIALING" and call["direction"] == "out" and call["remote_number"] == "9000"
    assert call["local_number"] == "201" and call["local_name"] == "Alice at desk"
    connected = await alice.call(call["call"], "CONNECTED")
    assert connected["remote_name"] == "Echo test"


async def test_success_and_userterminated(clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a, b = await connect_call(alice, bob, "202")
    await alice.request("disconnect", call=a)
    assert await ended(alice, a) == "USERTERMINATED"
    assert await ended(bob, b) == "SUCCESS"


async def test_dialstring_for_unknown_and_invalid_numbers(clients):
    alice = await clients.login("alice")
    assert await ended(alice, await dial(alice, "55555")) == "DIALSTRING"
    assert await ended(alice, await dial(alice, "12ab")) == "DIALSTRING"


async def test_permission_from_the_allow_patterns(clients):
    guest = await clients.login("guest", number="299")
    assert await ended(guest, await dial(guest, "201")) == "PERMISSION"
    await guest.call(await dial(guest, "9000"), "CONNECTED")


async def test_congestion_when_max_calls_is_reached(start, clients):
    switch = await start(max_calls=2)
    alice, bob = await clients.login("alice", switch), await clients.login("bob", switch)
    await connect_call(alice, bob, "202")
    assert await ended(alice, await dial(alice, "9000")) == "CONGESTION"
    assert switch.stats()["legs"] == 2


async def test_congestion_service(clients):
    alice = await clients.login("alice")
    assert await ended(alice, await dial(alice, "9007")) == "CONGESTION"


async def test_equipment_and_media_when_the_plane_refuses_the_offer(clients):
    alice = await clients.login("alice")
    reply = await alice.request("dial", number="9000", sdp=offer("unavailable"))
    assert "sdp" not in reply
    assert await ended(alice, reply["call"]["call"]) == "EQUIPMENT"
    reply = await alice.request("dial", number="9000", sdp=offer("reject"))
    assert await ended(alice, reply["call"]["call"]) == "MEDIA"


async def test_equipment_when_the_answering_side_gets_no_media(clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a = await dial(alice, "202")
    b = (await bob.call(state="OFFERING"))["call"]
    await bob.request("answer", call=b, sdp=offer("unavailable"))
    assert await ended(bob, b) == "EQUIPMENT"
    assert await ended(alice, a) == "EQUIPMENT"


async def test_media_failure_reported_by_the_plane_ends_both_legs(switch, plane, clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a, b = await connect_call(alice, bob, "202")
    plane.on_failure(a)
    assert await ended(alice, a) == "MEDIA"
    assert await ended(bob, b) == "MEDIA"


async def test_sdp_offer_is_answered_in_the_result(plane, clients):
    alice = await clients.login("alice")
    reply = await alice.request("dial", number="9000", sdp=offer())
    assert reply["sdp"]["type"] == "answer"
    call = reply["call"]["call"]
    await alice.call(call, "CONNECTED")
    assert plane.routes[call] == "echo"
    reply = await alice.request("media", call=call, sdp=offer("restore"))
    assert reply["sdp"]["type"] == "answer" and len(plane.offers[call]) == 2


async def test_busy_service_and_a_user_at_its_limit(start, clients):
    users = tuple(dataclasses.replace(u, max_calls=1) if u.username == "bob" else u for u in (await start()).config.users)
    switch = await start(users=users)
    alice = await clients.login("alice", switch)
    bob = await clients.login("bob", switch)
    op = await clients.login("operator", switch)
    assert await ended(alice, await dial(alice, "9004")) == "BUSY"
    await connect_call(alice, bob, "202")
    assert await ended(op, await dial(op, "202")) == "BUSY"


async def test_redirected_when_forwarded_after_a_delay(start, clients):
    base = await start()
    users = tuple(dataclasses.replace(u, forward_after=0.2) if u.username == "carol" else u for u in base.config.users)
    switch = await start(users=users)
    op, carol, alice = (await clients.login("operator", switch), await clients.login("carol", switch),
                        await clients.login("alice", switch))
    call = await dial(op, "203")
    offered = (await carol.call(state="OFFERING"))["call"]
    assert await ended(carol, offered) == "REDIRECTED"
    forwarded = await alice.call(state="OFFERING")
    assert forwarded["remote_number"] == "200"
    await alice.request("answer", call=forwarded["call"])
    await op.call(call, "CONNECTED")


async def test_forward_immediately_does_not_offer_to_the_user(start, clients):
    base = await start()
    users = tuple(dataclasses.replace(u, forward_after=0) if u.username == "carol" else u for u in base.config.users)
    switch = await start(users=users)
    op, carol, alice = (await clients.login("operator", switch), await clients.login("carol", switch),
                        await clients.login("alice", switch))
    call = await dial(op, "203")
    forwarded = await alice.call(state="OFFERING")
    await alice.request("answer", call=forwarded["call"])
    await op.call(call, "CONNECTED")
    assert not carol.pending("call")


async def test_forward_when_no_console_of_the_user_is_connected(clients):
    op, alice = await clients.login("operator"), await clients.login("alice")
    await dial(op, "203")  # carol is not logged in: straight to her forward, 201
    await alice.call(state="OFFERING")


async def test_notresponding_after_the_ring_timeout_on_both_sides(start, clients):
    switch = await start(ring_timeout=0.5)
    alice, bob = await clients.login("alice", switch), await clients.login("bob", switch)
    a = await dial(alice, "202")
    b = (await bob.call(state="OFFERING"))["call"]
    await bob.request("accept", call=b)
    await alice.call(a, "RINGING")
    assert await ended(alice, a) == "NOTRESPONDING"
    assert await ended(bob, b) == "NOTRESPONDING"


async def test_noanswer_service_rings_until_the_timeout(start, clients):
    switch = await start(ring_timeout=0.5)
    alice = await clients.login("alice", switch)
    a = await dial(alice, "9005")
    await alice.call(a, "RINGING")
    assert await ended(alice, a) == "NOTRESPONDING"


async def test_notresponding_when_the_registered_console_is_not_connected(switch, clients):
    alice = await clients.login("alice")
    before = set(switch.connections)
    bob = await clients.login("bob")
    (bobs_socket,) = set(switch.connections) - before
    await bob.close()
    await asyncio.wait_for(bobs_socket.done.wait(), 3)  # the switch saw the socket go; bob's session stays
    assert switch.stats()["sessions"] == 2
    assert await ended(alice, await dial(alice, "202")) == "NOTRESPONDING"
    assert await ended(alice, await dial(alice, "200")) == "NOTRESPONDING"  # nobody logged in as operator


async def test_notselected_for_the_other_parallel_offers(clients):
    op, first, second = await clients.login("operator"), await clients.login("alice"), await clients.login("alice")
    call = await dial(op, "201")
    one = (await first.call(state="OFFERING"))["call"]
    two = (await second.call(state="OFFERING"))["call"]
    await second.request("answer", call=two)
    await op.call(call, "CONNECTED")
    await second.call(two, "CONNECTED")
    assert await ended(first, one) == "NOTSELECTED"


async def test_rejected_when_declined(clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a = await dial(alice, "202")
    b = (await bob.call(state="OFFERING"))["call"]
    await bob.request("decline", call=b)
    assert await ended(alice, a) == "REJECTED"
    assert await ended(bob, b) == "USERTERMINATED"
    assert await ended(alice, await dial(alice, "9006")) == "REJECTED"


async def test_caller_hangs_up_while_ringing(clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a = await dial(alice, "202")
    b = (await bob.call(state="OFFERING"))["call"]
    await alice.request("disconnect", call=a)
    assert await ended(alice, a) == "USERTERMINATED"
    assert await ended(bob, b) == "SUCCESS"


async def test_error_when_the_far_ends_session_expires(start, clients):
    switch = await start(session_lifetime=0.5)
    alice, bob = await clients.login("alice", switch), await clients.login("bob", switch)
    a, _ = await connect_call(alice, bob, "202")
    await bob.close()
    assert await ended(alice, a) == "ERROR"


async def test_dialing_your_own_number_rings_your_other_consoles_only(clients):
    here, there = await clients.login("alice"), await clients.login("alice")
    a = await dial(here, "201")
    b = (await there.call(state="OFFERING"))["call"]
    await there.request("answer", call=b)
    await here.call(a, "CONNECTED")
    assert not [f for f in here.pending("call") if f["call"]["direction"] == "in"]


async def test_originate_rings_a_console_from_a_service_backed_caller(switch, plane, clients):
    alice = await clients.login("alice")
    caller_id = await switch.originate("0301234567", "Demo caller", "201")
    offered = await alice.call(state="OFFERING")
    assert offered["remote_number"] == "0301234567" and offered["remote_name"] == "Demo caller"
    await alice.request("answer", call=offered["call"])
    await alice.call(offered["call"], "CONNECTED")
    assert plane.routes[offered["call"]] == "tone"
    assert caller_id.startswith("c")
