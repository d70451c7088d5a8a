"""The wallboard (W): today's figures in big digits, at a wall screen's size and at 80x24, updating as calls end
(issue 21: "a wallboard view (W) readable from across a room")."""

from __future__ import annotations

import time

import pytest
from console.core.enums import CALL_STATES
from console.persist import CallRecord, CallRecords, Outcome
from console.store import events as ev
from console.store.effects import RecordKeeper
from console.ui.screens.main import MainScreen
from console.ui.screens.wallboard import WallboardScreen
from console.ui.widgets.big_digits import BigDigits, draw, scale_for

from .conftest import far_end, make_console, operator_plan


def earlier(n: int, outcome: Outcome, wait: float, answered: bool) -> CallRecord:
    """A call that rang in a moment ago today (before the console started)."""
    start = time.time() - 1.0
    return CallRecord(call=f"old{n}", call_id="", direction="in", local_number="200", remote_number="201",
                      remote_name="Alice", start=start, answer=start + wait if answered else None, end=start + wait,
                      wait=wait, talk=0.0, outcome=outcome)


def digits(app, tile: str) -> str:
    return app.screen.query_one(f"#tile-{tile} BigDigits", BigDigits).value


async def shown(pilot, app, tile: str, value: str) -> None:
    """Wait (bounded) for a tile to show ``value``: the screen updates from the store, with no event to await."""
    for _ in range(200):
        if digits(app, tile) == value:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"tile {tile} shows {digits(app, tile)!r}, not {value!r}")


def test_big_digits_are_drawn_in_half_blocks_as_large_as_they_fit():
    assert draw("10", 1) == ["▄█  █▀█", " █  █ █", "▀▀▀ ▀▀▀"]
    assert scale_for("10", 7, 3) == 0 and scale_for("10", 11, 3) == 1  # room kept for three digits
    assert scale_for("10", 60, 25) == 5 and scale_for("0:30", 20, 10) == 1 and scale_for("n/a", 80, 20) == 0


@pytest.mark.parametrize(("size", "scale"), [((80, 24), 1), ((200, 60), 4)])
async def test_the_wallboard_shows_todays_figures_and_counts_a_caller_who_gives_up(switch, dirs, size, scale,
                                                                                   monkeypatch):
    """At 80x24 every figure is drawn at least three rows high; on a 200x60 wall screen four times larger.
    The call records are read once (the record keeper keeps today's figures), not after each call that ends
    nor each time the wallboard opens."""
    reads = []
    load = CallRecords.load
    monkeypatch.setattr(CallRecords, "load", lambda self, since=None, until=None: reads.append(since)
                        or load(self, since, until))
    records = CallRecords(dirs)
    records.append(earlier(1, Outcome.ANSWERED, 4.0, True))
    records.append(earlier(2, Outcome.ANSWERED, 30.0, True))  # answered, but after the 20 s service level
    console = make_console(dirs, operator_plan(switch))
    console.controller.record_keeper = RecordKeeper(records, console.controller.error)  # as cli builds it
    console.store.subscribe(console.controller.record_keeper)  # before the app
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
            for tile in values:  # every figure is on screen, drawn big, none squeezed away
                widget = app.screen.query_one(f"#tile-{tile} BigDigits", BigDigits)
                assert widget.scale >= scale and widget.region.right <= size[0], (tile, widget.region)

            alice.dial("200")
            await console.until(lambda s: any(c.state is CALL_STATES.OFFERING for c in s.calls))
            await shown(pilot, app, "waiting", "1")
            alice.hangup()
            await console.until(lambda s: any(c.ended for c in s.calls))
            await shown(pilot, app, "abandoned", "1")
            assert (digits(app, "waiting"), digits(app, "offered"), digits(app, "service")) == ("0", "3", "33")
            assert "abandoned after" in str(app.screen.query_one("#wallboard-detail").render())
            # a caller refused for want of a slot has no card to end: the board counts them all the same
            console.controller.dispatch(ev.CallRefused(console.controller.clock(), time.time(), "5550199", ""))
            await shown(pilot, app, "offered", "4")

            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
            await pilot.press("W")
            await pilot.pause()
            assert isinstance(app.screen, WallboardScreen) and digits(app, "abandoned") == "1"
            assert len(reads) == 1, reads
            await pilot.press("W")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
    finally:
        await alice.aclose()
        await console.controller.aclose()


def test_each_shared_queue_has_a_line_under_the_tiles():
    from console.store.stats import figures
    from console.ui.screens.wallboard import detail_line

    queued = [earlier(1, Outcome.ANSWERED, 4.0, True), earlier(2, Outcome.ABANDONED, 9.0, False)]
    queued = [CallRecord(**{**r.__dict__, "queue": "100"}) for r in queued]
    text = detail_line(figures(queued, time.time(), 20))
    assert "Queue 100: 1 of 2 answered, 1 abandoned, service level 50 %" in text
    assert "Queue" not in detail_line(figures([earlier(3, Outcome.ANSWERED, 4.0, True)], time.time(), 20))
