"""Restores keep slots and durations; a server restart never leaves a card "Connected"."""

from __future__ import annotations

import pytest

from console.core.enums import CALL_STATES, LOGIN_STATES
from console.store.state import EndCause
from console.ui.widgets import CallCard

from .conftest import make_console, operator_plan
from .test_operator import SIZE, dial, logged_in, slot_state


async def test_a_restore_keeps_slots_and_durations(switch, dirs):
    clock = [1000.0]
    first = make_console(dirs, operator_plan(switch), linger=0.1, clock=lambda: clock[0], wall=lambda: clock[0] + 1.7e9)
    async with first.app.run_test(size=SIZE) as pilot:
        await first.until(logged_in)
        slots = [await dial(pilot, first, "9000") for _ in range(5)]
        for slot in (slots[1], slots[3]):
            await pilot.press(str(slot), "e")
            await first.until(lambda s, slot=slot: s.call_in(slot) is None)
        kept = {s.call_id: s.slot for s in first.store.state.calls}
        assert sorted(kept.values()) == [1, 3, 5]
    await first.controller.aclose()

    clock[0] += 90.0  # the console was away for a minute and a half
    second = make_console(dirs, operator_plan(switch, auto_login=False, password=""), clock=lambda: clock[0], wall=lambda: clock[0] + 1.7e9)
    async with second.app.run_test(size=SIZE) as pilot:
        state = await second.until(lambda s: logged_in(s) and len(s.calls) == 3)
        assert {c.call_id: c.slot for c in state.calls} == kept
        for call in state.calls:
            assert call.duration(clock[0]) >= 90.0  # durations go on, not from 00:00
        assert not [line.text for line in state.log if "wrong_state" in line.text]
    await second.controller.aclose()


async def crash_and_restart(switch, console, pilot):
    from console.switch.demo import demo_config
    from console.switch.server import Switch

    port = int(switch.url.rsplit(":", 1)[1])
    await switch.drop_connections()  # a crash: no goodbye to the console
    await switch.aclose()
    return await Switch.start(demo_config(port=port, media=False))


async def test_after_a_server_restart_a_new_call_can_be_made_and_ended(dirs):
    from console.switch.demo import demo_config
    from console.switch.server import Switch

    switch = await Switch.start(demo_config(port=0, media=False))
    console = make_console(dirs, operator_plan(switch))
    try:
        async with console.app.run_test(size=SIZE) as pilot:
            await console.until(logged_in)
            await dial(pilot, console, "9000")
            switch = await crash_and_restart(switch, console, pilot)
            await console.until(lambda s: s.login.state is LOGIN_STATES.LOGIN_RESTORE_FAILED, timeout=30)
            await console.until(logged_in, timeout=30)
            new = await dial(pilot, console, "9000")
            await pilot.press(str(new), "e")
            await console.until(lambda s: s.call_in(new) is None or s.call_in(new).ended)
            assert not [line.text for line in console.store.state.log if "unknown_call" in line.text]
    finally:
        await console.controller.aclose()
        await switch.aclose()


async def test_after_a_server_restart_the_old_cards_end_with_the_reason(dirs):
    from console.switch.demo import demo_config
    from console.switch.server import Switch

    switch = await Switch.start(demo_config(port=0, media=False))
    console = make_console(dirs, operator_plan(switch))
    try:
        async with console.app.run_test(size=SIZE) as pilot:
            await console.until(logged_in)
            slot = await dial(pilot, console, "9000")
            switch = await crash_and_restart(switch, console, pilot)
            state = await console.until(lambda s: s.call_in(slot) is not None and s.call_in(slot).ended, timeout=30)
            call = state.call_in(slot)
            assert call.end_cause is EndCause.SERVER_LOST, call
            await pilot.pause()
            card = console.app.screen.query(f"#slot-{slot}").results(CallCard)
            for widget in card:
                assert "Connected" not in str(widget.render()).splitlines()[0]
            await console.until(logged_in, timeout=30)  # the embedded plan logs in afresh
    finally:
        await console.controller.aclose()
        await switch.aclose()


async def test_do_not_disturb_and_forwarding_survive_a_server_restart(dirs):
    """The switch keeps them in memory; the console sets them again at its fresh login, so what its status
    line shows is what the restarted switch does (a second console sees the operator's lamp as DND)."""
    from console.core.directory import PresenceState
    from console.switch.demo import demo_config
    from console.switch.server import Switch

    from .conftest import far_end, until

    switch = await Switch.start(demo_config(port=0, media=False))
    console = make_console(dirs, operator_plan(switch))
    watcher = None
    try:
        async with console.app.run_test(size=SIZE) as pilot:
            await console.until(logged_in)
            await pilot.press("n")  # do not disturb
            await console.until(lambda s: s.desk.dnd)
            assert console.controller.desk.set_forwarding(busy="201")
            await console.until(lambda s: "201" in s.desk.forwarding)
            switch = await crash_and_restart(switch, console, pilot)
            await console.until(lambda s: s.login.state is LOGIN_STATES.LOGIN_RESTORE_FAILED, timeout=30)
            await console.until(logged_in, timeout=30)
            watcher = await far_end(switch, "alice")
            await until(watcher, lambda s: s.desk.presence_of("200") is PresenceState.DND, timeout=10)
            assert console.store.state.desk.dnd and "201" in console.store.state.desk.forwarding
            await switch.originate("5500", "Caller", "200")  # DND answers busy, and busy forwards to 201
            await until(watcher, lambda s: any(c.ringing_in and c.remote_number == "5500" for c in s.calls))
            assert not console.store.state.ringing_calls()
    finally:
        if watcher is not None:
            await watcher.aclose()
        await console.controller.aclose()
        await switch.aclose()


async def test_do_not_disturb_stays_with_the_number_that_set_it(switch, dirs):
    """The operator sets DND, logs out, and alice logs in at the same console: alice is not put on DND,
    and the status line no longer shows it."""
    from console.core.directory import PresenceState

    from .conftest import far_end, until

    console = make_console(dirs, operator_plan(switch))
    watcher = None
    try:
        async with console.app.run_test(size=SIZE) as pilot:
            await console.until(logged_in)
            await pilot.press("n")
            await console.until(lambda s: s.desk.dnd)
            console.controller.logout()
            await console.until(lambda s: s.login.state is LOGIN_STATES.LOGGED_OUT_EXPLICIT)
            console.controller.login(switch.url, "alice", "alice")
            await console.until(lambda s: logged_in(s) and s.login.number == "201")
            await console.until(lambda s: not s.desk.dnd)
            watcher = await far_end(switch, "bob")
            await until(watcher, lambda s: s.desk.presence_of("201") is PresenceState.AVAILABLE)
    finally:
        if watcher is not None:
            await watcher.aclose()
        await console.controller.aclose()
