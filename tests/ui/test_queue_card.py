"""Queues on the switchboard (issue 21): "pause/unpause a member; queue name, position and waiting time on the
card". The operator (200) and alice (201) share queue 100 on the real embedded switch; bob calls it."""

from __future__ import annotations

import re

import pytest
from textual import events

from console.ui.widgets import CallCard
from demo_switch import running_switch
from store_wait import log_in_with_files, restarted

from .conftest import far_end, make_console, operator_plan, until
from .test_operator import logged_in
from .test_turned_away import status_line


@pytest.fixture
async def switch():
    from console.switch.queue_config import QueueConfig

    async with running_switch(queues=(QueueConfig("100", "Reception", ("operator", "alice")),)) as sw:
        yield sw


async def test_p_pauses_the_operator_in_its_queues_and_a_queued_call_shows_its_queue_and_wait(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    alice, bob = await far_end(switch, "alice"), await far_end(switch, "bob")
    try:
        async with console.app.run_test(size=(120, 40)) as pilot:
            await console.until(logged_in)
            await pilot.press("P")
            await console.until(lambda s: s.desk.queue_paused)
            for width in (80, 200):
                assert "PAUSED" in await status_line(console, pilot, width)
            assert switch.exchange.queues["100"].paused == {"200"}

            bob.dial("100")
            await until(alice, lambda s: bool(s.calls))  # offered to alice; not to the paused operator
            assert not console.store.state.calls
            await pilot.press("P")  # unpaused: the caller, still waiting, rings here too
            state = await console.until(lambda s: bool(s.calls) and not s.desk.queue_paused)
            assert "PAUSED" not in await status_line(console, pilot, 200)
            view = state.calls[0]
            assert (view.origin.queue, view.origin.queue_name, view.origin.queue_position) == ("100", "Reception", 1)
            await pilot.pause()
            card = next(c for c in console.app.screen.query(CallCard) if c.call is not None and c.call.key == view.key)
            shown = card.render().plain
            assert "≡ queue Reception (100) · #1" in shown and "◷ 00:0" in shown, shown
            (waiting,) = switch.exchange.queues["100"].waiting
            assert abs(view.started_wall - waiting.caller.began) < 0.1  # the wait counts from bob's dial, not the ring
    finally:
        for controller in (console.controller, alice, bob):
            await controller.aclose()


async def test_p_typed_fast_twice_pauses_then_unpauses(switch, dirs):
    """Found driving the switchboard: ``P P`` typed faster than the switch answers sent "pause" twice (each
    press read the pause the switch had not yet confirmed), so the operator stayed paused after pressing P an
    even number of times. README: "Keys are queued in the order they are typed"; ``P`` "pauses / unpauses
    this operator in its queues": each press toggles what the press before it asked for."""
    console = make_console(dirs, operator_plan(switch))
    try:
        async with console.app.run_test(size=(80, 24)) as pilot:
            await console.until(logged_in)
            typed_fast(console.app, "PPP")
            said = lambda s: [line.text for line in s.log if "paused in queue" in line.text]  # noqa: E731
            state = await console.until(lambda s: len(said(s)) == 3)
            assert said(state) == ["paused in queue 100", "unpaused in queue 100", "paused in queue 100"]
            assert state.desk.queue_paused and switch.exchange.queues["100"].paused == {"200"}
            typed_fast(console.app, "PP")
            state = await console.until(lambda s: len(said(s)) == 5)
            assert said(state)[3:] == ["unpaused in queue 100", "paused in queue 100"]
            assert state.desk.queue_paused and switch.exchange.queues["100"].paused == {"200"}
    finally:
        await console.controller.aclose()


def typed_fast(app, keys: str) -> None:
    """One read from the terminal: every key queued before the first is handled (so before the switch answers)."""
    for key in keys:
        event = events.Key(key, key)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_a_queued_call_on_the_queue_view_is_marked_as_the_queues(switch, dirs):
    """Found driving the switchboard at 80x24: on a busy board (the queue view) the caller the operator took
    from the shared queue read like any direct caller; the card said "≡ queue Reception (100) · #1", its row
    nothing. Issue 21: "queue name, position and waiting time on the card"; the row carries the card's ≡ mark
    (the queue view shows one mark per row: ⇄ ⧉ ● ⊘ come first), a direct caller's row none."""
    from .test_board_readable import queue_text

    console = make_console(dirs, operator_plan(switch))
    alice, bob, carol = [await far_end(switch, name) for name in ("alice", "bob", "carol")]
    try:
        async with console.app.run_test(size=(80, 24)) as pilot:
            await console.until(logged_in)
            bob.dial("100")
            await console.until(lambda s: bool(s.ringing_calls()))
            await pilot.press("a")
            await console.until(lambda s: any(c.ever_connected for c in s.calls))
            carol.dial("200")
            await console.until(lambda s: len(s.calls) == 2)
            await pilot.press("v")  # the queue view
            await pilot.pause()
            text = queue_text(console)
            assert re.search(r"\d ←≡202 Bob ", text) and re.search(r"\d ← 203 Carol ", text), text
    finally:
        for controller in (console.controller, alice, bob, carol):
            await controller.aclose()


async def test_a_pause_survives_a_crash_of_the_console(switch, dirs):
    """Found driving the switchboard: the operator paused (P), the console was killed and started again; the
    switch still had the operator paused (it keeps the pause by number), the new console said nothing of it
    and queue callers rang only elsewhere. README: P "pauses / unpauses this operator in its queues (the
    status line shows ⏸ PAUSED) ... set again at login, as DND is": the board file keeps it, the restored
    console shows it and says it again; an unpause is kept the same way."""
    first = await log_in_with_files(switch.url, dirs)
    assert first.desk.queues.toggle_pause()
    await until(first, lambda s: s.desk.queue_paused)
    await first.aclose()  # kill -9: no logout, the session lives on at the switch

    async with restarted(switch.url, dirs) as second:
        await until(second, lambda s: s.login.logged_in and s.desk.queue_paused)
        assert switch.exchange.queues["100"].paused == {"200"}
        assert second.desk.queues.toggle_pause()
        await until(second, lambda s: not s.desk.queue_paused)
    async with restarted(switch.url, dirs) as third:
        state = await until(third, lambda s: s.login.logged_in)
        assert not state.desk.queue_paused and switch.exchange.queues["100"].paused == set()


async def test_a_refused_pause_is_not_awaited_and_the_next_p_pauses(switch, dirs):
    """A refused pause (bob is no queue's member) left its request awaited: the next P toggled what the refused
    one asked for and sent an unpause. The refusal clears it at once, so once bob is made a member of the queue,
    his next P pauses him, as README says of P: "pauses / unpauses this operator in its queues"."""
    bob = await far_end(switch, "bob")
    try:
        assert bob.desk.queues.toggle_pause()
        await until(bob, lambda s: any("not a member" in line.text for line in s.log))
        queue = switch.exchange.queues["100"]
        queue.members = (*queue.members, ("bob", "202"))  # the switch's administrator adds bob
        assert bob.desk.queues.toggle_pause()
        await until(bob, lambda s: s.desk.queue_paused)
        assert queue.paused == {"202"}
    finally:
        await bob.aclose()
