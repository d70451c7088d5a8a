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
