"""At 80x24 the help legend, the device picker, the history and the log pane are usable (issue 19 item 9: "at
80x24 the help legend is cut and the log pane, history and device picker are cramped (the picker does not show its
keys)"). Real embedded switch; assertions on what the terminal shows."""

from __future__ import annotations

import re

from console.core.enums import CALL_STATES
from console.ui.widgets import HistoryPane, LogPane

from .conftest import make_console, operator_plan
from .test_board_readable import SMALL, region_lines, screen_lines
from .test_operator import logged_in


async def test_the_help_legend_is_whole_at_80x24(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SMALL) as pilot:
        await console.until(logged_in)
        await pilot.press("f1")
        await pilot.pause()
        await pilot.press("end")  # the keys, then the legend: the box scrolls
        await pilot.pause(0.3)
        text = "\n".join(screen_lines(console.app))
        assert "Symbols" in text or "LOGIN_RESTORE_FAILED" in text, text
        for words in ("LOGIN_RESTORE_FAILED", "held by both", "conference of N", "declined", "overdue"):
            assert words in text, (words, text)
        assert not re.search(r"\w…", text), f"a legend entry is cut: {text}"
    await console.controller.aclose()


async def test_the_device_picker_shows_its_keys_and_its_status_at_80x24(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SMALL) as pilot:
        await console.until(logged_in)
        await pilot.press("f3")
        for _ in range(100):  # the devices are listed off the event loop
            await pilot.pause(0.1)
            if "found" in "\n".join(screen_lines(console.app)):
                break
        lines = screen_lines(console.app)
        assert any("found" in line for line in lines), "\n".join(lines)
        assert any("Microphone" in line for line in lines), "\n".join(lines)
        footer = lines[-1]
        assert "Save" in footer and "Test tone" in footer and "Close" in footer, footer
        await pilot.press("escape")
    await console.controller.aclose()


async def test_history_names_are_whole_and_the_focused_log_has_room_at_80x24(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SMALL) as pilot:
        await console.until(logged_in)
        for n in (1, 2, 3):
            await switch.originate(f"+4930555{n:03d}", f"Caller {n:02d}", "200")
        await console.until(lambda s: len(s.ringing_calls()) == 3)
        for slot in (1, 2, 3):
            await pilot.press(str(slot), "x")
        await console.until(lambda s: len(s.history) == 3)
        await pilot.press("c")
        await pilot.pause()
        await pilot.pause(0.2)
        pane = console.app.screen.query_one(HistoryPane)
        text = "\n".join(region_lines(console.app, pane))
        for n in (1, 2, 3):
            assert f"+4930555{n:03d} Caller {n:02d}" in text, text
        await pilot.press("escape", "l")
        await pilot.pause()
        await pilot.pause(0.2)
        log = console.app.screen.query_one(LogPane)
        assert log.has_focus and log.size.height >= 8, log.size
        await pilot.press("escape")
        await pilot.pause()
        assert log.size.height < 8, "Esc gives the board its room back"
        assert console.store.state.call_in(1) is None or console.store.state.call_in(1).state is CALL_STATES.DISCONNECTED
    await console.controller.aclose()


async def test_history_of_refused_and_missed_practice_callers_keeps_their_names_at_80x24():
    """Seen in tmux with 30 practice callers: with a "refused" row in the history every name read "Caller"."""
    from console.core.enums import DISC_REASON
    from console.store import LoginPlan
    from console.store import events as ev
    from console.store.state import CallKind, EndCause, HistoryItem

    from .scenes import SERVER, WALL, app_for, logged_in_store

    store = logged_in_store()
    items = tuple(HistoryItem(CallKind.MISSED, f"+4930555{n:03d}", f"Caller {n:02d}", WALL - n, 0.0,
                              DISC_REASON.BUSY if n % 2 else DISC_REASON.NOTRESPONDING,
                              EndCause.NO_FREE_SLOT if n % 2 else EndCause.NOT_ANSWERED) for n in range(1, 9))
    store.dispatch(ev.HistoryItemsLoaded(items))
    app = app_for(store, LoginPlan(server=SERVER, username="operator", embedded=True), "anynode-dark")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("c")
        await pilot.pause()
        await pilot.pause(0.2)
        text = "\n".join(region_lines(app, app.screen.query_one(HistoryPane)))
        for n in range(1, 9):
            assert f"+4930555{n:03d} Caller {n:02d}" in text, text
        assert "refused" in text and "no answer" in text, text
