"""The attendant extension at the switch: directory, presence, blind transfer, park/pickup/recall, DND, forwarding."""

from __future__ import annotations

import dataclasses

import pytest

from console.switch.limits import Limits

from .conftest import connect_call
from .wire import WireError


async def test_the_directory_lists_users_with_departments_services_and_orbits(clients):
    op = await clients.login("operator")
    reply = await op.request("directory")
    entries = {e["number"]: e for e in reply["entries"]}
    assert entries["201"] == {"number": "201", "name": "Alice", "kind": "user", "department": "Sales",
                              "notes": "Mornings only"}
    assert entries["9000"]["kind"] == "service" and entries["701"]["kind"] == "orbit"
    assert [o["orbit"] for o in reply["orbits"]][:2] == ["701", "702"]
    assert all(o["number"] is None for o in reply["orbits"])


async def test_presence_snapshot_and_pushes_follow_a_call(clients):
    op = await clients.login("operator")
    snap = await op.request("subscribe", presence=True)
    assert snap["presence"]["200"] == "available" and snap["presence"]["201"] == "offline"
    alice, bob = await clients.login("alice"), await clients.login("bob")
    await op.event("presence", number="201", state="available")
    await op.event("presence", number="202", state="available")
    dialed = await alice.request("dial", number="202")
    await op.event("presence", number="201", state="busy")
    await op.event("presence", number="202", state="ringing")
    b = (await bob.call(state="OFFERING"))["call"]
    await bob.request("answer", call=b)
    await op.event("presence", number="202", state="busy")
    await bob.request("hold", call=b)
    await op.event("presence", number="202", state="on_hold")
    await alice.request("disconnect", call=dialed["call"]["call"])
    await op.event("presence", number="201", state="available")
    await op.event("presence", number="202", state="available")
    await bob.request("dnd", on=True)
    await op.event("presence", number="202", state="dnd")
    await bob.close()
    await op.event("presence", number="202", state="offline")
    await op.request("subscribe", presence=False)


async def test_presence_subscribers_are_bounded_and_logged(start, clients, caplog):
    switch = await start(limits=Limits(presence_subscribers=1))
    op, alice = await clients.login("operator", switch), await clients.login("alice", switch)
    await op.request("subscribe", presence=True)
    with pytest.raises(WireError) as refused:
        await alice.request("subscribe", presence=True)
    assert refused.value.code == "limit_reached"
    assert "limit presence_subscribers" in caplog.text


async def test_blind_transfer_sends_the_far_end_to_a_number(plane, clients):
    op, alice, bob = await clients.login("operator"), await clients.login("alice"), await clients.login("bob")
    x, a = await connect_call(op, alice, "201")
    await op.request("blind_transfer", call=x, number="202")
    assert (await op.call(x, "DISCONNECTED"))["reason"] == "SUCCESS"
    waiting = await alice.call(a, "HOLDING")  # music while it rings at the target
    assert waiting["remote_number"] == "202"
    assert plane.routes[a] == "music"
    b = (await bob.call(state="OFFERING"))
    assert b["remote_number"] == "201"
    await bob.request("answer", call=b["call"])
    after = await alice.call(a, "CONNECTED")
    assert after["remote_name"] == "Bob"
    assert plane.routes[a] == b["call"] and plane.routes[b["call"]] == a


async def test_blind_transfer_refusals(clients):
    op, alice = await clients.login("operator"), await clients.login("alice")
    x, _ = await connect_call(op, alice, "201")
    assert (await op.ask("blind_transfer", call=x, number="nope"))["code"] == "malformed"
    guest = await clients.login("guest", number="299")
    g = (await guest.request("dial", number="9000"))["call"]["call"]
    await guest.call(g, "CONNECTED")
    assert (await guest.ask("blind_transfer", call=g, number="201"))["code"] == "not_permitted"
    ringing = (await op.request("dial", number="9005"))["call"]["call"]
    assert (await op.ask("blind_transfer", call=ringing, number="202"))["code"] == "wrong_state"


