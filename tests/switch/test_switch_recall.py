"""Transfer with recall at the switch (issue 19, "No caller is lost by the console's own action").

The switch's own state is the ground truth: the caller's leg is still live and hears music while the
transfer rings, and when nobody takes it there it rings back at the operator with the recall's target,
reason and the caller's original waiting time; answering the recall bridges the caller to the operator.
"""

from __future__ import annotations

import pytest

from .conftest import connect_call
from .wire import WireError


async def transferred(op, alice, switch, number: str, **extra):
    """alice calls the operator, the operator blind-transfers her to ``number``; returns (alice's leg, leg)."""
    x, a = await connect_call(alice, op, "200")
    await op.request("blind_transfer", call=a, number=number, **extra)
    assert (await op.call(a, "DISCONNECTED"))["reason"] == "SUCCESS"
    return x, switch.exchange.legs[x]


async def recalled(op, leg, target: str, reason: str, plane) -> dict:
    """The recall rings at the operator; the caller's leg stayed up, with music, the whole time."""
    back = await op.call(state="OFFERING")
    assert back["recall"]["target"] == target and back["recall"]["reason"] == reason
    assert back["remote_number"] == "201"
    assert leg.live and plane.routes[leg.id] == "music"
    return back


async def test_a_blind_transfer_to_dnd_comes_back_to_the_operator(switch, plane, clients):
    """The seed of the rule: "the caller comes back to the operator as a recall ("↩ 202 busy")"."""
    op, alice, bob = await clients.login("operator"), await clients.login("alice"), await clients.login("bob")
    await bob.request("dnd", on=True)
    x, leg = await transferred(op, alice, switch, "202")
    back = await recalled(op, leg, "202", "BUSY", plane)
    assert back["recall"]["waited"] >= 0
    assert (await alice.call(x))["state"] == "HOLDING"  # never DISCONNECTED: she waits with music
    await op.request("answer", call=back["call"])
    assert (await alice.call(x, "CONNECTED"))["remote_number"] == "200"
    assert plane.routes[x] == back["call"] and plane.routes[back["call"]] == x


async def test_a_blind_transfer_the_target_declines_comes_back(switch, plane, clients):
    op, alice, bob = await clients.login("operator"), await clients.login("alice"), await clients.login("bob")
    _, leg = await transferred(op, alice, switch, "202")
    offered = await bob.call(state="OFFERING")
    assert offered["transferred_by"] == "200" and offered["remote_number"] == "201"
    await bob.request("decline", call=offered["call"])
    await recalled(op, leg, "202", "REJECTED", plane)


async def test_a_blind_transfer_nobody_answers_comes_back_after_the_requested_time(switch, plane, clients):
    op, alice, bob = await clients.login("operator"), await clients.login("alice"), await clients.login("bob")
    _, leg = await transferred(op, alice, switch, "202", recall=0.5)
    offered = await bob.call(state="OFFERING")
    await recalled(op, leg, "202", "NOTRESPONDING", plane)
    assert (await bob.call(offered["call"], "DISCONNECTED"))["reason"] == "NOTRESPONDING"


async def test_a_blind_transfer_to_a_busy_number_or_an_offline_extension_comes_back(switch, plane, clients):
    op, alice = await clients.login("operator"), await clients.login("alice")
    _, leg = await transferred(op, alice, switch, "9004")  # the busy service
    await recalled(op, leg, "9004", "BUSY", plane)
    x2, a2 = await connect_call(await clients.login("carol"), op, "200")
    await op.request("blind_transfer", call=a2, number="202")  # bob is not logged in
    assert (await op.call(state="OFFERING"))["recall"]["target"] == "202"
    assert switch.exchange.legs[x2].live


async def test_the_recall_keeps_the_callers_original_waiting_time(start, plane, clients):
    switch = await start()
    op, alice = await clients.login("operator", switch), await clients.login("alice", switch)
    x, a = await connect_call(alice, op, "200")
    switch.exchange.legs[x].began -= 30.0  # she first rang in 30 s ago
    await op.request("blind_transfer", call=a, number="9004")
    back = await op.call(state="OFFERING")
    assert back["recall"]["waited"] >= 30.0
    assert back["waiting_since"] == switch.exchange.legs[x].began  # the same field a park recall carries


async def test_an_announced_transfer_into_a_ringing_call_that_is_declined_comes_back(switch, plane, clients):
    op, alice, bob = await clients.login("operator"), await clients.login("alice"), await clients.login("bob")
    x, a = await connect_call(alice, op, "200")
    await op.request("hold", call=a)
    consult = (await op.request("dial", number="202"))["call"]["call"]
    b = await bob.call(state="OFFERING")
    await op.request("transfer", call=a, to=consult)
    assert (await bob.call(b["call"]))["transferred_by"] == "200"
    await bob.request("decline", call=b["call"])
    back = await recalled(op, switch.exchange.legs[x], "202", "REJECTED", plane)
    await op.request("answer", call=back["call"])
    await alice.call(x, "CONNECTED")


