"""What the operator set is visible (issue 19, item 5): "DND and forwarding are on the status line at any
width; callers they turn away are in the history." The switch is the real embedded one; the callers are
its virtual callers, turned away by the switch's own routing."""

from __future__ import annotations

from console.persist import CallHistory
from console.store.state import CallKind, EndCause
from console.ui.widgets import HistoryPane, LoginStatus

from .conftest import make_console, operator_plan
from .test_operator import logged_in


async def status_line(console, pilot, width: int) -> str:
    await pilot.resize_terminal(width, 24)
    await pilot.pause()
    return str(console.app.screen.query_one(LoginStatus).render()).split("\n")[0]


async def test_dnd_and_forwarding_show_at_any_width_and_the_callers_they_turn_away_are_in_the_history(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    try:
        async with console.app.run_test(size=(80, 24)) as pilot:
            await console.until(logged_in)
            await pilot.press("n")  # do not disturb
            await console.until(lambda s: s.desk.dnd)
            for width in (80, 200):
                assert "DND" in await status_line(console, pilot, width)
            await switch.originate("5501", "Busy Caller", "200")
            state = await console.until(lambda s: any(i.number == "5501" for i in s.history))
            item = next(i for i in state.history if i.number == "5501")
            assert (item.kind, item.cause, item.name) == (CallKind.MISSED, EndCause.DND, "Busy Caller")
            assert not state.calls  # it never rang here

            await pilot.press("n")  # DND off, forwarding always to 201
            await console.until(lambda s: not s.desk.dnd)
            assert console.controller.desk.set_forwarding(always="201")
            await console.until(lambda s: "201" in s.desk.forwarding)
            for width in (80, 200):
                line = await status_line(console, pilot, width)
                assert "201" in line and "DND" not in line
            await switch.originate("5502", "Sent On", "200")
            state = await console.until(lambda s: any(i.number == "5502" for i in s.history))
            item = next(i for i in state.history if i.number == "5502")
            assert (item.kind, item.cause, item.to) == (CallKind.MISSED, EndCause.FORWARDED, "201")

            await pilot.press("c")  # the history pane says why
            await pilot.pause()
            pane = console.app.screen.query_one(HistoryPane)
            rows = [" ".join(str(cell) for cell in pane.get_row_at(i)) for i in range(pane.row_count)]
            assert any("5501" in row and "DND" in row for row in rows), rows
            assert any("5502" in row and "forwarded → 201" in row for row in rows), rows
    finally:
        await console.controller.aclose()
    saved = {entry.number: entry for entry in CallHistory(dirs).load()}
    assert saved["5501"].cause == "dnd" and saved["5502"].cause == "forwarded" and saved["5502"].to == "201"