async def test_transfer_into_a_ringing_extension(plane, clients):
    op, alice, bob = await clients.login("operator"), await clients.login("alice"), await clients.login("bob")
    x1, a = await connect_call(op, alice, "201")
    await op.request("hold", call=x1)
    x2 = (await op.request("dial", number="202"))["call"]["call"]
    b = await bob.call(state="OFFERING")
    await op.request("transfer", call=x1, to=x2)
    assert (await op.call(x1, "DISCONNECTED"))["reason"] == "SUCCESS"
    assert (await op.call(x2, "DISCONNECTED"))["reason"] == "SUCCESS"
    assert (await bob.call(b["call"]))["remote_number"] == "201"  # bob now sees who really calls
    await bob.request("answer", call=b["call"])
    assert (await alice.call(a, "CONNECTED"))["remote_number"] == "202"
    assert plane.routes[a] == b["call"]


async def test_park_pickup_by_dialling_the_orbit(plane, clients):
    op, alice, bob = await clients.login("operator"), await clients.login("alice"), await clients.login("bob")
    await bob.request("subscribe", presence=True)
    x, a = await connect_call(op, alice, "201")
    parked = await op.request("park", call=x)
    assert parked["orbit"] == "701"
    assert (await op.call(x, "DISCONNECTED"))["reason"] == "SUCCESS"
    assert (await alice.call(a, "HOLDING"))["remote_number"] == "701"
    assert plane.routes[a] == "music"
    orbit = (await bob.event("orbit"))["orbit"]
    assert isinstance(orbit.pop("since"), float)  # when it was parked (Unix seconds): the park strip's clock
    assert orbit == {"orbit": "701", "number": "201", "name": "Alice", "parked_by": "200"}
    assert (await op.ask("park", call=x))["code"] == "wrong_state"
    picked = (await bob.request("dial", number="701"))["call"]["call"]
    assert (await bob.call(picked, "CONNECTED"))["remote_number"] == "201"
    assert (await alice.call(a, "CONNECTED"))["remote_number"] == "202"
    assert plane.routes[a] == picked and plane.routes[picked] == a
    assert (await bob.event("orbit"))["orbit"]["number"] is None
    empty = (await bob.request("dial", number="701"))["call"]["call"]
    assert (await bob.call(empty, "DISCONNECTED"))["reason"] == "NOTRESPONDING"


async def test_park_on_a_taken_orbit_or_when_all_are_taken(start, clients, caplog):
    switch = await start(limits=Limits(park_orbits=1))
    op, alice, bob = (await clients.login("operator", switch), await clients.login("alice", switch),
                      await clients.login("bob", switch))
    x, _ = await connect_call(op, alice, "201")
    assert (await op.request("park", call=x, orbit="701"))["orbit"] == "701"
    y, _ = await connect_call(op, bob, "202")
    assert (await op.ask("park", call=y, orbit="701"))["code"] == "orbit_busy"
    assert (await op.ask("park", call=y, orbit="799"))["code"] == "wrong_state"
    assert (await op.ask("park", call=y))["code"] == "orbit_busy"
    assert "limit park_orbits" in caplog.text


async def test_a_parked_call_recalls_the_operator_and_hangs_up_cleanly(start, plane, clients):
    switch = await start(limits=Limits(park_recall=0.2), ring_timeout=0.5)
    op, alice = await clients.login("operator", switch), await clients.login("alice", switch)
    x, a = await connect_call(op, alice, "201")
    await op.request("park", call=x)
    recall = await op.call(state="OFFERING")
    assert recall["remote_number"] == "201" and recall["recall_from"] == "701"
    assert recall["remote_name"] == "Alice"  # the caller's name; recall_from marks the recall
    assert (await op.call(recall["call"], "DISCONNECTED"))["reason"] == "NOTRESPONDING"  # nobody answered
    again = await op.call(state="OFFERING")  # it stays parked and recalls again
    await op.request("answer", call=again["call"])
    assert (await alice.call(a, "CONNECTED"))["remote_number"] == "200"
    assert plane.routes[a] == again["call"]