async def test_a_successful_blind_transfer_and_forwarding_tell_the_extension_who_handed_it_on(switch, plane, clients):
    op, alice, bob = await clients.login("operator"), await clients.login("alice"), await clients.login("bob")
    await bob.request("forwarding", always="203")
    carol = await clients.login("carol")
    x, _ = await transferred(op, alice, switch, "202")
    offered = await carol.call(state="OFFERING")
    assert (offered["transferred_by"], offered["forwarded_from"]) == ("200", "202")
    await carol.request("answer", call=offered["call"])
    await alice.call(x, "CONNECTED")
    assert not [f for f in op.pending("call") if f["call"].get("recall")]  # nothing comes back


@pytest.mark.parametrize("recall", [0, -1, 301, "20", True])
async def test_a_bad_recall_time_is_refused_and_changes_nothing(switch, plane, clients, recall):
    op, alice = await clients.login("operator"), await clients.login("alice")
    x, a = await connect_call(alice, op, "200")
    with pytest.raises(WireError) as refused:
        await op.request("blind_transfer", call=a, number="202", recall=recall)
    assert refused.value.code == "malformed"
    assert switch.exchange.legs[a].live and switch.exchange.legs[x].peer is switch.exchange.legs[a]



async def test_a_declined_transfer_recall_keeps_the_caller_and_rings_again_after_the_recall_time(switch, plane, clients):
    """An operator who declines a recall (busy with another caller) does not end the caller: the caller keeps
    waiting with music, and the recall rings again after the transfer's ``recall`` seconds, until answered."""
    op, alice = await clients.login("operator"), await clients.login("alice")
    x, leg = await transferred(op, alice, switch, "9004", recall=0.5)  # the busy service: back at once
    back = await recalled(op, leg, "9004", "BUSY", plane)
    await op.request("decline", call=back["call"])
    assert (await op.call(back["call"], "DISCONNECTED"))["reason"] == "USERTERMINATED"
    assert leg.live and leg.peer is None and plane.routes[leg.id] == "music"  # the switch's truth: she waits on
    assert leg.state.name == "HOLDING" and not [f for f in alice.pending("call") if f["call"]["state"] == "DISCONNECTED"]
    again = await recalled(op, leg, "9004", "BUSY", plane)  # once more, after the recall time
    assert again["call"] != back["call"] and again["waiting_since"] == back["waiting_since"]
    await op.request("decline", call=again["call"])  # and again: still nobody lost
    third = await recalled(op, leg, "9004", "BUSY", plane)
    await op.request("answer", call=third["call"])
    assert (await alice.call(x, "CONNECTED"))["remote_number"] == "200"
    assert plane.routes[x] == third["call"]


async def test_a_caller_who_hangs_up_while_a_declined_recall_waits_is_not_recalled(switch, plane, clients):
    op, alice, carol = await clients.login("operator"), await clients.login("alice"), await clients.login("carol")
    x, leg = await transferred(op, alice, switch, "9004", recall=0.3)
    back = await recalled(op, leg, "9004", "BUSY", plane)
    await op.request("decline", call=back["call"])
    await alice.request("disconnect", call=x)
    assert (await alice.call(x, "DISCONNECTED"))["reason"] == "USERTERMINATED"
    # carol's recall, declined later with the same recall time, rings again after alice's would have
    c, at_op = await connect_call(carol, op, "200")
    await op.request("blind_transfer", call=at_op, number="9004", recall=0.3)
    first = await op.call(state="OFFERING")
    assert first["remote_number"] == "203"
    await op.request("decline", call=first["call"])
    second = await op.call(state="OFFERING")
    assert second["remote_number"] == "203" and second["recall"]["target"] == "9004"
    assert not leg.live and not [f for f in op.pending("call") if f["call"].get("remote_number") == "201"
                                 and f["call"]["state"] == "OFFERING"]
    await carol.request("disconnect", call=c)


async def test_a_declined_park_recall_leaves_the_caller_parked_and_recalls_again(start, plane, clients):
    """A park recall the operator declines: the caller stays on the orbit (music, the orbit still shows
    it) and rings back after ``park_recall`` again."""
    from console.switch.limits import Limits

    switch = await start(limits=Limits(park_recall=0.3), ring_timeout=5.0)
    op, alice = await clients.login("operator", switch), await clients.login("alice", switch)
    a, x = await connect_call(alice, op, "200")
    await op.request("park", call=x)
    leg = switch.exchange.legs[a]
    recall = await op.call(state="OFFERING")
    assert recall["recall_from"] == "701"
    await op.request("decline", call=recall["call"])
    assert (await op.call(recall["call"], "DISCONNECTED"))["reason"] == "USERTERMINATED"
    parked = switch.exchange.lot.of_leg(leg)
    assert leg.live and parked is not None and parked.orbit == "701"  # the switch's truth: still parked
    again = await op.call(state="OFFERING")
    assert again["recall_from"] == "701" and again["call"] != recall["call"]
    await op.request("answer", call=again["call"])
    assert (await alice.call(a, "CONNECTED"))["remote_number"] == "200"


async def test_a_recall_ringing_when_its_console_logs_out_ends_the_caller_at_once(switch, plane, clients):
    """The rule that stays: nobody to come back to (the transferring console logged out), the caller's call
    ends with the transfer's reason, now, not after another recall time."""
    op, alice = await clients.login("operator"), await clients.login("alice")
    x, leg = await transferred(op, alice, switch, "9004", recall=300)
    await recalled(op, leg, "9004", "BUSY", plane)
    await op.request("logout")
    assert (await alice.call(x, "DISCONNECTED"))["reason"] == "BUSY" and not leg.live
