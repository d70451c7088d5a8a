"""Queues shared by several operators at the switch (issue 21): raw protocol clients, the recording plane.

The switch's own state is the ground truth: where the caller's leg is routed (music, its position cue, the
member who answered), which legs are live, what ``queue_status`` says.
"""

from __future__ import annotations

import pytest

from console.switch.queue_config import QueueConfig
from console.switch.queueing import PositionCue

from .conftest import connect_call
from .wire import WireError

QUEUES = (
    QueueConfig("100", "Reception", ("alice", "bob", "carol")),
    QueueConfig("110", "Sales", ("alice", "bob", "carol"), strategy="longest-idle", ring_timeout=0.5),
    QueueConfig("120", "Support", ("bob",), overflow_after=1.0, overflow_to="200"),
    QueueConfig("130", "Small", ("carol",), max_waiting=1),
    QueueConfig("140", "Spoken", ("carol",), announce_position=True),
)


@pytest.fixture
async def switch(start):
    return await start(queues=QUEUES)


async def members(clients, *names):
    return [await clients.login(name) for name in names]


async def queued(caller, number: str) -> str:
    """``caller`` dials a queue: the switch answers, then it waits on hold (music). Returns its call id."""
    call = (await caller.request("dial", number=number))["call"]["call"]
    assert (await caller.call(call, "CONNECTED"))["remote_number"] == number
    waiting = await caller.call(call, "HOLDING")
    assert waiting["held_by_remote"] is True
    return call


async def no_call_frames(wire) -> None:
    """Everything the switch sent ``wire`` so far has arrived (a request answered after it): no call frame."""
    await wire.request("queue_status", queue="100")
    assert wire.pending("call") == []


async def test_ring_all_the_first_answer_takes_the_caller_and_the_others_end_notselected(switch, plane, clients):
    """The seed's NOTSELECTED: "The call was signaled to multiple endpoints and another one answered"."""
    alice, bob, carol = await members(clients, "alice", "bob", "carol")
    op = await clients.login("operator")
    x = await queued(op, "100")
    assert plane.routes[x] == "music"
    offers = {w: await w.call(state="OFFERING") for w in (alice, bob, carol)}
    for offer in offers.values():
        assert offer["queue"] == {"number": "100", "name": "Reception", "position": 1, "waited": offer["queue"]["waited"]}
        assert offer["remote_number"] == "200" and offer["waiting_since"] > 0
    await bob.request("answer", call=offers[bob]["call"])
    for other in (alice, carol):
        assert (await other.call(offers[other]["call"], "DISCONNECTED"))["reason"] == "NOTSELECTED"
    assert (await op.call(x, "CONNECTED"))["remote_number"] == "202"
    assert plane.routes[x] == offers[bob]["call"] and plane.routes[offers[bob]["call"]] == x
    status = (await op.request("queue_status", queue="100"))["queue"]
    assert status["total"] == 0 and status["waiting"] == []
    assert {m["member"]: m["state"] for m in status["members"]} == {"alice": "free", "bob": "busy", "carol": "free"}


async def test_a_paused_member_is_not_rung_and_rings_again_once_unpaused(switch, clients):
    alice, bob, carol = await members(clients, "alice", "bob", "carol")
    op = await clients.login("operator")
    paused = await bob.request("queue_pause", queue="100", paused=True)
    assert (paused["queues"], paused["paused"]) == (["100"], True)
    status = (await op.request("queue_status", queue="100"))["queue"]
    assert [m["state"] for m in status["members"]] == ["free", "paused", "free"]
    x = await queued(op, "100")
    a, c = (await alice.call(state="OFFERING"))["call"], (await carol.call(state="OFFERING"))["call"]
    await no_call_frames(bob)
    await alice.request("decline", call=a)
    await carol.request("decline", call=c)
    await no_call_frames(bob)
    await bob.request("queue_pause", paused=False)  # every queue it is in
    b = (await bob.call(state="OFFERING"))["call"]
    await bob.request("answer", call=b)
    assert (await op.call(x, "CONNECTED"))["remote_number"] == "202"


