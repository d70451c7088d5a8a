"""A park recall carries the caller's name (review finding): the history entry and the call record of a recall
read "Recall 701: Alice", because the switch put that prefix into ``remote_name``. The recall is marked by
``recall_from`` (the card shows "↩ recall from 701"); the name is the caller's. The real switch, a real client,
the store with its history and call-record effects (signaling only)."""

from __future__ import annotations

from console.core.enums import CALL_STATES, LOGIN_STATES
from console.persist import AppDirs, CallHistory, CallRecords
from console.store import Controller, client_factory
from console.store.effects import RecordKeeper
from media_harness import store_until

S = CALL_STATES
TIMEOUT = 15.0


async def until(controller: Controller, predicate, what: str):
    return await store_until(controller, predicate, what, TIMEOUT)


async def test_a_park_recall_is_named_for_its_caller_in_the_history_and_the_record(make_switch, consoles, tmp_path):
    from console.switch.limits import Limits

    switch = await make_switch(ring_timeout=5.0, session_lifetime=1.0, limits=Limits(park_recall=0.3))
    dirs = AppDirs(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    operator = Controller(client_factory(device=None), history=CallHistory(dirs), media=False, linger=0.2)
    operator.store.subscribe(RecordKeeper(CallRecords(dirs), operator.error))
    alice = await consoles("alice", url=switch.url)
    try:
        operator.login(switch.url, "operator", "operator")
        await until(operator, lambda s: s.login.state is LOGIN_STATES.SUCCESS, "operator logged in")
        call = alice.dial("200")
        state = await until(operator, lambda s: any(c.ringing_in for c in s.calls), "the call rings")
        slot = next(c for c in state.calls if c.ringing_in).slot
        operator.answer(slot)
        await until(operator, lambda s: s.call_in(slot).state is S.CONNECTED, "answered")
        assert operator.desk.park(slot, "701")
        state = await until(operator, lambda s: any(c.ringing_in and c.recall_from for c in s.calls),
                            "the recall rings")
        recall = next(c for c in state.calls if c.ringing_in and c.recall_from)
        assert (recall.remote_number, recall.remote_name, recall.recall_from) == ("201", "Alice", "701")
        operator.answer(recall.slot)
        await alice.call_state(call, S.CONNECTED)
        call.disconnect()
        await until(operator, lambda s: (c := s.call_by_key(recall.key)) is None or c.ended, "the caller hung up")
        [record] = [r for r in CallRecords(dirs).load() if r.call == recall.key]
        assert (record.remote_name, record.recall) == ("Alice", "park")
        names = [(entry.number, entry.name) for entry in CallHistory(dirs).load()]
        assert ("201", "Alice") in names and not any("Recall" in name for _, name in names), names
    finally:
        await operator.aclose()
