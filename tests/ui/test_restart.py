"""The console survives its own restart: quit mid-call without logging out, start again, find the call."""

from __future__ import annotations

from console.core.enums import CALL_STATES, LOGIN_STATES
from console.ui.screens import LoginScreen
from console.ui.widgets import CallCard

from .conftest import make_console, operator_plan
from .test_operator import SIZE, dial, logged_in, slot_state


async def test_a_new_app_restores_the_session_and_shows_the_call_in_its_state(switch, dirs):
    first = make_console(dirs, operator_plan(switch))
    async with first.app.run_test(size=SIZE) as pilot:
        await first.until(logged_in)
        slot = await dial(pilot, first, "9000")
        await pilot.press("h")
        await first.until(slot_state(slot, CALL_STATES.HELD))
        call_id = first.store.state.call_in(slot).call_id
    await first.controller.aclose()  # the app ended; the connection drops without a logout

    # The same data dir; no automatic login: only the saved session brings it back.
    second = make_console(dirs, operator_plan(switch, auto_login=False, password=""))
    async with second.app.run_test(size=SIZE) as pilot:
        state = await second.until(lambda s: logged_in(s) and any(c.call_id == call_id and c.state is CALL_STATES.HELD
                                                                   for c in s.calls))
        call = next(c for c in state.calls if c.call_id == call_id)
        assert call.state is CALL_STATES.HELD and call.restored and call.remote_number == "9000"
        await pilot.pause()
        assert not any(isinstance(s, LoginScreen) for s in second.app.screen_stack)
        text = str(second.app.screen.query_one(f"#slot-{call.slot}", CallCard).render())
        assert "On hold (by us) (HELD)" in text and "restored" in text
        await pilot.press(str(call.slot), "u")  # and it is a live call again
        await second.until(slot_state(call.slot, CALL_STATES.CONNECTED))
    await second.controller.aclose()


async def test_a_failed_restore_falls_back_to_the_login_screen(switch, dirs):
    from console.persist import SessionFile

    SessionFile(dirs).put(switch.url, "not-a-real-session-identifier-0000000000000")
    console = make_console(dirs, operator_plan(switch, auto_login=False, password=""))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(lambda s: s.login.state is LOGIN_STATES.LOGIN_RESTORE_FAILED)
        await pilot.pause()
        assert isinstance(console.app.screen, LoginScreen)
        assert SessionFile(dirs).get(switch.url) is None
    await console.controller.aclose()


async def test_embedded_mode_logs_in_afresh_when_restore_fails(switch, dirs):
    from console.persist import SessionFile

    SessionFile(dirs).put(switch.url, "not-a-real-session-identifier-0000000000000")
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE):
        state = await console.until(logged_in)
        assert state.login.number == "200"
    await console.controller.aclose()


async def test_a_dropped_connection_is_restored_without_the_login_screen(switch, dirs):
    """The switch drops every socket: the console says so, reconnects by itself and keeps the call."""
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        slot = await dial(pilot, console, "9000")
        await switch.drop_connections()
        await console.until(lambda s: s.login.state is LOGIN_STATES.CONNECTION_LOST)
        await pilot.pause()
        assert not any(isinstance(s, LoginScreen) for s in console.app.screen_stack)
        await console.until(logged_in)
        await pilot.pause()
        assert not any(isinstance(s, LoginScreen) for s in console.app.screen_stack)
        assert console.store.state.call_in(slot).state is CALL_STATES.CONNECTED
        await pilot.press("h")  # and the call still answers the keys
        await console.until(slot_state(slot, CALL_STATES.HELD))
    await console.controller.aclose()
