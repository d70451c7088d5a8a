"""The screen's update timer, ticking at the next frame after a pause (not the one after it).

Textual composes screen updates on a 60-per-second timer that is paused while nothing is dirty
and resumed when a widget asks for a repaint. Its ``Timer`` (Textual 8.x), when it wakes past a
slot it missed, skips to ``start + (int(elapsed / interval) + 2) * interval``: the slot after the
next one. A resumed screen timer ticks at once (its slot is long past), so the next repaint waits
16.7-33 ms instead of 0-16.7 ms. That is what a confirmed key ran into: the card shows
"holding…" at the resumed tick, the switch's answer is in the store a few milliseconds later, and
its screen update waited for the slot after next (the bench's ``hold_32`` timeline: answer in
the store 12 ms after the key, on screen 26 ms later, update itself 5-10 ms).

``FrameTimer`` is Textual's timer with that one step fixed: after a missed slot it waits for the
next slot on the same grid, so the frame rate stays at most Textual's. ``MainScreen`` uses it for
its updates (``install``). ``tests/ui/test_frame_timer.py`` fails if Textual's timer or the
screen's use of it change under it.
"""

from __future__ import annotations

from textual import _time
from textual.screen import UPDATE_PERIOD, Screen
from textual.timer import EventTargetGone, Timer

TIMER_NAME = "screen_update"  # Textual's name for the screen's update timer


def next_slot(start: float, interval: float, now: float) -> float:
    """The first slot of the grid ``start + k * interval`` (k >= 1) after ``now``."""
    return start + (max(0, int((now - start) / interval)) + 1) * interval


class FrameTimer(Timer):
    """A repeating timer whose late wake-ups wait for the next slot, not the slot after it."""

    async def _run(self) -> None:  # Textual's Timer._run (8.2), the skip step aside
        count = 0
        repeat = self._repeat
        interval = self._interval
        self._active  # noqa: B018 - created in this task's loop, as Textual's does
        await self._active.wait()
        start = _time.get_time()
        while repeat is None or count <= repeat:
            next_timer = start + (count + 1) * interval
            now = _time.get_time()
            if self._skip and next_timer < now:
                next_timer = next_slot(start, interval, now)
                count = round((next_timer - start) / interval) - 1
            await _time.sleep(max(0.0, next_timer - _time.get_time()))  # Textual's sleep (Windows, overhead)
            count += 1
            await self._active.wait()
            if self._reset:
                start = _time.get_time()
                count = 0
                self._reset = False
                continue
            try:
                await self._tick(next_timer=next_timer, count=count)
            except EventTargetGone:
                break


def install(screen: Screen) -> Timer:
    """Start ``screen``'s update timer as a ``FrameTimer`` (call before the screen's first repaint)."""
    timer = FrameTimer(screen, UPDATE_PERIOD, name=TIMER_NAME, callback=screen._on_timer_update, pause=True)
    timer._start()
    screen._timers.add(timer)
    return timer