async def test_longest_idle_offers_one_member_at_a_time_longest_idle_first(switch, plane, clients):
    alice, bob, carol = await members(clients, "alice", "bob", "carol")
    op = await clients.login("operator")
    x = await queued(op, "110")
    a = (await alice.call(state="OFFERING"))["call"]  # nobody has taken a call yet: the configured order
    await no_call_frames(bob)
    await no_call_frames(carol)
    await alice.request("answer", call=a)
    await op.call(x, "CONNECTED")
    await alice.request("disconnect", call=a)
    await op.call(x, "DISCONNECTED")
    y = await queued(op, "110")
    b = (await bob.call(state="OFFERING"))["call"]  # alice just talked: bob has been idle longer
    assert (await bob.call(b, "DISCONNECTED"))["reason"] == "NOTRESPONDING"  # 0.5 s each
    c = (await carol.call(state="OFFERING"))["call"]
    await carol.request("decline", call=c)
    a2 = (await alice.call(state="OFFERING"))["call"]
    await alice.request("answer", call=a2)
    assert (await op.call(y, "CONNECTED"))["remote_number"] == "201"


async def test_a_caller_who_hangs_up_leaves_the_line_and_the_members_stop_ringing(switch, clients):
    alice, bob = await members(clients, "alice", "bob")
    op = await clients.login("operator")
    x = await queued(op, "100")
    offers = [(w, (await w.call(state="OFFERING"))["call"]) for w in (alice, bob)]
    await op.request("disconnect", call=x)
    for wire, call in offers:
        assert (await wire.call(call, "DISCONNECTED"))["reason"] == "SUCCESS"
    assert switch.exchange.queues["100"].waiting == []
    assert (await op.request("queue_status", queue="100"))["queue"]["total"] == 0


async def test_overflow_after_n_seconds_reaches_the_overflow_target(switch, plane, clients):
    bob, op, alice = await clients.login("bob"), await clients.login("operator"), await clients.login("alice")
    x = await queued(alice, "120")
    b = (await bob.call(state="OFFERING"))["call"]
    assert (await bob.call(b, "DISCONNECTED", timeout=5))["reason"] == "REDIRECTED"
    at_op = await op.call(state="OFFERING", timeout=5)
    assert at_op["forwarded_from"] == "120" and at_op["remote_number"] == "201"
    assert switch.exchange.legs[x].live and plane.routes[x] == "music"  # still waiting with music
    await op.request("answer", call=at_op["call"])
    assert (await alice.call(x, "CONNECTED"))["remote_number"] == "200"


async def test_a_full_queue_refuses_the_next_caller_busy_and_logs_it(switch, clients, caplog):
    carol, op, alice = await clients.login("carol"), await clients.login("operator"), await clients.login("alice")
    await queued(op, "130")
    dialed = (await alice.request("dial", number="130"))["call"]["call"]
    assert (await alice.call(dialed, "DISCONNECTED"))["reason"] == "BUSY"
    assert any("limit queue_max_waiting:" in r.getMessage() for r in caplog.records)
    assert switch.exchange.trips.trips["queue_max_waiting"] == 1
    assert len(switch.exchange.queues["130"].waiting) == 1


async def test_announce_position_plays_the_position_and_follows_it(switch, plane, clients):
    op, alice = await clients.login("operator"), await clients.login("alice")
    x, y = await queued(op, "140"), await queued(alice, "140")  # carol is not logged in: both wait
    cue_x, cue_y = plane.routes[x], plane.routes[y]
    assert isinstance(cue_x, PositionCue) and isinstance(cue_y, PositionCue)
    assert (cue_x.position, cue_y.position) == (1, 2)
    beeps = [cue_y.frame_for(y) for _ in range(60)]
    assert len({f for f in beeps}) > 2  # tone frames, gaps and music, not one frame repeated
    await op.request("disconnect", call=x)
    await alice.request("queue_status", queue="140")  # handled after the dispatch the hang-up asked for
    assert cue_y.position == 1 and switch.exchange.queues["140"].waiting[0].caller.id == y
    carol = await clients.login("carol")  # a member that logs in is offered the waiting caller at once
    offer = await carol.call(state="OFFERING")
    assert (offer["queue"]["position"], offer["remote_number"]) == (1, "201")


async def test_pause_and_status_refuse_what_they_cannot_do(switch, clients):
    op = await clients.login("operator")
    with pytest.raises(WireError) as unknown:
        await op.request("queue_status", queue="555")
    assert unknown.value.code == "unknown_queue"
    with pytest.raises(WireError) as member:
        await op.request("queue_pause", queue="100", paused=True)
    assert member.value.code == "not_permitted"
    with pytest.raises(WireError) as malformed:
        await op.request("queue_pause", queue="100", paused="yes")
    assert malformed.value.code == "malformed"


