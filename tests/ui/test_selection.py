"""Only the operator moves the selection (issue 19, item 2): an operator journey against the real switch."""

from __future__ import annotations

from console.core.enums import CALL_STATES

from .conftest import far_end, make_console, operator_plan, until
from .test_board import ring_in
from .test_operator import SIZE, logged_in, slot_state


def operator_leg(switch, call_id: str):
    """The switch's own leg for the operator's call ``call_id`` (None once the switch has let it go)."""
    for session in switch.exchange.sessions.values():
        if session.username == "operator" and call_id in session.legs:
            return session.legs[call_id]
    return None


async def test_the_far_end_hangs_up_the_selected_call_and_e_touches_no_other_caller(switch, dirs):
    """Issue 19: "Only the operator moves the selection. When the selected call ends, the selection stays on it
    (ended) or on nothing; keys that need a live call then say "no call selected". It never lands on another
    live call by itself."

    A caller waits on hold in slot 1; the operator talks to alice in slot 2 (selected); alice hangs up; the
    operator waits past the linger and presses ``e`` (meaning alice's call): the waiting caller is still up at
    the switch, and the console says no call is selected."""
    console = make_console(dirs, operator_plan(switch), linger=0.5)
    alice = await far_end(switch, "alice")
    try:
        async with console.app.run_test(size=SIZE) as pilot:
            await console.until(logged_in)
            (waiting,) = await ring_in(switch, console, 1)
            await pilot.press(str(waiting), "a")
            await console.until(slot_state(waiting, CALL_STATES.CONNECTED))
            await pilot.press("h")
            state = await console.until(slot_state(waiting, CALL_STATES.HELD))
            waiting_id = state.call_in(waiting).call_id

            await pilot.press("d", *"201", "enter")
            await until(alice, lambda s: bool(s.ringing_calls()))
            alice.answer()
            state = await console.until(lambda s: any(c.slot != waiting and c.state is CALL_STATES.CONNECTED
                                                      for c in s.calls))
            talking = next(c.slot for c in state.calls if c.slot != waiting)
            assert state.focused == talking

            await until(alice, lambda s: any(c.state is CALL_STATES.CONNECTED for c in s.calls))
            alice.hangup()  # the far end hangs up the selected call
            state = await console.until(slot_state(talking, CALL_STATES.DISCONNECTED))
            assert state.focused == talking  # the selection stays on the ended call
            await console.until(lambda s: s.call_in(talking) is None)  # past the linger: its slot is free
            await pilot.pause()
            assert console.store.state.focused != waiting, "the selection moved to the waiting caller by itself"

            await pilot.press("e")  # the operator meant alice's call
            await console.until(lambda s: "no call selected" in s.last_error)
            await pilot.pause()
            state = console.store.state
            assert state.call_in(waiting).state is CALL_STATES.HELD
            leg = operator_leg(switch, waiting_id)
            assert leg is not None and leg.state is CALL_STATES.HELD, "the waiting caller was hung up"
            assert leg.peer is not None and leg.peer.live, "the waiting caller's own leg went down"
    finally:
        await alice.aclose()
        await console.controller.aclose()


async def test_an_incoming_call_does_not_take_the_selection_of_an_ended_call(switch, dirs):
    """The selected call ended (its card still shows it); a new caller rings: the selection stays where the
    operator left it, so the next key is not for the newcomer."""
    console = make_console(dirs, operator_plan(switch), linger=30.0)
    alice = await far_end(switch, "alice")
    try:
        async with console.app.run_test(size=SIZE) as pilot:
            await console.until(logged_in)
            await pilot.press("d", *"201", "enter")
            await until(alice, lambda s: bool(s.ringing_calls()))
            alice.answer()
            state = await console.until(lambda s: any(c.state is CALL_STATES.CONNECTED for c in s.calls))
            talking = state.focused
            await until(alice, lambda s: any(c.state is CALL_STATES.CONNECTED for c in s.calls))
            alice.hangup()
            await console.until(slot_state(talking, CALL_STATES.DISCONNECTED))
            (newcomer,) = await ring_in(switch, console, 1)
            assert console.store.state.focused == talking
            await pilot.press("e")
            await console.until(lambda s: "hang up" in s.last_error)
            await pilot.pause()
            assert console.store.state.call_in(newcomer).ringing_in
    finally:
        await alice.aclose()
        await console.controller.aclose()


async def test_a_restart_brings_back_the_selection_mute_and_hold_time(switch, dirs):
    """Issue 19: "After a restart the selection is slot 1, not the call that was selected" (the bug); now the
    selection, mute and the hold time come back, and the next key acts on the call the operator had selected."""
    from console.ui.widgets import CallCard

    from .test_operator import dial

    clock = [1000.0]
    first = make_console(dirs, operator_plan(switch), clock=lambda: clock[0], wall=lambda: clock[0] + 1.7e9)
    async with first.app.run_test(size=SIZE) as pilot:
        await first.until(logged_in)
        held = await dial(pilot, first, "9000")
        muted = await dial(pilot, first, "9001")  # dialling holds the first call
        await first.until(slot_state(held, CALL_STATES.HELD))
        await pilot.press("M")
        await first.until(lambda s: s.call_in(muted).muted)
        await pilot.press(str(held))  # the operator selects the waiting caller
        state = await first.until(lambda s: s.focused == held)
        held_id = state.call_in(held).call_id
    await first.controller.aclose()  # no logout: as if killed

    clock[0] += 90.0
    second = make_console(dirs, operator_plan(switch, auto_login=False, password=""), clock=lambda: clock[0],
                          wall=lambda: clock[0] + 1.7e9)
    async with second.app.run_test(size=SIZE) as pilot:
        state = await second.until(lambda s: logged_in(s) and len(s.calls) == 2 and s.focused is not None
                                   and s.call_in(muted) is not None and s.call_in(muted).muted)
        assert state.focused_call.call_id == held_id and state.focused == held
        assert state.call_in(muted).muted and second.controller.calls.get(state.call_in(muted).key).is_muted()
        assert state.call_in(held).on_hold_for(clock[0]) >= 90.0  # not 00:00: hold recall goes on
        await pilot.pause()
        assert "MUTED" in str(second.app.screen.query_one(f"#slot-{muted}", CallCard).border_title)
        await pilot.press("u")  # the selected call: the waiting caller
        await second.until(slot_state(held, CALL_STATES.CONNECTED))
    await second.controller.aclose()
