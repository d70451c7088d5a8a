"""A busy board stays readable (issue 19 item 4 and item 9): thirty callers at 80x24 from the real switch told
apart, any slot in at most three keys, every state readable without colour, the hold-recall mark on the selected
row, and the log pane losing no character where it wraps a line."""

from __future__ import annotations

import asyncio
import re

import pytest
from rich.style import Style

from console.core.enums import CALL_STATES
from console.persist import Config

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


ROW = re.compile(r"([▶! ])\s?(\d+) ([←→])(.)(…?\+?\d+) (Caller \d\d) +(\S.*?) +(\d+:\d\d)")


def rows_by_slot(text: str) -> dict[int, re.Match]:
    """Each queue row (either column), by slot: mark, slot, direction, feature, number, name, state, time."""
    return {int(m.group(2)): m for m in ROW.finditer(text)}


def shift_clock(console, seconds: float) -> None:
    """The board's clock runs ``seconds`` ahead of the store's (a hold is that much older on screen)."""
    clock = console.controller.clock
    console.app.clock = lambda: clock() + seconds


@pytest.mark.timeout(180)
async def test_ringing_held_connected_and_overdue_rows_read_apart_without_colour(switch, dirs, monkeypatch):
    """Issue 19: "ringing, held, connected and recall rows distinguishable without colour (NO_COLOR,
    TERM=vt100)"; "the hold-recall `!` is hidden on the selected row, silent and colourless"."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "vt100")
    console = make_console(dirs, operator_plan(switch), config=Config(hold_recall=60))
    async with console.app.run_test(size=SMALL) as pilot:
        assert console.app.no_color
        state = await thirty_callers(pilot, console, switch)
        rows = rows_by_slot(queue_text(console))
        ringing = next(c.slot for c in state.calls if c.ringing_in)
        held = next(c.slot for c in state.calls if c.state is CALL_STATES.HELD)
        connected = next(c.slot for c in state.calls if c.state is CALL_STATES.CONNECTED)
        words = {name: rows[slot].group(7) for name, slot in
                 (("ringing", ringing), ("held", held), ("connected", connected))}
        assert len(set(words.values())) == 3, words
        assert all(re.search(r"[a-z]{4}", word) for word in words.values()), f"a word per state, not a glyph only: {words}"
        await pilot.press("apostrophe", *str(held))
        shift_clock(console, 120)  # every hold is now past hold_recall
        await console.until(lambda s: s.focused == held)
        text = await screen_until(pilot, console, lambda text: "overdue" in text)
        rows = rows_by_slot(text)
        selected, other = rows[held], next(rows[c.slot] for c in state.calls
                                           if c.state is CALL_STATES.HELD and c.slot != held)
        assert selected.group(1) == "▶" and selected.group(7).startswith("! overdue"), selected.group(0)
        assert other.group(1) == "!" and other.group(7).startswith("! overdue"), other.group(0)
        assert words["held"] not in (selected.group(7), words["ringing"], words["connected"])
    await console.controller.aclose()


async def screen_until(pilot, console, predicate, timeout: float = 10.0) -> str:
    """The queue's text once ``predicate`` holds for it (the clock ticks twice a second)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        text = queue_text(console)
        if predicate(text):
            return text
        assert asyncio.get_running_loop().time() < deadline, text
        await pilot.pause(0.1)


async def test_a_hold_past_hold_recall_is_marked_in_colour_on_the_selected_row_and_rings_once(switch, dirs):
    """Issue 19: "Hold recall: the `!` shows on the selected row too, with colour where colour is on, a word
    without colour, and a bell once when a call passes hold_recall"."""
    from console.ui.widgets import CallQueue

    console = make_console(dirs, operator_plan(switch), config=Config(hold_recall=60))
    async with console.app.run_test(size=SMALL) as pilot:
        await console.until(logged_in)
        bells = []
        console.app.bell = lambda: bells.append(console.app.clock())
        for n in (1, 2):
            await switch.originate(f"+4930555{n:03d}", f"Caller {n:02d}", "200")
        await console.until(lambda s: len(s.ringing_calls()) == 2)
        await pilot.press("a", "a")  # slot 1 answered then held by the second answer
        await console.until(lambda s: s.call_in(1).state is CALL_STATES.HELD and s.call_in(2).state is CALL_STATES.CONNECTED)
        await pilot.press("v", "1")  # the queue view; slot 1 selected
        await console.until(lambda s: s.focused == 1)
        await pilot.pause(1.2)
        bells.clear()  # the ringing bells
        shift_clock(console, 120)
        text = await screen_until(pilot, console, lambda text: "overdue" in text)
        row = rows_by_slot(text)[1]
        assert row.group(1) == "▶" and row.group(7).startswith("! overdue"), row.group(0)
        queue = console.app.screen.query_one(CallQueue)
        rendered = queue.render()
        at = rendered.plain.index("! overdue")
        colours = [span.style for span in rendered.spans if span.start <= at < span.end]
        assert any(Style.parse(str(style)).color is not None for style in colours), colours
        await pilot.pause(1.2)  # two more ticks with the call still overdue
        assert len(bells) == 1, bells
    await console.controller.aclose()
