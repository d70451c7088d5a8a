"""Keys typed while the login screen appears reach the password field exactly (issue 19, item 9: "keys
typed while the login screen appears are garbled (10 dots for an 8-character password)")."""

from __future__ import annotations

from textual.widgets import Input

from console.core.enums import LOGIN_STATES
from console.ui.screens import LoginScreen

from .conftest import make_console, operator_plan
from .test_operator import SIZE, logged_in


async def test_a_password_typed_as_the_login_screen_appears_arrives_whole(switch, dirs):
    """The operator logs out and types the password at once, while the login screen is still coming up:
    the password field gets exactly the keys typed, the server and username fields stay as they were."""
    console = make_console(dirs, operator_plan(switch, auto_login=False, password=""))  # as from the command line
    async with console.app.run_test(size=SIZE) as pilot:
        console.controller.login(switch.url, "operator", "operator")
        await console.until(logged_in)
        console.controller.logout()
        await console.until(lambda s: s.login.state is LOGIN_STATES.LOGGED_OUT_EXPLICIT)
        await pilot.press(*"operator")  # no pause: the screen is being pushed as the keys arrive
        await pilot.pause()
        screen = console.app.screen
        assert isinstance(screen, LoginScreen)
        assert screen.query_one("#server", Input).value == switch.url
        assert screen.query_one("#username", Input).value == "operator"
        assert screen.query_one("#password", Input).value == "operator"
        await pilot.press("enter")
        await console.until(logged_in)
    await console.controller.aclose()
