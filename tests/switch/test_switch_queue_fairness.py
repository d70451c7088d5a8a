"""One caller cannot fill a queue: ``max_waiting_per_caller`` (raw protocol clients, the real switch).

The project's standard: every resource an outsider can consume is bounded, configurable and logged when it trips,
and no bound can be turned against the legitimate user. A queue's ``max_waiting`` places are shared by every
caller; without a share per caller, one caller dialling the queue over and over took them all and every other
caller heard BUSY. The caller is the calling number as the account that placed the call presents it
(``console.switch.queueing.caller_key``): the account's other numbers (a gateway's other callers, the practice
callers), the members who answer and the operator who transfers callers in are untouched.
"""

from __future__ import annotations

import pytest

from console.switch.queue_config import QueueConfig

from .conftest import connect_call
from .test_switch_login import token
from .test_switch_queues import queued

LIMIT = "limit queue_max_waiting_per_caller:"
QUEUES = (
    # carol is the only member and logs in when the test wants the queue served; max_waiting leaves room for
    # more than one caller's share, so only the per-caller share can refuse
    QueueConfig("150", "Fair", ("carol",), max_waiting=6),
)


@pytest.fixture
async def switch(start):
    return await start(queues=QUEUES)


def trip_lines(caplog, text: str = LIMIT) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


async def refused_busy(wire, number: str) -> None:
    call = (await wire.request("dial", number=number))["call"]["call"]
    assert (await wire.call(call, "DISCONNECTED"))["reason"] == "BUSY"


async def test_one_caller_gets_busy_past_its_share_while_other_callers_queue_and_are_answered(switch, clients, caplog):
    """alice's number waits twice (the default share); her third call gets BUSY with one log line. Another number
    of the same account (a second caller behind one account, as a gateway's or the practice callers') and bob
    still queue behind her, and carol answers bob while alice's two places are still held."""
    alice = await clients.login("alice", number="+4930555001")
    await queued(alice, "150")
    await queued(alice, "150")
    await refused_busy(alice, "150")
    lines = trip_lines(caplog)
    assert len(lines) == 1 and "+4930555001" in lines[0] and "alice" in lines[0] and "150" in lines[0], lines
    assert switch.exchange.trips.trips.get("queue_max_waiting_per_caller") == 1
    assert "queue_max_waiting" not in switch.exchange.trips.trips  # there was room: only alice's share was full
    await queued(await clients.login("alice", number="+4930555002"), "150")
    bob = await clients.login("bob")
    waiting = await queued(bob, "150")
    assert len(switch.exchange.queues["150"].waiting) == 4
    carol = await clients.login("carol")
    while True:  # the line is served in order: carol turns the places before bob's down until bob's comes
        offer = await carol.call(state="OFFERING")
        if offer["remote_number"] == "202":
            break
        await carol.request("decline", call=offer["call"])
    await carol.request("answer", call=offer["call"])
    assert (await bob.call(waiting, "CONNECTED"))["remote_number"] == "203"
    assert [e.caller.local_number for e in switch.exchange.queues["150"].waiting] == [
        "+4930555001", "+4930555001", "+4930555002"]
    assert len(trip_lines(caplog)) == 1


async def test_a_caller_transferred_in_past_its_share_comes_back_and_the_operators_next_transfer_queues(
        switch, clients):
    """The operator's transfers count against the caller transferred, never against the operator: alice's
    third place comes back to the operator (a recall, BUSY, as from a full queue: no caller is lost), and the
    operator's very next transfer, bob's, takes its place in the line."""
    op, alice, bob = await clients.login("operator"), await clients.login("alice"), await clients.login("bob")
    await queued(alice, "150")
    await queued(alice, "150")
    x, a = await connect_call(alice, op, "200")
    await op.request("blind_transfer", call=a, number="150")
    back = await op.call(state="OFFERING")
    assert (back["recall"]["target"], back["recall"]["reason"], back["remote_number"]) == ("150", "BUSY", "201")
    assert switch.exchange.legs[x].live
    await alice.request("disconnect", call=x)  # she gives up; the recall stops ringing at the operator
    await op.call(back["call"], "DISCONNECTED")
    y, b = await connect_call(bob, op, "200")
    await op.request("blind_transfer", call=b, number="150")
    await op.call(b, "DISCONNECTED")
    assert (await bob.call(y, "HOLDING"))["remote_number"] == "150"
    assert [e.caller.id for e in switch.exchange.queues["150"].waiting][-1] == y


async def test_call_me_visitors_are_told_apart_by_their_tokens(switch, clients):
    """A Call Me login has no user and no number: its token is the caller (as for ``max_sessions_per_user``).
    A replayed token is one caller however many sessions it opens; another visitor's token is another caller."""
    replayed = token(switch, name="a web page")
    wires = [await clients.open() for _ in range(3)]
    for wire in wires:
        await wire.request("login", auth="token", token=replayed)
    await queued(wires[0], "150")
    await queued(wires[1], "150")
    await refused_busy(wires[2], "150")
    visitor = await clients.open()
    await visitor.request("login", auth="token", token=token(switch, name="another visitor"))
    await queued(visitor, "150")


@pytest.mark.parametrize("value, message", [
    (0, "max_waiting_per_caller: must be 1 to 1000"),
    (1001, "max_waiting_per_caller: must be 1 to 1000"),
    ("2", "max_waiting_per_caller: must be int, not str"),
    (True, "max_waiting_per_caller: must be int, not bool"),
    (2.5, "max_waiting_per_caller: must be int, not float"),
])
def test_a_bad_share_per_caller_is_refused_naming_the_queue_and_the_key(value, message):
    from console.switch.config import ConfigError, parse_config
    queue = {"number": "100", "members": ["alice"], "max_waiting_per_caller": value}
    with pytest.raises(ConfigError) as error:
        parse_config({"switch": {"queues": [queue]}, "users": [{"username": "alice", "number": "201"}]}, "switch.toml")
    assert f"[switch.queues[0]] {message}" in str(error.value) and str(error.value).startswith("switch.toml: ")


def test_the_share_per_caller_defaults_to_2_and_is_read():
    from console.switch.config import parse_config
    users = [{"username": "alice", "number": "201"}]
    queues = [{"number": "100", "members": ["alice"]},
              {"number": "101", "members": ["alice"], "max_waiting_per_caller": 5}]
    config = parse_config({"switch": {"queues": queues}, "users": users})
    assert (config.queue("100").max_waiting_per_caller, config.queue("101").max_waiting_per_caller) == (2, 5)
