"""A busy board stays readable (issue 19 item 4 and item 9): thirty callers at 80x24 from the real switch told
apart, any slot in at most three keys, every state readable without colour, the hold-recall mark on the selected
row, and the log pane losing no character where it wraps a line."""

from __future__ import annotations

import re

import pytest

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


CALLERS = 30


async def thirty_callers(pilot, console, switch, answer: int = 10):
    """Thirty practice callers (the numbers and names `anynode-console practice` gives them) ring at the operator
    on the real switch; ``answer`` of them answered in turn (all but the last then on hold)."""
    from console.practice import plan_callers

    await console.until(logged_in)
    for caller in plan_callers(CALLERS):
        await switch.originate(caller.number, caller.name, "200")
    await console.until(lambda s: len(s.ringing_calls()) == CALLERS, timeout=60)
    for _ in range(answer):
        await pilot.press("a")
    state = await console.until(lambda s: sum(c.ever_connected and c.pending is None for c in s.calls) == answer,
                                timeout=60)
    await pilot.pause()
    await pilot.pause(0.2)
    return state


def queue_text(console) -> str:
    from console.ui.widgets import CallQueue

    return "\n".join(region_lines(console.app, console.app.screen.query_one(CallQueue)))


@pytest.mark.timeout(180)
async def test_thirty_callers_at_80x24_each_row_shows_a_distinct_number_and_the_name(switch, dirs):
    """Issue 19: "At 80x24 with 30 callers, each row shows the distinguishing number (full, or its tail when
    the prefix is shared) and the name; two columns only when nothing is cut"."""
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SMALL) as pilot:
        state = await thirty_callers(pilot, console, switch)
        text = queue_text(console)
        assert "more" not in text, text
        shown = {}
        for call in state.calls:
            rows = re.findall(rf"(?m)[▶! ]\s?{call.slot} [←→].(…?\+?\d+) {re.escape(call.remote_name)} ", text)
            assert len(rows) == 1, (call.slot, call.remote_name, text)
            number = rows[0].removeprefix("…")
            assert call.remote_number.endswith(number) and len(number) >= 3, (rows[0], call.remote_number)
            shown[call.slot] = rows[0]
        assert len(set(shown.values())) == CALLERS, "every row's number tells it apart"
        assert not re.search(r"…(?!\d)", text.split("\n", 1)[1]), "a … only stands for a number's shared prefix, never cuts a name"
        assert "+4930555…" in text.splitlines()[0], "the counters line names the prefix the rows leave out"
    await console.controller.aclose()


@pytest.mark.timeout(180)
async def test_slot_27_is_selected_in_three_keys_typed_at_once(switch, dirs):
    """Issue 19: "any slot reachable in at most three keys" (slot 27 used to take ] up to 21 times)."""
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SMALL) as pilot:
        await thirty_callers(pilot, console, switch, answer=1)
        await pilot.press("apostrophe", "2", "7")
        await console.until(lambda s: s.focused == 27)
        await pilot.press("apostrophe", "5")  # a slot that no second digit can extend is selected at once
        await console.until(lambda s: s.focused == 5)
        await pilot.press("apostrophe", "3", "enter")  # 3 could become 30: Enter says it is 3
        await console.until(lambda s: s.focused == 3)
        await pilot.press("apostrophe", "2", "9", "a")  # the keys after the slot act on it
        await console.until(lambda s: s.focused == 29 and s.call_in(29).ever_connected)
        await pilot.press("apostrophe", "1", "2")
        state = await console.until(lambda s: s.focused == 12)
        assert state.call_in(1) is not None, "no key went astray"
    await console.controller.aclose()
