"""Thirty callers at once at 80x24: the queue view shows every one of them (real embedded switch)."""

from __future__ import annotations

import pytest

from console.ui.widgets import CallQueue

from .conftest import make_console, operator_plan
from .test_operator import logged_in

CALLERS = 30


@pytest.mark.timeout(180)
async def test_thirty_concurrent_calls_all_show_in_the_queue_view_at_80x24(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=(80, 24)) as pilot:
        await console.until(logged_in)
        for n in range(CALLERS):
            await switch.originate(f"55{n:02d}", f"Caller {n}", "200")
        await console.until(lambda s: len(s.ringing_calls()) == CALLERS, timeout=60)
        for _ in range(10):  # answer ten and hold them: a mix of ringing and held calls
            await pilot.press("a")
        state = await console.until(lambda s: sum(c.ever_connected and c.pending is None for c in s.calls) == 10,
                                    timeout=60)
        await pilot.pause()
        queue = console.app.screen.query_one(CallQueue)
        assert queue.display, "thirty calls do not fit as cards at 80x24: the queue view takes over"
        assert queue.region.bottom <= 24
        text = str(queue.render())
        assert "ringing 20" in text and "held 9" in text and "connected 1" in text, text.splitlines()[0]
        assert "more" not in text
        for call in state.calls:
            assert call.remote_number in text, call.remote_number
        lines = text.splitlines()
        assert len(lines) <= queue.size.height
        # Ringing calls first, longest waiting first.
        first_ringing = min((c for c in state.calls if c.ringing_in), key=lambda c: c.created_at)
        assert first_ringing.remote_number in lines[1][: queue.size.width // 2]
    await console.controller.aclose()
