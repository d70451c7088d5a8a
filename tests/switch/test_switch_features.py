"""Hold, retrieve, transfer, DTMF, and requests in the wrong state."""

from __future__ import annotations

from .conftest import connect_call, offer


async def test_hold_and_retrieve_on_both_sides_with_music_on_hold(switch, plane, clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a, b = await connect_call(alice, bob, "202")
    assert plane.routes[a] == b and plane.routes[b] == a
    reply = await alice.request("hold", call=a, sdp=offer("sendonly"))
    assert reply["sdp"]["type"] == "answer"
    await alice.call(a, "HELD")
    await bob.call(b, "HOLDING")
    assert plane.routes[b] == "music" and plane.routes[a] is None
    await alice.request("retrieve", call=a)
    await alice.call(a, "CONNECTED")
    await bob.call(b, "CONNECTED")
    assert plane.routes[a] == b and plane.routes[b] == a


async def test_held_party_hears_silence_without_moh(start, plane, clients):
    switch = await start(moh=False)
    alice, bob = await clients.login("alice", switch), await clients.login("bob", switch)
    a, b = await connect_call(alice, bob, "202")
    await alice.request("hold", call=a)
    await bob.call(b, "HOLDING")
    assert plane.routes[b] is None


async def test_both_sides_hold(clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a, b = await connect_call(alice, bob, "202")
    await alice.request("hold", call=a)
    await bob.call(b, "HOLDING")
    await bob.request("hold", call=b)
    await bob.call(b, "HELD")
    await alice.request("retrieve", call=a)
    await alice.call(a, "HOLDING")  # bob still holds


async def test_transfer_bridges_the_far_ends(switch, plane, clients):
    op, p, q = await clients.login("operator"), await clients.login("alice"), await clients.login("bob")
    x1, p_leg = await connect_call(op, p, "201")
    await op.request("hold", call=x1)
    await p.call(p_leg, "HOLDING")
    x2, q_leg = await connect_call(op, q, "202")
    await op.request("transfer", call=x1, to=x2)
    assert (await op.call(x1, "DISCONNECTED"))["reason"] == "SUCCESS"
    assert (await op.call(x2, "DISCONNECTED"))["reason"] == "SUCCESS"
    after = await p.call(p_leg, "CONNECTED")  # the hold the operator placed is lifted
    assert after["remote_number"] == "202" and after["remote_name"] == "Bob"
    assert (await q.call(q_leg))["remote_number"] == "201"
    assert plane.routes[p_leg] == q_leg and plane.routes[q_leg] == p_leg
    await p.request("dtmf", call=p_leg, digits="42#")
    assert (await q.event("dtmf", call=q_leg))["digits"] == "42#"
    await q.request("disconnect", call=q_leg)
    assert (await p.call(p_leg, "DISCONNECTED"))["reason"] == "SUCCESS"


async def test_transfer_errors(clients):
    op, p = await clients.login("operator"), await clients.login("alice")
    x1, _ = await connect_call(op, p, "201")
    reply = await op.ask("transfer", call=x1, to=x1)
    assert reply["code"] == "wrong_state"
    ringing = (await op.request("dial", number="9005"))["call"]["call"]
    await op.call(ringing, "RINGING")
    assert (await op.ask("transfer", call=ringing, to=x1))["code"] == "wrong_state"  # the ringing one is not up (to a ringing one: test_switch_attendant)
    assert (await op.ask("transfer", call=x1, to="c999999"))["code"] == "unknown_call"
    await op.request("dtmf", call=x1, digits="1")  # x1 is untouched
    await p.event("dtmf", digits="1")


async def test_dtmf_reaches_the_far_end_in_order(clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a, b = await connect_call(alice, bob, "202")
    for digits in ("1", "23", "*#", "abcd", "0"):
        await alice.request("dtmf", call=a, digits=digits)
    got = [(await bob.event("dtmf", call=b))["digits"] for _ in range(5)]
    assert got == ["1", "23", "*#", "ABCD", "0"]
    assert (await alice.ask("dtmf", call=a, digits="12x"))["code"] == "invalid_digit"
    assert (await alice.ask("dtmf", call=a, digits=""))["code"] == "invalid_digit"


async def test_ivr_reports_the_digits_it_received(plane, clients):
    alice = await clients.login("alice")
    call = (await alice.request("dial", number="9002"))["call"]["call"]
    await alice.call(call, "CONNECTED")
    await alice.request("dtmf", call=call, digits="123")
    assert (await alice.event("dtmf", call=call))["digits"] == "123"
    assert plane.routes[call] == "ivr" and plane.digits[call] == "123"


async def test_wrong_state_requests_change_nothing(clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a, b = await connect_call(alice, bob, "202")
    assert (await bob.ask("answer", call=b))["code"] == "wrong_state"
    assert (await bob.ask("accept", call=b))["code"] == "wrong_state"
    assert (await alice.ask("answer", call=a))["code"] == "wrong_state"  # an outgoing call
    assert (await alice.ask("retrieve", call=a))["code"] == "wrong_state"
    await alice.request("hold", call=a)
    await alice.call(a, "HELD")
    assert (await alice.ask("dtmf", call=a, digits="1"))["code"] == "wrong_state"
    assert (await alice.ask("hold", call=a))["code"] == "wrong_state"
    assert not alice.pending("call") and not bob.pending("dtmf")
    await alice.request("retrieve", call=a)
    await alice.call(a, "CONNECTED")
    await alice.request("disconnect", call=a)
    await alice.call(a, "DISCONNECTED")
    assert (await alice.ask("disconnect", call=a))["code"] == "wrong_state"


async def test_unknown_call_and_another_sessions_call(clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    _, b = await connect_call(alice, bob, "202")
    assert (await alice.ask("disconnect", call="nope"))["code"] == "unknown_call"
    assert (await alice.ask("disconnect", call=b))["code"] == "unknown_call"
    await bob.request("dtmf", call=b, digits="5")  # still connected


async def test_accept_makes_both_sides_ring(clients):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a = (await alice.request("dial", number="202"))["call"]["call"]
    b = (await bob.call(state="OFFERING"))["call"]
    await bob.request("accept", call=b)
    await bob.call(b, "RINGING")
    await alice.call(a, "RINGING")
    await bob.request("answer", call=b)
    await alice.call(a, "CONNECTED")
