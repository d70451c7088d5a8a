"""A repaint asked for right after a screen update comes at the next frame, not the one after it.

The board's screen composes its updates on a 60-per-second timer, paused while nothing is
dirty. A confirmed key repaints twice in quick succession: "holding…" at once (the resumed timer
ticks straight away), then HELD when the switch answers a few milliseconds later. Textual's own
timer (8.x) schedules that second repaint for the slot after the next one (16.7-33 ms); the
screen's ``FrameTimer`` (console/ui/frame_timer.py) for the next slot (0-16.7 ms).

The timer runs on a clock the test moves by hand (``textual._time.get_time``), so what is checked
is the slot it schedules, not how fast anything runs.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from textual import _time
from textual._context import active_app
from textual.screen import UPDATE_PERIOD

from console.ui.frame_timer import FrameTimer, next_slot
from console.ui.screens.main import MainScreen

from .conftest import make_console, operator_plan
from .test_operator import logged_in

FRAME = UPDATE_PERIOD


class _Target:
    """What the timer is for (it keeps a weak reference); its callback is observed instead."""


def test_next_slot_is_the_first_grid_point_after_now():
    assert next_slot(0.0, 1.0, 10.5) == 11.0
    assert next_slot(0.0, 1.0, 10.0) == 11.0
    assert next_slot(5.0, 0.5, 4.0) == 5.5  # before the grid's start: its first slot


async def _second_repaint_slot(timer_class, monkeypatch) -> tuple[float, float]:
    """Resume a paused timer of ``timer_class`` long after its last tick (it ticks at once, as the
    screen's does for "holding…"), then again just after (the switch's answer): the clock reading
    at that second resume and the slot of the tick it got."""
    clock = SimpleNamespace(now=1000.0)
    monkeypatch.setattr(_time, "get_time", lambda: clock.now)
    ticks: list[float] = []
    ticked = asyncio.Event()
    timer = None

    async def tick(*, next_timer: float, count: int) -> None:  # what the screen does: repaint, pause
        ticks.append(next_timer)
        timer.pause()
        ticked.set()

    token = active_app.set(SimpleNamespace(_exit=False))
    try:
        target = _Target()
        timer = timer_class(target, FRAME, name="screen_update", pause=True)
        timer._tick = tick  # noqa: SLF001 - the timer's one call out, observed
        timer._start()  # noqa: SLF001
        try:
            for resume_at in (clock.now, clock.now + 10.5 * FRAME, clock.now + 10.6 * FRAME):
                clock.now = resume_at
                ticked.clear()
                timer.resume()
                await asyncio.wait_for(ticked.wait(), 10)
            return clock.now, ticks[-1]
        finally:
            timer.stop()
    finally:
        active_app.reset(token)


@pytest.mark.timeout(60)
async def test_a_repaint_asked_for_right_after_a_screen_update_comes_at_the_next_frame(switch, dirs, monkeypatch):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=(120, 40)) as pilot:
        await console.until(logged_in)
        await pilot.pause()
        screen = console.app.screen
        assert isinstance(screen, MainScreen)
        timer_class = type(screen._update_timer)  # noqa: SLF001 - the timer the screen repaints on
        assert screen._Screen__update_timer is None, "Textual made its own update timer beside ours"  # noqa: SLF001
    await console.controller.aclose()

    resumed, slot = await _second_repaint_slot(timer_class, monkeypatch)
    assert resumed < slot <= resumed + FRAME * 1.001, (
        f"the repaint asked for at {resumed:.4f} was scheduled for {slot:.4f}: "
        f"{(slot - resumed) / FRAME:.2f} frames later, not within the next one")


async def test_the_frame_timer_stays_on_textuals_grid_of_frames(monkeypatch):
    """The repaint after the one at once waits for a slot of the timer's grid (at most one per frame)."""
    resumed, slot = await _second_repaint_slot(FrameTimer, monkeypatch)
    assert slot == pytest.approx(next_slot(1000.0, FRAME, 1000.0 + 10.5 * FRAME))
    assert slot > resumed
