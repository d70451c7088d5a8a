"""Login errors that say what happened, the log reachable from the login screen, a real log."""

from __future__ import annotations

import socket
import ssl

import pytest

from console.core.enums import LOGIN_STATES
from console.store.state import LoginFailure
from console.ui.screens import LogScreen, LoginScreen
from console.ui.widgets import LogPane, LoginStatus

from .conftest import make_console, operator_plan
from .test_operator import SIZE, logged_in


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


async def log_in_with(console, pilot, server: str, password: str) -> None:
    screen = console.app.screen
    assert isinstance(screen, LoginScreen)
    screen.query_one("#server").value = server
    screen.query_one("#password").value = password
    await pilot.press("ctrl+l")


@pytest.mark.parametrize("case", ["credentials", "unreachable", "bad_url", "tls"])
async def test_each_login_failure_has_its_own_line(switch, dirs, case):
    console = make_console(dirs, operator_plan(switch, auto_login=False, password=""))
    server, password, expected, words = {
        "credentials": (switch.url, "wrong", LoginFailure.CREDENTIALS, "Wrong username, password or token"),
        "unreachable": (f"ws://127.0.0.1:{closed_port()}", "operator", LoginFailure.UNREACHABLE, "cannot be reached"),
        "bad_url": ("ftp://127.0.0.1:1", "operator", LoginFailure.BAD_URL, "address is not valid"),
        "tls": (switch.url.replace("ws://", "wss://"), "operator", LoginFailure.TLS, "TLS failed"),
    }[case]
    async with console.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await log_in_with(console, pilot, server, password)
        await console.until(lambda s: s.login.failure is not None)
        await pilot.pause()
        assert console.store.state.login.failure is expected
        if case != "bad_url":  # the store refuses an ftp:// address before the client sees it
            assert str(console.controller.client.last_login_failure) == case  # typed, not read from log texts
        reason = str(console.app.screen.query_one("#login-reason").render())
        assert words in reason, reason
        await pilot.press("f2")  # the log, from the login screen
        assert isinstance(console.app.screen, LogScreen)
        assert console.app.screen.query_one(LogPane).lines
        await pilot.press("escape")
        assert isinstance(console.app.screen, LoginScreen)
    await console.controller.aclose()


async def test_an_expired_session_says_so(switch, dirs):
    from console.persist import SessionFile

    SessionFile(dirs).put(switch.url, "not-a-real-session-identifier-0000000000000")
    console = make_console(dirs, operator_plan(switch, auto_login=False, password=""))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(lambda s: s.login.state is LOGIN_STATES.LOGIN_RESTORE_FAILED)
        await pilot.pause()
        assert console.store.state.login.failure is LoginFailure.SESSION_EXPIRED
        assert "expired" in str(console.app.screen.query_one("#login-reason").render())
    await console.controller.aclose()


async def test_the_log_has_times_of_day_scrolls_and_is_written_to_a_file(switch, dirs):
    import re

    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=(80, 40)) as pilot:
        await console.until(logged_in)
        for n in range(40):
            console.controller.note(f"line {n}")
        await pilot.pause()
        pane = console.app.screen.query_one(LogPane)
        assert re.match(r"\d\d:\d\d:\d\d ", pane.lines[-1].text), pane.lines[-1].text
        assert pane.size.height >= 8  # a share of 40 rows, not 5 lines
        await pilot.press("l")
        assert console.app.screen.focused is pane
        before = pane.scroll_y
        await pilot.press("up", "up", "pageup")
        assert pane.scroll_y < before
        await pilot.press("escape")
        assert console.app.screen.focused is None
        await pilot.press("l")
        await pilot.press("l")
        assert not pane.display
    await console.controller.aclose()
    text = dirs.log_file.read_text()
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d .*line 39", text)


async def test_an_error_in_the_header_clears_once_handled(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        await pilot.press("h")  # no call: an error in the header
        await console.until(lambda s: "hold" in s.last_error)
        await pilot.press("d", *"9000", "enter")
        slot = (await console.until(lambda s: bool(s.calls))).calls[0].slot
        await pilot.press(str(slot), "h")
        state = await console.until(lambda s: s.call_in(slot).state.name == "HELD")
        assert state.last_error == ""
        await pilot.pause()
        assert "✕" not in str(console.app.screen.query_one(LoginStatus).render())
    await console.controller.aclose()
