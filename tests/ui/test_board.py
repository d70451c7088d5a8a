"""Every key acts on exactly what the operator sees (issue 10), against the real embedded switch."""

from __future__ import annotations

import asyncio

from console.core.enums import CALL_STATES, DISC_REASON
from console.store.state import CallKind, EndCause, HoldSide
from console.ui.screens import Confirm, LoginScreen
from console.ui.widgets import CallCard, CallQueue, HistoryPane, LoginStatus

from .conftest import far_end, make_console, operator_plan
from .test_operator import SIZE, dial, logged_in, slot_state

KEY_GAP = 0.05  # the operator's typing cadence (the burst: 50 ms between keys), not a wait for state


async def ring_in(switch, console, count: int) -> list[int]:
    """``count`` demo callers ring in, one after the other; their slots in arrival order."""
    slots = []
    for n in range(count):
        before = {c.key for c in console.store.state.calls}
        await switch.originate(f"70{n:02d}", f"Caller {n}", "200")
        state = await console.until(lambda s: any(c.key not in before and c.ringing_in for c in s.calls))
        slots.append(next(c.slot for c in state.calls if c.key not in before))
    return slots


def errors(state) -> list[str]:
    return [line.text for line in state.log if "not possible in state" in line.text or line.level == "error"]


async def test_a_burst_of_answers_holds_and_retrieves_acts_on_the_calls_it_names(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        slots = await ring_in(switch, console, 5)
        for _ in slots:  # five answers, 50 ms apart: each takes the next call ringing longest
            await pilot.press("a")
            await asyncio.sleep(KEY_GAP)
        state = await console.until(lambda s: all(s.call_in(n).ever_connected and s.call_in(n).pending is None
                                                  for n in slots))
        assert [s for s in slots if state.call_in(s).state is CALL_STATES.CONNECTED] == [slots[-1]]
        assert all(state.call_in(s).state is CALL_STATES.HELD for s in slots[:-1])
        assert state.focused == slots[-1]  # the selection followed every answer
        # Now retrieve each call in turn and hold it again, keys 50 ms apart.
        for slot in slots:
            for key in (str(slot), "u", "h"):
                await pilot.press(key)
                await asyncio.sleep(KEY_GAP)
        state = await console.until(lambda s: all(s.call_in(n).state is CALL_STATES.HELD
                                                  and s.call_in(n).pending is None for n in slots))
        assert errors(state) == []
        for slot in slots:  # each call was retrieved exactly once, by its own u
            retrieved = [line.text for line in state.log
                         if line.text.startswith(f"[{slot}] ") and "HELD -> CONNECTED" in line.text]
            assert len(retrieved) == 1, (slot, retrieved)
    await console.controller.aclose()


async def test_decline_never_touches_a_call_that_is_not_selected(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        talking = await dial(pilot, console, "9000")
        (ringing,) = await ring_in(switch, console, 1)
        await pilot.press(str(talking), "x")
        state = await console.until(lambda s: "not ringing" in s.last_error)
        assert state.call_in(ringing).state is CALL_STATES.OFFERING
        assert state.call_in(talking).state is CALL_STATES.CONNECTED
        await pilot.press(str(ringing), "x")
        state = await console.until(slot_state(ringing, CALL_STATES.DISCONNECTED))
        assert state.call_in(ringing).end_cause is EndCause.DECLINED_HERE
        await pilot.pause()
        text = str(console.app.screen.query_one(f"#slot-{ringing}", CallCard).render())
        assert "Declined" in text and "Hung up here" not in text
    await console.controller.aclose()


async def test_answer_says_which_call_it_took_and_selects_it(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        talking = await dial(pilot, console, "9000")
        first, second = await ring_in(switch, console, 2)
        await pilot.press(str(talking), "a")
        state = await console.until(slot_state(first, CALL_STATES.CONNECTED))
        assert state.focused == first
        assert any(f"answer [{first}]" in line.text and "ringing longest" in line.text for line in state.log)
        assert state.call_in(second).state is CALL_STATES.OFFERING
    await console.controller.aclose()


async def test_log_out_and_end_all_ask_first(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        talking = await dial(pilot, console, "9000")
        (ringing,) = await ring_in(switch, console, 1)
        await pilot.press("o")
        assert isinstance(console.app.screen, Confirm)
        await pilot.press("n")
        await pilot.pause()
        state = console.store.state
        assert state.login.logged_in and state.call_in(talking).state is CALL_STATES.CONNECTED
        assert state.call_in(ringing).ringing_in
        await pilot.press("E")
        assert isinstance(console.app.screen, Confirm)
        await pilot.press("escape")
        await pilot.press("E", "y")
        state = await console.until(lambda s: s.call_in(talking).ended and s.call_in(ringing).ended)
        assert state.call_in(ringing).end_cause is EndCause.DECLINED_HERE
        await pilot.press("o")  # no calls left: logs out at once
        await console.until(lambda s: not s.login.logged_in)
    await console.controller.aclose()


async def test_a_caller_who_gives_up_is_missed_and_in_the_history_with_call_back(switch, dirs):
    console = make_console(dirs, operator_plan(switch), linger=60.0)  # the ended card is read: it must not go yet
    alice = await far_end(switch, "alice")
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice.dial("200")
        state = await console.until(lambda s: bool(s.ringing_calls()))
        slot = state.ringing_calls()[0].slot
        alice.hangup(1)
        state = await console.until(slot_state(slot, CALL_STATES.DISCONNECTED))
        call = state.call_in(slot)
        assert call.end_cause is EndCause.CALLER_GAVE_UP and call.kind is CallKind.ABANDONED
        async with asyncio.timeout(10):  # the card repaints after the screen update that follows the state
            while not console.app.screen.query(f"#slot-{slot}"):
                await pilot.pause(0.05)
        text = str(console.app.screen.query_one(f"#slot-{slot}", CallCard).render())
        assert "caller hung up while ringing" in text and "completed normally" not in text
        await pilot.press("c")
        pane = console.app.screen.query_one(HistoryPane)
        assert pane.display and pane.row_count >= 1
        row = " ".join(str(cell) for cell in pane.get_row_at(0))
        assert "abandoned" in row and "201" in row
        await pilot.press("enter")  # call back
        await console.until(lambda s: any(c.remote_number == "201" and c.direction == "out" for c in s.calls))
    await console.controller.aclose()
    await alice.aclose()


async def test_auto_accept_rings_at_the_caller_on_arrival(switch, dirs):
    from console.persist import Config

    console = make_console(dirs, operator_plan(switch), config=Config(auto_accept=True))
    async with console.app.run_test(size=SIZE):
        await console.until(logged_in)
        (slot,) = await ring_in(switch, console, 1)
        await console.until(slot_state(slot, CALL_STATES.RINGING))
    await console.controller.aclose()


async def test_callers_refused_for_lack_of_slots_are_shown(switch, dirs):
    console = make_console(dirs, operator_plan(switch), max_slots=2)
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        await ring_in(switch, console, 2)
        await switch.originate("7099", "Third caller", "200")
        state = await console.until(lambda s: s.refused == 1)
        assert state.history[0].kind is CallKind.MISSED and state.history[0].number == "7099"
        assert "every slot is in use" in state.last_error
        await pilot.press("v")  # the queue view counts them
        await pilot.pause()
        assert "refused 1" in str(console.app.screen.query_one(CallQueue).render())
    await console.controller.aclose()


async def test_hold_time_and_both_held(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    bob = await far_end(switch, "bob")
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        slot = console.controller.dial("202")  # bob answers below
        bob_state = await until_ringing(bob)
        bob.answer(bob_state.ringing_calls()[0].slot)
        await console.until(slot_state(slot, CALL_STATES.CONNECTED))
        bob.hold(1)
        await console.until(slot_state(slot, CALL_STATES.HOLDING))
        await pilot.press("h")
        state = await console.until(slot_state(slot, CALL_STATES.HELD))
        call = state.call_in(slot)
        assert call.held_since is not None and call.held_since > call.connected_at
        await pilot.pause()
        text = str(console.app.screen.query_one(f"#slot-{slot}", CallCard).render())
        assert "held by both ends" in text
        bob.retrieve(1)  # the far end lets go while we hold: our state stays HELD, the card must follow
        await console.until(lambda s: s.call_in(slot).hold is HoldSide.OURS)
        await pilot.pause()
        text = str(console.app.screen.query_one(f"#slot-{slot}", CallCard).render())
        assert "held by both ends" not in text.lower() and "held by us" in text.lower(), text
        bob.hold(1)
        await console.until(lambda s: s.call_in(slot).hold is HoldSide.BOTH)
    await console.controller.aclose()
    await bob.aclose()


async def until_ringing(store):
    from .conftest import until

    return await until(store, lambda s: bool(s.ringing_calls()))
