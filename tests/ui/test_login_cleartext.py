"""The login screen asks before a password goes in clear to another host (issue 17, item 12).

``ws://0.0.0.0:<port>`` reaches the test switch on 127.0.0.1, yet is another host to the rule
(``console.core.transport``): so "no" is seen to send nothing and "yes" is seen to log in.
"""

from __future__ import annotations

from console.core.enums import LOGIN_STATES
from console.ui.screens import ConfirmExplicit, LoginScreen

from .conftest import make_console, operator_plan
from .test_operator import SIZE, logged_in


async def submit(console, pilot, server: str, password: str) -> None:
    screen = console.app.screen
    assert isinstance(screen, LoginScreen)
    screen.query_one("#server").value = server
    screen.query_one("#password").value = password
    await pilot.press("ctrl+l")
    await pilot.pause()


def assert_asked_in_clear(console) -> None:
    """The console asks before it sends the password in clear to 0.0.0.0."""
    assert isinstance(console.app.screen, ConfirmExplicit)
    question = str(console.app.screen.query_one("#confirm-question").render())
    assert "in clear" in question and "0.0.0.0" in question, question


async def test_a_password_in_clear_to_another_host_is_sent_only_after_an_explicit_yes(switch, dirs):
    server = switch.url.replace("127.0.0.1", "0.0.0.0")
    console = make_console(dirs, operator_plan(switch, auto_login=False, password=""))
    async with console.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await submit(console, pilot, server, "operator")
        assert_asked_in_clear(console)  # asked, before anything is sent
        assert console.store.state.login.state is None and not switch.connections
        await pilot.press("enter")  # Enter (pressed once too often after the form) is not a yes
        assert isinstance(console.app.screen, LoginScreen)
        assert "not sent" in console.store.state.last_error
        await submit(console, pilot, server, "operator")
        await pilot.press("n")
        assert isinstance(console.app.screen, LoginScreen)
        assert console.store.state.login.state is None and not switch.exchange.sessions
        await submit(console, pilot, server, "operator")
        await pilot.press("y")
        await console.until(logged_in)
        assert console.store.state.login.state is LOGIN_STATES.SUCCESS
    await console.controller.aclose()


async def test_a_sip_address_over_plain_websocket_to_another_host_is_asked_about_as_ws_is(switch, dirs):
    """``sip+ws://`` to another host gets the ``ws://`` treatment: the question first, and "no" sends nothing."""
    server = switch.url.replace("ws://127.0.0.1", "sip+ws://0.0.0.0")
    console = make_console(dirs, operator_plan(switch, auto_login=False, password=""))
    async with console.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await submit(console, pilot, server, "operator")
        assert_asked_in_clear(console)
        await pilot.press("n")
        assert isinstance(console.app.screen, LoginScreen)
        assert "not sent" in console.store.state.last_error
        assert console.store.state.login.state is None and not switch.connections
    await console.controller.aclose()


async def test_tls_or_loopback_logs_in_without_a_question(switch, dirs):
    console = make_console(dirs, operator_plan(switch, auto_login=False, password=""))
    async with console.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await submit(console, pilot, switch.url, "operator")  # ws://127.0.0.1: stays on this machine
        await console.until(logged_in)
    await console.controller.aclose()


async def test_insecure_on_the_command_line_is_the_operators_yes_for_that_server(switch, dirs):
    server = switch.url.replace("127.0.0.1", "0.0.0.0")
    console = make_console(dirs, operator_plan(switch, server=server, auto_login=False, password="", insecure=True))
    async with console.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await submit(console, pilot, server, "operator")
        await console.until(logged_in)
    await console.controller.aclose()
