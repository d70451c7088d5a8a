"""A busy board stays readable (issue 19 item 4 and item 9): thirty callers at 80x24 from the real switch told
apart, any slot in at most three keys, every state readable without colour, the hold-recall mark on the selected
row, and the log pane losing no character where it wraps a line."""

from __future__ import annotations

from console.ui.widgets import LogPane

from .conftest import make_console, operator_plan
from .test_operator import logged_in

SMALL = (80, 24)
PATH = "/home/operator/.local/share/anynode-console/recordings/20261206-200000-+4930555001.wav"


def screen_lines(app) -> list[str]:
    """What the terminal shows, one string per row (the compositor's cells, colour dropped)."""
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


def region_lines(app, widget) -> list[str]:
    region = widget.region
    return [line[region.x: region.right] for line in screen_lines(app)[region.y: region.bottom]]


async def test_a_long_log_line_wraps_without_losing_a_character_at_80x24(switch, dirs):
    """Issue 19: "the log pane drops characters where it wraps a line (a recording path shown wrong)"."""
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SMALL) as pilot:
        await console.until(logged_in)
        for n in range(12):  # more lines than the pane holds: its scroll bar shows
            console.controller.note(f"line {n}")
        console.controller.note(f"recording to {PATH} (stopped)")
        await pilot.press("l")
        await pilot.pause()
        await pilot.pause(0.2)
        pane = console.app.screen.query_one(LogPane)
        shown = "".join(line.strip() for line in region_lines(console.app, pane))
        assert PATH in shown, region_lines(console.app, pane)
        await pilot.resize_terminal(70, 24)  # narrower: the lines are wrapped again, not cut
        await pilot.pause()
        await pilot.pause(0.2)
        shown = "".join(line.strip() for line in region_lines(console.app, pane))
        assert PATH in shown, region_lines(console.app, pane)
    await console.controller.aclose()
