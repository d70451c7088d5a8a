"""The wallboard (W): today's figures in big digits, at a wall screen's size and at 80x24, updating as calls end
(issue 21: "a wallboard view (W) readable from across a room")."""

from __future__ import annotations

import time

import pytest
from textual.widgets import Digits

from console.core.enums import CALL_STATES
from console.persist import CallRecord, CallRecords, Outcome
from console.store.effects import RecordKeeper
from console.ui.screens.main import MainScreen
from console.ui.screens.wallboard import WallboardScreen

from .conftest import far_end, make_console, operator_plan


def earlier(n: int, outcome: Outcome, wait: float, answered: bool) -> CallRecord:
    """A call that rang in a moment ago today (before the console started)."""
    start = time.time() - 1.0
    return CallRecord(call=f"old{n}", call_id="", direction="in", local_number="200", remote_number="201",
                      remote_name="Alice", start=start, answer=start + wait if answered else None, end=start + wait,
                      wait=wait, talk=0.0, outcome=outcome)


def digits(app, tile: str) -> str:
    return app.screen.query_one(f"#tile-{tile} Digits", Digits).value


async def shown(pilot, app, tile: str, value: str) -> None:
    """Wait (bounded) for a tile to show ``value``: the screen updates from the store, with no event to await."""
    for _ in range(200):
        if digits(app, tile) == value:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"tile {tile} shows {digits(app, tile)!r}, not {value!r}")


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_the_wallboard_shows_todays_figures_and_counts_a_caller_who_gives_up(switch, dirs, size):
    records = CallRecords(dirs)
    records.append(earlier(1, Outcome.ANSWERED, 4.0, True))
    records.append(earlier(2, Outcome.ANSWERED, 30.0, True))  # answered, but after the 20 s service level
    console = make_console(dirs, operator_plan(switch))
    console.store.subscribe(RecordKeeper(records, console.controller.error))  # before the app: as cli builds it
    alice = await far_end(switch, "alice")
    try:
        async with console.app.run_test(size=size) as pilot:
            await console.until(lambda s: s.login.logged_in)
            await pilot.press("W")
            await pilot.pause()
            app = console.app
            assert isinstance(app.screen, WallboardScreen)
            values = {tile: digits(app, tile) for tile in ("waiting", "offered", "answered", "abandoned", "service",
                                                           "longest")}
            assert values == {"waiting": "0", "offered": "2", "answered": "2", "abandoned": "0", "service": "50",
                              "longest": "0:30"}
            for tile in values:  # every figure is on screen, none squeezed away
                region = app.screen.query_one(f"#tile-{tile} Digits", Digits).region
                assert region.height == 3 and region.width >= 3 and region.right <= size[0], (tile, region)

            alice.dial("200")
            await console.until(lambda s: any(c.state is CALL_STATES.OFFERING for c in s.calls))
            await shown(pilot, app, "waiting", "1")
            alice.hangup()
            await console.until(lambda s: any(c.ended for c in s.calls))
            await shown(pilot, app, "abandoned", "1")
            assert (digits(app, "waiting"), digits(app, "offered"), digits(app, "service")) == ("0", "3", "33")
            assert "abandoned after" in str(app.screen.query_one("#wallboard-detail").render())

            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
            await pilot.press("W")
            await pilot.pause()
            assert isinstance(app.screen, WallboardScreen) and digits(app, "abandoned") == "1"
            await pilot.press("W")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
    finally:
        await alice.aclose()
        await console.controller.aclose()
