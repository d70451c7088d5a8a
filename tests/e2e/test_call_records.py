"""Call records, their export and the statistics, against the real switch (issue 21: "CDR export matches the
history; statistics match a scripted scenario exactly").

The operator's console (a real client and store, with the history and the call-record effects) takes four
callers: one answered, one who gives up while it rings, one nobody answers (the switch's ring timer ends it)
and one answered and handed on by blind transfer to bob. The switch's own legs are the ground truth: each
record's reason is the reason the switch ended the operator's leg with, its start is no earlier than the
switch made the leg, and the transferred caller is bridged to bob at the switch.
"""

from __future__ import annotations

import csv
import io
import json
import time

import pytest

from console.cli import main
from console.core.enums import CALL_STATES, LOGIN_STATES
from console.integration.cdr import COLUMNS
from console.store.stats import figures
from console.persist import AppDirs, CallHistory, CallRecords, Outcome
from console.persist.records import unix
from console.store import Controller, client_factory
from console.store.effects import RecordKeeper
from media_harness import store_until

S = CALL_STATES
TIMEOUT = 15.0
RING_TIMEOUT = 1.0
RECALL = 0.5  # s: the transfer and park recall times of the recall test


async def until(controller: Controller, predicate, what: str):
    return await store_until(controller, predicate, what, TIMEOUT)


def ringing(state):
    return next((c for c in state.calls if c.state is S.OFFERING and not c.ended), None)


def switch_leg(switch, username: str, call_id: str):
    """The switch's leg ``call_id`` of ``username``'s session, live or recently ended."""
    for session in switch.exchange.sessions.values():
        if session.username == username:
            leg = session.legs.get(call_id) or session.recent.get(call_id)
            if leg is not None:
                return leg
    raise AssertionError(f"the switch has no leg {call_id} of {username}")