@pytest.mark.parametrize("queue, message", [
    ({"number": "100", "members": ["alice"], "colour": "red"}, "[switch.queues[0]] colour: unknown key"),
    ({"members": ["alice"]}, "[switch.queues[0]] number: is required"),
    ({"number": "100", "members": []}, "members: must list 1 to 64"),
    ({"number": "100", "members": ["nobody"]}, "'nobody' is neither a username of [[users]] nor a number"),
    ({"number": "100", "members": ["alice", "alice"]}, "lists a member twice"),
    ({"number": "100", "members": ["alice"], "strategy": "random"}, "strategy: must be one of ring-all, longest-idle"),
    ({"number": "100", "members": ["alice"], "overflow_after": 30}, "overflow_to: overflow_after and overflow_to go"),
    ({"number": "100", "members": ["alice"], "overflow_after": 30, "overflow_to": "100"}, "not this queue"),
    ({"number": "100", "members": ["alice"], "overflow_after": 0, "overflow_to": "200"}, "0 < overflow_after <= 3600"),
    ({"number": "100", "members": ["alice"], "max_waiting": 0}, "max_waiting: must be 1 to 1000"),
    ({"number": "100", "members": ["alice"], "max_waiting": 5000}, "max_waiting: must be 1 to 1000"),
    ({"number": "100", "members": ["alice"], "announce_position": "yes"}, "announce_position: must be bool"),
    ({"number": "201", "members": ["alice"]}, "number: 201 is already user alice"),
    ({"number": "701", "members": ["alice"]}, "number: 701 is already park orbit 701"),
])
def test_a_bad_queue_is_refused_naming_the_queue_and_the_key(queue, message):
    from console.switch.config import ConfigError, parse_config
    users = [{"username": "alice", "number": "201"}]
    with pytest.raises(ConfigError) as error:
        parse_config({"switch": {"queues": [queue]}, "users": users}, "switch.toml")
    assert message in str(error.value) and str(error.value).startswith("switch.toml: ")


def test_a_good_queue_is_read_with_its_defaults():
    from console.switch.config import parse_config
    config = parse_config({"switch": {"queues": [{"number": "100", "name": "Reception", "members": ["alice", "299"],
                                                  "overflow_after": 30, "overflow_to": "200"}]},
                           "users": [{"username": "alice", "number": "201"}]})
    queue = config.queue("100")
    assert (queue.name, queue.members, str(queue.strategy), queue.max_waiting) == ("Reception", ("alice", "299"),
                                                                                  "ring-all", 50)
    assert (queue.overflow_after, queue.overflow_to, queue.ring_timeout, queue.announce_position) == (30, "200", 15, False)


async def test_a_caller_blind_transferred_to_a_queue_waits_there_and_is_not_recalled(switch, plane, clients):
    """A transfer's recall is for a target that does not take the caller; a queue takes it (and has its own
    overflow): the members' offers are not withdrawn when the transfer's recall time passes."""
    op, alice, bob = await clients.login("operator"), await clients.login("alice"), await clients.login("bob")
    carol = await clients.login("carol")
    await carol.request("queue_pause", paused=True)  # in 100: only bob is free
    x, a = await connect_call(alice, op, "200")
    await op.request("blind_transfer", call=a, number="100", recall=0.3)
    await op.call(a, "DISCONNECTED")
    offer = await bob.call(state="OFFERING")
    assert offer["queue"]["number"] == "100" and offer["transferred_by"] == "200"
    with pytest.raises(TimeoutError):  # the recall time (0.3 s) passes: the offer keeps ringing
        await bob.call(offer["call"], "DISCONNECTED", timeout=1.0)
    await bob.request("answer", call=offer["call"])
    assert (await alice.call(x, "CONNECTED"))["remote_number"] == "202"
    await no_call_frames(op)  # no recall rang back at the operator


async def test_a_caller_transferred_to_a_full_queue_comes_back_to_the_operator(switch, clients):
    """No caller is lost by a transfer: a full queue is a busy target, so the recall brings it back."""
    op, alice, bob = await clients.login("operator"), await clients.login("alice"), await clients.login("bob")
    await queued(bob, "130")  # carol is not logged in: bob waits, the queue (max_waiting 1) is full
    x, a = await connect_call(alice, op, "200")
    await op.request("blind_transfer", call=a, number="130")
    back = await op.call(state="OFFERING")
    assert (back["recall"]["target"], back["recall"]["reason"]) == ("130", "BUSY")
    assert switch.exchange.legs[x].live
