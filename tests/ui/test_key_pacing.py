"""A confirmed key on the screen (real switch, real app): the switch's answer drawn once, or "holding…" first
when the switch is slow; an answer that moves the selection restyles each card it changes once.

What the screen showed is observed at the compositor: every screen update (``App._display``) records
what the watched card held at that moment (its call's state and the request under way), which is what
that update drew.
"""

from __future__ import annotations

import asyncio

import pytest

from console.core.enums import CALL_STATES
from console.store.state import Request
from console.ui.widgets import CallCard
from tests.net.tcp_relay import pipe

from .conftest import make_console, operator_plan
from .test_board import ring_in
from .test_operator import logged_in

SIZE = (120, 40)


class Drawn:
    """The watched card's (state, request under way) at each screen update."""

    def __init__(self, app, slot: int) -> None:
        self.app, self.slot = app, slot
        self.seen: list[tuple[CALL_STATES, Request | None]] = []
        self._waiters: list[tuple] = []
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            call = app.screen.query_one(f"#slot-{slot}", CallCard).call
            if call is not None:
                self.seen.append((call.state, call.pending))
            for predicate, future in self._waiters:
                if not future.done() and self.seen and predicate(self.seen[-1]):
                    future.set_result(None)

        app._display = display

    async def until(self, predicate, timeout: float = 10.0) -> None:
        if self.seen and predicate(self.seen[-1]):
            return
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        async with asyncio.timeout(timeout):
            await future


class SlowLink:
    """A TCP relay between the console and the switch that can hold the switch's bytes back (a far switch)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.delay = 0.0
        self.server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader, writer) -> None:
        far_reader, far_writer = await asyncio.open_connection("127.0.0.1", self.port)
        for task in (pipe(reader, far_writer), pipe(far_reader, writer, delay=lambda: self.delay)):
            self._tasks.add(asyncio.create_task(task))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.server is not None:
            self.server.close()


async def watch_the_connected_one_of_two(switch, console, pilot) -> tuple[int, "Drawn"]:
    """Two callers answered, the connected one selected: its slot, and what the screen draws of it from now."""
    await console.until(logged_in)
    slots = await ring_in(switch, console, 2)
    for _ in slots:
        await pilot.press("a")
        await console.until(lambda s: sum(c.ringing_in for c in s.calls) == 0 or s.focused is not None)
    state = await console.until(lambda s: all(s.call_in(n).ever_connected and s.call_in(n).pending is None
                                              for n in slots))
    active = next(c.slot for c in state.calls if c.state is CALL_STATES.CONNECTED)
    await pilot.press(str(active))
    await console.until(lambda s: s.focused == active)
    await pilot.pause()
    return active, Drawn(console.app, active)


@pytest.mark.timeout(60)
async def test_a_hold_the_switch_answers_at_once_is_drawn_once_as_held_never_as_holding(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    console.app.pacer.grace = 10.0  # "at once": however loaded the machine, the switch answers within it
    async with console.app.run_test(size=SIZE) as pilot:
        active, drawn = await watch_the_connected_one_of_two(switch, console, pilot)
        await pilot.press("h")
        await drawn.until(lambda seen: seen == (CALL_STATES.HELD, None))
        assert (CALL_STATES.CONNECTED, Request.HOLD) not in drawn.seen, drawn.seen
        assert drawn.seen[-1] == (CALL_STATES.HELD, None)
    await console.controller.aclose()


@pytest.mark.timeout(60)
async def test_a_slow_switch_shows_holding_within_the_grace_and_then_held(switch, dirs):
    link = SlowLink(switch.port)
    port = await link.start()
    console = make_console(dirs, operator_plan(switch, server=f"ws://127.0.0.1:{port}"))
    try:
        async with console.app.run_test(size=SIZE) as pilot:
            active, drawn = await watch_the_connected_one_of_two(switch, console, pilot)
            link.delay = 0.3  # the switch's answer comes 300 ms late, the grace ends after 25
            await pilot.press("h")
            await drawn.until(lambda seen: seen == (CALL_STATES.CONNECTED, Request.HOLD))
            assert console.store.state.call_in(active).state is CALL_STATES.CONNECTED, "drawn before the answer"
            await drawn.until(lambda seen: seen == (CALL_STATES.HELD, None))
            link.delay = 0.0
    finally:
        await console.controller.aclose()
        await link.close()


@pytest.mark.timeout(60)
async def test_an_answer_restyles_the_answered_card_and_the_held_card_once_each(switch, dirs):
    """``a`` on a second caller: the connected call goes on hold and loses the selection, the ringing one
    connects and gets it. Each card changes its state and its selection: one restyle each, not two."""
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        first = (await ring_in(switch, console, 1))[0]
        await pilot.press("a")
        await console.until(lambda s: s.call_in(first).state is CALL_STATES.CONNECTED and s.call_in(first).pending is None)
        second = (await ring_in(switch, console, 1))[0]
        await pilot.pause()
        await pilot.pause()
        cards = {slot: console.app.screen.query_one(f"#slot-{slot}", CallCard) for slot in (first, second)}
        restyles = {slot: 0 for slot in cards}
        for slot, card in cards.items():
            def restyle(slot=slot, original=card.update_node_styles, **kwargs):
                restyles[slot] += 1
                return original(**kwargs)

            card.update_node_styles = restyle
        await pilot.press("a")
        await console.until(lambda s: s.call_in(second).state is CALL_STATES.CONNECTED and s.focused == second
                            and s.call_in(first).state is CALL_STATES.HELD
                            and s.call_in(first).pending is None and s.call_in(second).pending is None)
        await pilot.pause()
        await pilot.pause()
        assert cards[second].selected and not cards[first].selected
        assert restyles == {first: 1, second: 1}, restyles
    await console.controller.aclose()
