"""Queues on the switchboard (issue 21): "pause/unpause a member; queue name, position and waiting time on the
card". The operator (200) and alice (201) share queue 100 on the real embedded switch; bob calls it."""

from __future__ import annotations

import pytest

from console.ui.widgets import CallCard

from .conftest import far_end, make_console, operator_plan, until
from .test_operator import logged_in
from .test_turned_away import status_line


@pytest.fixture
async def switch():
    from console.switch.demo import demo_config
    from console.switch.queue_config import QueueConfig
    from console.switch.server import Switch

    sw = await Switch.start(demo_config(port=0, media=False, queues=(
        QueueConfig("100", "Reception", ("operator", "alice")),)))
    try:
        yield sw
    finally:
        await sw.aclose()


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