async def test_park_and_recall_say_where_the_caller_waits_and_since_when(start, plane, clients):
    """Issue 19: "the parked card says 'parked on 701'; a recall keeps its original waiting time". The
    parking console's call ends with ``parked_on``; the orbit says ``since`` when; the recall carries
    ``recall_from`` and ``waiting_since``, the time the caller first rang in (not the time it was recalled)."""
    import time

    switch = await start(limits=Limits(park_recall=0.5), ring_timeout=5.0)
    op, alice = await clients.login("operator", switch), await clients.login("alice", switch)
    await op.request("subscribe", presence=True)
    before = time.time()
    x, a = await connect_call(op, alice, "201")
    await op.request("park", call=x)
    ended = await op.call(x, "DISCONNECTED")
    assert ended["reason"] == "SUCCESS" and ended["parked_on"] == "701"
    orbit = (await op.event("orbit"))["orbit"]
    assert orbit["number"] == "201" and before <= orbit["since"] <= time.time()
    recall = await op.call(state="OFFERING")
    assert recall["recall_from"] == "701" and "parked_on" not in recall
    assert before - 0.1 <= recall["waiting_since"] <= orbit["since"]  # alice's first ring, before the park
    plain = (await alice.call(a))  # an ordinary call object does not carry the new fields
    assert not {"waiting_since", "recall_from", "parked_on"} & set(plain)


async def test_dnd_answers_busy_or_forwards(clients):
    alice, bob, carol = await clients.login("alice"), await clients.login("bob"), await clients.login("carol")
    await bob.request("dnd", on=True)
    c = (await alice.request("dial", number="202"))["call"]["call"]
    assert (await alice.call(c, "DISCONNECTED"))["reason"] == "BUSY"
    await bob.request("forwarding", busy="203")
    c = (await alice.request("dial", number="202"))["call"]["call"]
    assert (await carol.call(state="OFFERING"))["remote_number"] == "201"
    await alice.request("disconnect", call=c)
    await bob.request("dnd", on=False)
    await bob.request("forwarding", always="203")
    c = (await alice.request("dial", number="202"))["call"]["call"]
    await carol.call(state="OFFERING")
    assert not bob.pending("call")
    await alice.request("disconnect", call=c)


async def test_forwarding_on_no_answer_and_its_refusals(clients):
    alice, bob, carol = await clients.login("alice"), await clients.login("bob"), await clients.login("carol")
    await bob.request("forwarding", no_answer="203", after=0.2)
    c = (await alice.request("dial", number="202"))["call"]["call"]
    b = await bob.call(state="OFFERING")
    assert (await bob.call(b["call"], "DISCONNECTED"))["reason"] == "REDIRECTED"
    await carol.call(state="OFFERING")
    await alice.request("disconnect", call=c)
    assert (await bob.ask("forwarding", always="202"))["code"] == "malformed"
    assert (await bob.ask("forwarding", no_answer="203", after=0))["code"] == "malformed"
    guest = await clients.login("guest", number="299")
    assert (await guest.ask("forwarding", always="201"))["code"] == "not_permitted"


async def test_a_caller_dnd_or_forwarding_turns_away_is_told_to_the_numbers_consoles(clients):
    """Issue 19 item 5: callers DND or forwarding turn away never ring at the number's consoles, so the
    switch tells them (a ``turned_away`` event: who, when, why, where to); other consoles hear nothing."""
    alice, bob, carol = await clients.login("alice"), await clients.login("bob"), await clients.login("carol")
    await bob.request("dnd", on=True)
    c = (await alice.request("dial", number="202"))["call"]["call"]
    await alice.call(c, "DISCONNECTED")
    notice = await bob.event("turned_away", why="dnd")
    assert (notice["number"], notice["name"], notice.get("to")) == ("201", "Alice", None)
    assert isinstance(notice["at"], float) and notice["at"] > 1.7e9
    await bob.request("dnd", on=False)
    await bob.request("forwarding", always="203")
    c = (await alice.request("dial", number="202"))["call"]["call"]
    await carol.call(state="OFFERING")
    notice = await bob.event("turned_away", why="forwarded")
    assert (notice["number"], notice["to"]) == ("201", "203")
    await alice.request("disconnect", call=c)
    assert not alice.pending("turned_away") and not carol.pending("turned_away")
