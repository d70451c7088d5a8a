"""Issue 19 item 9: "`E` (end every call) is confirmed by Enter; error banners stay after a later success"."""

from __future__ import annotations

from console.core.enums import CALL_STATES
from console.ui.screens import Confirm
from console.ui.widgets import LoginStatus

from .conftest import make_console, operator_plan
from .test_operator import SIZE, dial, logged_in


async def test_e_then_enter_ends_nothing_e_then_y_ends_every_call(switch, dirs):
    """`E` ends every call only on an explicit `y`: an Enter pressed once too often keeps every call."""
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        first = await dial(pilot, console, "9000")
        second = await dial(pilot, console, "9001")
        await pilot.press("E")
        assert isinstance(console.app.screen, Confirm)
        await pilot.press("enter")
        await console.until(lambda s: any("end all cancelled" in line.text for line in s.log))
        state = console.store.state
        assert state.call_in(first).state is CALL_STATES.HELD and state.call_in(second).state is CALL_STATES.CONNECTED
        await pilot.press("E", "y")
        await console.until(lambda s: s.call_in(first).ended and s.call_in(second).ended)
    await console.controller.aclose()


async def test_a_later_success_clears_the_error_banner(switch, dirs):
    """An error on the status line goes once the operator's next request succeeds (here: mute, then C)."""
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        await dial(pilot, console, "9000")
        await pilot.press("K")  # not in a conference: an error
        await console.until(lambda s: "not in a conference" in s.last_error)
        await pilot.pause()
        assert "not in a conference" in str(console.app.screen.query_one(LoginStatus).render())
        await pilot.press("M")  # mute: it works
        await console.until(lambda s: s.focused_call is not None and s.focused_call.muted)
        state = await console.until(lambda s: not s.last_error)
        await pilot.pause()
        assert "not in a conference" not in str(console.app.screen.query_one(LoginStatus).render())
        assert any("not in a conference" in line.text for line in state.log), "the log keeps the error"
    await console.controller.aclose()


async def test_o_then_enter_keeps_the_calls_o_then_y_logs_out(switch, dirs):
    """Logging out with calls up ends them (the same risk as `E`): only an explicit `y` does it, Enter keeps them."""
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        talking = await dial(pilot, console, "9000")
        await pilot.press("o")
        assert isinstance(console.app.screen, Confirm)
        await pilot.press("enter")
        await console.until(lambda s: any("log out cancelled" in line.text for line in s.log))
        state = console.store.state
        assert state.login.logged_in and state.call_in(talking).state is CALL_STATES.CONNECTED
        await pilot.press("o", "y")
        await console.until(lambda s: not s.login.logged_in)
    await console.controller.aclose()