@pytest.fixture
async def scenario(switch, consoles, tmp_path):
    """Run the four calls (the switch rings for RING_TIMEOUT); hand back the switch, the data folder, the
    records, when the calls began and who the transferred caller is bridged to at the switch."""
    dirs = AppDirs(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    operator = Controller(client_factory(device=None), history=CallHistory(dirs), media=False, linger=0.2)
    operator.store.subscribe(RecordKeeper(CallRecords(dirs), operator.error))
    alice = await consoles("alice", url=switch.url)
    bob = await consoles("bob", url=switch.url)
    began = time.time()
    try:
        operator.login(switch.url, "operator", "operator")
        await until(operator, lambda s: s.login.state is LOGIN_STATES.SUCCESS, "operator logged in")
        ended = lambda n: lambda s: sum(item.number == "201" for item in s.history) >= n  # noqa: E731

        # 1. answered: alice calls, the operator answers, alice hangs up after a moment's talk
        call = alice.dial("200")
        state = await until(operator, ringing, "call 1 rings")
        operator.answer(ringing(state).slot)
        await alice.call_state(call, S.CONNECTED)
        call.disconnect()
        await until(operator, ended(1), "call 1 ends")

        # 2. abandoned: alice gives up while it rings
        call = alice.dial("200")
        await until(operator, ringing, "call 2 rings")
        call.disconnect()
        await until(operator, ended(2), "call 2 ends")

        # 3. missed: nobody answers; the switch's ring timer ends it
        alice.dial("200")
        await until(operator, ringing, "call 3 rings")
        await until(operator, ended(3), "call 3 times out")

        # 4. answered, then blind-transferred to bob, who answers
        call = alice.dial("200")
        state = await until(operator, ringing, "call 4 rings")
        slot = ringing(state).slot
        operator.answer(slot)
        await alice.call_state(call, S.CONNECTED)
        await until(operator, lambda s: s.call_in(slot) is not None and s.call_in(slot).state is S.CONNECTED,
                    "call 4 answered")
        assert operator.desk.blind_transfer("202", slot)
        incoming = await bob.next_incoming(TIMEOUT)
        incoming.answer()
        await bob.call_state(incoming, S.CONNECTED)
        await until(operator, ended(4), "call 4 handed on")
        records = CallRecords(dirs).load()
        caller_leg = switch_leg(switch, "alice", call.id)
        bridged_to = caller_leg.peer.owner.username if caller_leg.peer and caller_leg.peer.owner else None
        yield switch, dirs, records, began, bridged_to
    finally:
        await operator.aclose()


async def test_one_record_per_call_each_field_as_the_switch_saw_it(scenario):
    switch, dirs, records, began, bridged_to = scenario
    answered, abandoned, missed, transferred = records
    assert [r.outcome for r in records] == [Outcome.ANSWERED, Outcome.ABANDONED, Outcome.MISSED, Outcome.TRANSFERRED]
    for record in records:
        leg = switch_leg(switch, "operator", record.call_id)
        assert record.reason == leg.machine.reason.name, record  # the switch's reason for ending this leg
        assert record.start >= round(leg.began, 3) - 0.001 and record.start >= began - 0.001
        assert (record.direction, record.local_number, record.remote_number) == ("in", "200", "201")
        assert record.remote_name == leg.remote_name and record.end >= record.start
        assert record.queue == "" and record.recording == ""
    for record in (answered, transferred):
        assert record.start <= record.answer <= record.end
        assert abs(record.wait - (record.answer - record.start)) <= 0.051  # rounded to 0.1 s; times to 1 ms
        assert abs(record.talk - (record.end - record.answer)) <= 0.051
    for record in (abandoned, missed):
        assert record.answer is None and record.talk == 0.0
    assert missed.wait >= RING_TIMEOUT - 0.3  # it rang here until the switch's ring timer gave up
    assert (abandoned.cause, missed.cause) == ("caller_gave_up", "not_answered")
    assert (transferred.transfer_to, transferred.cause, bridged_to) == ("202", "transferred", "bob")


async def test_the_cdr_export_matches_the_history_exactly(scenario, capsys):
    """Issue 21: "CDR export matches the history"."""
    _, dirs, records, _, _ = scenario
    history = CallHistory(dirs).load()
    args = ["--config-dir", str(dirs.config_dir), "--data-dir", str(dirs.data_dir), "cdr"]
    assert main([*args, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert main([*args, "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == len(table) == len(history) == 4
    kinds = {"answered": "incoming", "transferred": "incoming", "abandoned": "abandoned", "missed": "missed"}
    for entry, row, line in zip(history, rows, table):
        assert (row["remote_number"], row["remote_name"], row["direction"]) == (entry.number, entry.name,
                                                                                 entry.direction)
        assert (row["talk"], row["reason"], row["cause"]) == (entry.duration, entry.reason, entry.cause)
        assert abs(unix(row["start"]) - entry.started) < 0.001  # the same moment, to the millisecond written
        assert (row["answer"] is not None) == entry.answered and kinds[row["outcome"]] == entry.kind
        assert {k: line[k] for k in COLUMNS} == {k: "" if row[k] is None else str(row[k]) for k in COLUMNS}


async def test_the_statistics_of_the_scenario_are_exact(scenario):
    _, _, records, _, _ = scenario
    got = figures(records, time.time(), service_level_s=20).total
    assert (got.offered, got.answered, got.abandoned, got.missed, got.outgoing) == (4, 2, 1, 1, 0)
    assert got.answered_in_time == 2 and figures(records, time.time()).service_level == 50.0



@pytest.mark.parametrize("handed", ["transfer", "park"])
async def test_a_recalled_callers_record_counts_the_whole_wait_from_when_they_first_rang_in(handed, make_switch,
                                                                                            consoles, tmp_path):
    """A caller handed on who comes back: a blind transfer to bob, who lets it ring past the operator's
    ``transfer_recall``, or a park past the switch's ``park_recall``; the operator answers the recall. Its record
    waits from when the caller first rang in (the switch's ``waiting_since``), not from when the recall rang
    here: at least from the moment the test saw the first ring to the moment it answered the recall
    (timestamps the test took), an interval that holds the whole recall time."""
    from console.switch.limits import Limits

    switch = await make_switch(ring_timeout=5.0, session_lifetime=1.0, limits=Limits(park_recall=RECALL))
    dirs = AppDirs(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    operator = Controller(client_factory(device=None), history=CallHistory(dirs), media=False, linger=0.2)
    operator.store.subscribe(RecordKeeper(CallRecords(dirs), operator.error))
    operator.desk.transfer_recall = RECALL
    alice = await consoles("alice", url=switch.url)
    bob = await consoles("bob", url=switch.url)
    try:
        operator.login(switch.url, "operator", "operator")
        await until(operator, lambda s: s.login.state is LOGIN_STATES.SUCCESS, "operator logged in")
        call = alice.dial("200")
        state = await until(operator, ringing, "the call rings")
        first_rang = time.time()  # the caller rang in no later than this
        slot = ringing(state).slot
        operator.answer(slot)
        await until(operator, lambda s: s.call_in(slot) is not None and s.call_in(slot).state is S.CONNECTED,
                    "answered")
        handed_on = time.time()
        if handed == "transfer":
            assert operator.desk.blind_transfer("202", slot)
            at_bob = await bob.next_incoming(TIMEOUT)  # bob lets it ring
        else:
            assert operator.desk.park(slot)
        state = await until(operator, lambda s: (c := ringing(s)) is not None and (
            c.recall_from or (c.origin is not None and c.origin.recall)), "the caller comes back")
        recall = ringing(state)
        answered = time.time()  # the recall is answered no earlier than this
        operator.answer(recall.slot)
        await alice.call_state(call, S.CONNECTED)
        await until(operator, lambda s: (c := s.call_by_key(recall.key)) is not None and c.state is S.CONNECTED,
                    "the recall answered")
        if handed == "transfer":
            await bob.call_state(at_bob, S.DISCONNECTED)
        call.disconnect()
        await until(operator, lambda s: (c := s.call_by_key(recall.key)) is None or c.ended, "the caller hung up")
        records = {r.call: r for r in CallRecords(dirs).load()}
        record = records[recall.key]
        assert record.outcome is Outcome.ANSWERED and record.answer is not None
        assert answered - handed_on >= RECALL - 0.05  # the recall time itself is in the interval measured
        assert record.wait >= answered - first_rang - 0.06, (record, answered - first_rang)  # rounded to 0.1 s
        assert abs(record.wait - (record.answer - record.start)) <= 0.051  # it starts when the caller rang in
        assert record.start <= first_rang + 0.001
        assert record.recall == handed  # one caller: the statistics count the recall as a recall, not a caller
        today = figures(records.values(), time.time())
        assert (today.total.offered, today.total.recalls) == (1, 1)
    finally:
        await operator.aclose()
