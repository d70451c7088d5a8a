"""The history is in time order (issue 19, item 9: "history is not in time order"): newest first by when
the call began (the pane's "when" column), in the pane and when history.json is read back at start."""

from __future__ import annotations

from console.ui.widgets import HistoryPane

from .conftest import make_console, operator_plan
from .test_operator import SIZE, dial, logged_in


def when_order(items) -> list[str]:
    return [item.number for item in items]


async def test_the_history_pane_is_newest_first_by_start_time_and_so_is_history_json(switch, dirs):
    clock = [1000.0]
    wall = lambda: clock[0] + 1.7e9  # noqa: E731
    console = make_console(dirs, operator_plan(switch), linger=0.1, clock=lambda: clock[0], wall=wall)
    try:
        async with console.app.run_test(size=SIZE) as pilot:
            await console.until(logged_in)
            first = await dial(pilot, console, "9000")  # a long call: begins first, ends last
            clock[0] += 60
            second = await dial(pilot, console, "9001")  # a short one, begun a minute later
            clock[0] += 10
            await pilot.press(str(second), "e")
            await console.until(lambda s: len(s.history) == 1)
            clock[0] += 300
            await pilot.press(str(first), "e")
            state = await console.until(lambda s: len(s.history) == 2)
            assert when_order(state.history) == ["9001", "9000"]
            await pilot.press("c")  # the history pane
            pane = console.app.screen.query_one(HistoryPane)
            await pilot.pause()
            assert [str(pane.get_row_at(i)[2]).split()[0] for i in range(pane.row_count)] == ["9001", "9000"]
    finally:
        await console.controller.aclose()

    again = make_console(dirs, operator_plan(switch, auto_login=False), clock=lambda: clock[0], wall=wall)
    assert when_order(again.store.state.history) == ["9001", "9000"]  # history.json read in the same order
