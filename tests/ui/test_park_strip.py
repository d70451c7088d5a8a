"""Parked calls on the board (issue 19, item 8): the park strip, the parked card, the log line and the recall.

"A park strip (orbit, caller, waiting time) at any size; the parked card says "parked on 701"; a recall keeps its
original waiting time." Operator journeys against the real embedded switch (signaling only), every key a key press.
"""

from __future__ import annotations

import dataclasses

import pytest
from textual.app import App, ComposeResult

from console.core.directory import Orbit
from console.core.enums import CALL_STATES, LOGIN_STATES
from console.switch.limits import Limits
from console.ui.widgets import CallCard
from console.ui.widgets.parkstrip import ParkStrip
from console.ui.widgets.queue import CallQueue

from .conftest import TIMEOUT, far_end, make_console, operator_plan, until

S = CALL_STATES


def logged_in(state) -> bool:
    return state.login.state is LOGIN_STATES.SUCCESS and state.desk.subscribed


def call_of(state, number: str, call_state: CALL_STATES):
    return next((c for c in state.calls if c.remote_number == number and c.state is call_state), None)


async def shown(pilot, predicate, what: str, timeout: float = TIMEOUT) -> None:
    """Wait (bounded) until what the screen shows satisfies ``predicate``: the clock ticks every 0.5 s."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never shown: {what}")
        await pilot.pause(0.1)


def strip_text(app) -> str:
    return str(app.screen.query_one(ParkStrip).render())


def card_text(app, slot: int) -> str:
    return str(app.screen.query_one(f"#slot-{slot}", CallCard).render())


@pytest.fixture
async def recalling_switch():
    """The demo switch with a short park recall, so a parked caller comes back within the test."""
    from console.switch.demo import demo_config
    from console.switch.server import Switch

    config = demo_config(port=0, media=False)
    config = dataclasses.replace(config, limits=dataclasses.replace(config.limits, park_recall=2.0))
    sw = await Switch.start(config)
    try:
        yield sw
    finally:
        await sw.aclose()


async def test_a_parked_caller_is_on_the_strip_the_card_and_in_the_log_and_g_picks_it_up(switch, dirs):
    """Park a caller: the strip shows orbit, caller and a waiting time that runs; the card says "parked on 701"
    (not "completed normally"); the log names the orbit; g picks the caller up again."""
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=(80, 24)) as pilot:
        await console.until(logged_in)
        alice = await far_end(switch, "alice")
        alice.dial("200")
        await console.until(lambda s: len(s.ringing_calls()) == 1)
        await pilot.press("a")
        state = await console.until(lambda s: call_of(s, "201", S.CONNECTED) is not None)
        slot = call_of(state, "201", S.CONNECTED).slot
        await pilot.press("p")
        await console.until(lambda s: s.desk.occupied_orbits())
        await shown(pilot, lambda: "701" in strip_text(console.app), "the orbit on the strip")
        first = strip_text(console.app)
        assert "701" in first and "201" in first and "Alice" in first and "00:0" in first, first
        await shown(pilot, lambda: strip_text(console.app) != first, "the strip's waiting time running")
        assert "parked on 701" in card_text(console.app, slot)
        assert "completed normally" not in card_text(console.app, slot)
        assert any("parked Alice on 701" in line.text for line in console.store.state.log)
        await until(alice, lambda s: any(c.remote_number == "701" and c.state is S.HOLDING for c in s.calls))
        await pilot.press("g")
        await console.until(lambda s: call_of(s, "201", S.CONNECTED) is not None and not s.desk.occupied_orbits())
        await until(alice, lambda s: any(c.remote_number == "200" and c.state is S.CONNECTED for c in s.calls))
        await shown(pilot, lambda: not console.app.screen.query_one(ParkStrip).display, "the strip gone")
        await alice.aclose()


async def test_a_park_recall_keeps_its_waiting_time_and_sorts_ahead_of_a_later_caller(recalling_switch, dirs):
    """Park alice; bob rings in after her; her recall rings at the operator with the time she first rang in, so
    it comes before bob in the queue (longest waiting first), and its card says "recall from 701"."""
    switch = recalling_switch
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=(80, 24)) as pilot:
        await console.until(logged_in)
        alice, bob = await far_end(switch, "alice"), await far_end(switch, "bob")
        alice.dial("200")
        await console.until(lambda s: len(s.ringing_calls()) == 1)
        await pilot.press("a")
        await console.until(lambda s: call_of(s, "201", S.CONNECTED) is not None)
        await pilot.press("p")
        await console.until(lambda s: s.desk.occupied_orbits())
        bob.dial("200")
        await console.until(lambda s: call_of(s, "202", S.OFFERING) or call_of(s, "202", S.RINGING))
        state = await console.until(lambda s: len(s.ringing_calls()) == 2)
        recall = next(c for c in state.ringing_calls() if c.remote_number == "201")
        later = next(c for c in state.ringing_calls() if c.remote_number == "202")
        assert recall.created_at < later.created_at, "the recall keeps the time alice first rang in"
        assert recall.recall_from == "701"
        await pilot.press("v")  # the queue view: ringing calls longest waiting first
        await pilot.pause()
        lines = str(console.app.screen.query_one(CallQueue).render()).splitlines()
        order = [n for line in lines for n in ("201", "202") if n in line]
        assert order[:2] == ["201", "202"], lines
        await pilot.press("v")  # cards
        await pilot.pause()
        assert "recall from 701" in card_text(console.app, recall.slot)
        await pilot.press(str(recall.slot), "a")
        await console.until(lambda s: call_of(s, "201", S.CONNECTED) is not None and not s.desk.occupied_orbits())
        await until(alice, lambda s: any(c.remote_number == "200" and c.state is S.CONNECTED for c in s.calls))
        await alice.aclose(); await bob.aclose()


class StripApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ParkStrip(id="parkstrip")


def parked(count: int, since: float) -> tuple[Orbit, ...]:
    return tuple(Orbit(str(701 + i), f"+4930555000{i:02d}", f"Caller {i + 1:02d}", "200", since + 10 * i)
                 for i in range(count))


async def test_the_strip_is_one_line_at_80x24_and_roomy_at_200x60():
    """80x24: one line, what does not fit counted ("+N more"); 200x60: one parked caller a line, with its keys."""
    async with StripApp().run_test(size=(80, 24)) as pilot:
        strip = pilot.app.query_one(ParkStrip)
        strip.orbits, strip.wall = parked(6, 1000.0), 1075.0
        await pilot.pause()
        text = str(strip.render())
        assert len(text.splitlines()) == 1 and len(text) <= 80, text
        assert "701 Caller 01 01:15" in text and "702 Caller 02 01:05" in text and "+" in text, text
        assert text.index("701") < text.index("702"), "longest waiting first"
        hidden = int(text.split("+")[-1].split()[0])
        assert hidden == 6 - text.count("Caller"), text
    async with StripApp().run_test(size=(200, 60)) as pilot:
        strip = pilot.app.query_one(ParkStrip)
        strip.orbits, strip.wall, strip.roomy = parked(3, 1000.0), 1075.0, True
        await pilot.pause()
        lines = str(strip.render()).splitlines()
        assert any("701" in line and "+493055500000" in line and "Caller 01" in line and "01:15" in line
                   for line in lines), lines
        assert any("703" in line and "Caller 03" in line and "00:55" in line for line in lines), lines
        assert not any("more" in line for line in lines), lines


async def test_the_roomy_strip_grows_with_each_call_parked():
    """At 200x60 each parked call has a line: the strip grows as calls are parked one after another (it once
    stayed at the height of the first, showing one caller of seven)."""
    async with StripApp().run_test(size=(200, 60)) as pilot:
        strip = pilot.app.query_one(ParkStrip)
        strip.roomy, strip.wall = True, 1075.0
        for count in (1, 3, 5):
            strip.orbits = parked(count, 1000.0)
            await pilot.pause()
            assert strip.size.height == 1 + count, (count, strip.size.height)
            assert strip.size.height == strip.rows()
