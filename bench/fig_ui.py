"""Figure 5, the UI: key press to screen, and the call cards' timers.

The app is built with the product's factory (console.ui.build_app) and
driven with Textual's Pilot (headless), as tests/ui does. "The screen shows
the new state" is measured at the compositor: the app's ``_display`` (which
Textual calls with every screen update it has composed) is observed, and a
key's time is from ``pilot.press`` to the first screen update after the
pressed-for state reached the call card.

* Real calls: the controller's real client logs in to the switch (its own
  process, signaling only, as in tests/ui) and holds 32 calls, the most the
  console allows (MAX_SLOTS = 32; keys 1-9 address the first nine slots).
  Keys: select a slot (1-9), hold (h) and retrieve (u) the connected call,
  answer (a) a call that rings in from a second console (the connected call
  goes on hold in the same round trip). Hold, retrieve and answer include the round trip to
  the switch. The console draws a request the switch answers within 25 ms once, as its
  outcome (console/ui/pacing.py), so their first screen update is the outcome; "holding…"
  is drawn only when the answer takes longer.
* Timers: the app ticks every 0.5 s and every card redraws its duration;
  the figures are screen updates per second while nothing else happens, the
  time from a tick to its screen update, and the process's CPU meanwhile.

Baselines: a bare Textual app with the same number of bordered Static cards
in the same grid, a key that changes one card, and a 0.5 s interval that
rewrites every card's text: what Textual itself costs. For the keys the switch
confirms (hold, retrieve, answer: the card shows HELD / CONNECTED once the
switch's result is in), the same bare app with a round trip: its key sends a
request over a websocket to a bare websockets server in its own process
(bench/bare_proc.py, as the switch is in its own) that answers at once, and the
answer restyles the card: key -> send -> answer -> repaint, the same physical
steps with nothing of ours in them.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from typing import Any

from .bare import BareFarEnds
from .common import Budget, CpuWindow, Figure, Scale, percentile, summary
from .driver import BenchConsole
from .switch_proc import SwitchProcess

BIG_SIZE = (180, 100)
CARDS_BIG = 32
TICK = 0.5  # the app's timer period (console.ui.app.TICK_SECONDS)


class DisplayProbe:
    """Observes the screen updates Textual composes (App._display) and resolves waiters on them."""

    def __init__(self, app: Any) -> None:
        self.updates: list[float] = []
        self._phase = random.Random(5)
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[float]]] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            now = time.perf_counter()
            self.updates.append(now)
            for predicate, future in list(self._waiters):
                if not future.done() and predicate():
                    future.set_result(now)
            self._waiters = [(p, f) for p, f in self._waiters if not f.done()]

        app._display = display

    def expect(self, predicate: Callable[[], bool]) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        return future

    async def press(self, pilot: Any, key: str, shown: Callable[[], bool], timeout: float = 10.0) -> float:
        """Milliseconds from pressing ``key`` to the first screen update at which ``shown()`` holds.

        The press comes at a random moment of the app's 0.5 s timer cycle (as an operator's would):
        a press that lands just before a tick waits for the tick's redraw, and the figures say how often.
        """
        await asyncio.sleep(self._phase.uniform(0.0, TICK))
        future = self.expect(shown)
        start = time.perf_counter()
        await pilot.press(key)
        async with asyncio.timeout(timeout):
            at = await future
        return 1000 * (at - start)

    async def press_acknowledged(self, pilot: Any, key: str, acknowledged: Callable[[], bool], shown: Callable[[], bool],
                                 timeout: float = 10.0) -> tuple[float, float]:
        """Milliseconds from pressing ``key`` to the first screen update that acknowledges it (the card
        shows the request under way, or already its outcome), and to the one that shows the outcome."""
        await asyncio.sleep(self._phase.uniform(0.0, TICK))
        first, done = self.expect(acknowledged), self.expect(shown)
        start = time.perf_counter()
        await pilot.press(key)
        async with asyncio.timeout(timeout):
            at_first, at_done = await first, await done
        return 1000 * (at_first - start), 1000 * (at_done - start)

    def rate(self, since: float, until: float) -> float:
        return sum(1 for t in self.updates if since <= t <= until) / (until - since)


async def idle_window(probe: DisplayProbe, seconds: float, ticks: list[float]) -> dict[str, Any]:
    """Screen updates per second, tick -> update delays and CPU while nothing but the timers runs."""
    first_tick = len(ticks)
    with CpuWindow() as cpu:
        start = time.perf_counter()
        await asyncio.sleep(seconds)
        end = time.perf_counter()
    delays = []
    for tick in ticks[first_tick:]:
        after = next((t for t in probe.updates if t >= tick), None)
        if after is not None and after <= end:
            delays.append(1000 * (after - tick))
    return {"updates_per_s": probe.rate(start, end), "tick_to_screen_ms": delays, "cpu": cpu.own}


# --- the product --------------------------------------------------------------------------


def _card(app: Any, slot: int) -> Any:
    from console.ui.widgets import CallCard

    return app.screen.query_one(f"#slot-{slot}", CallCard)


def _card_state(app: Any, slot: int, state: Any) -> Callable[[], bool]:
    def shown() -> bool:
        try:
            card = _card(app, slot)
        except Exception:  # noqa: BLE001 - not composed yet
            return False
        return card.call is not None and card.call.state is state

    return shown


def _card_acknowledged(app: Any, slot: int, request: Any, state: Any) -> Callable[[], bool]:
    """The card shows ``request`` under way ("holding…") or already ``state``."""
    def shown() -> bool:
        try:
            call = _card(app, slot).call
        except Exception:  # noqa: BLE001 - not composed yet
            return False
        return call is not None and (call.pending is request or call.state is state)

    return shown


def _card_ringing(app: Any, slot: int) -> Callable[[], bool]:
    def shown() -> bool:
        try:
            card = _card(app, slot)
        except Exception:  # noqa: BLE001 - not composed yet
            return False
        return card.call is not None and card.call.ringing_in

    return shown


def _card_selected(app: Any, slot: int) -> Callable[[], bool]:
    def shown() -> bool:
        try:
            return bool(_card(app, slot).selected)
        except Exception:  # noqa: BLE001
            return False

    return shown


async def store_until(store: Any, predicate: Callable[[Any], bool], timeout: float = 15.0) -> Any:
    if predicate(store.state):
        return store.state
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def check(state: Any) -> None:
        if not future.done() and predicate(state):
            future.set_result(state)

    unsubscribe = store.subscribe(check)
    try:
        async with asyncio.timeout(timeout):
            return await future
    finally:
        unsubscribe()


async def product_real(repeats: int, idle: float, budget: Budget, cards: int = CARDS_BIG) -> dict[str, Any]:
    from console.core.enums import CALL_STATES as S
    from console.core.enums import LOGIN_STATES
    from console.persist import Config, Settings
    from console.store import Controller, LoginPlan, client_factory
    from console.ui import build_app

    from console.store.state import Request

    out: dict[str, Any] = {"focus": [], "hold": [], "retrieve": [], "answer": [], "acknowledged": []}
    async with SwitchProcess(media=False, user_max_calls=32) as switch:
        controller = Controller(client_factory(device=None), media=False, linger=0.2)
        plan = LoginPlan(server=switch.url, username="operator", password="operator", auto_login=True, restore=False)
        app = build_app(Settings(config=Config()), controller, plan)
        probe = DisplayProbe(app)
        ticks: list[float] = []
        caller = BenchConsole(switch.url)
        try:
            async with app.run_test(size=BIG_SIZE) as pilot:
                app.watch(app, "now", lambda _: ticks.append(time.perf_counter()), init=False)
                await store_until(controller.store, lambda s: s.login.state is LOGIN_STATES.SUCCESS)
                await caller.login("alice", "alice")
                for _ in range(cards):  # set-up, not measured: 32 calls, the last one connected
                    slot = controller.dial("9001")
                    await store_until(controller.store, lambda s, slot=slot: s.call_in(slot) is not None
                                      and s.call_in(slot).state is S.CONNECTED)
                out["cards"] = len(controller.state.calls)
                active = min(c.slot for c in controller.state.calls)  # keys 1-9 reach it: bring it back (auto-hold)
                if controller.state.call_in(active).state is not S.CONNECTED:
                    controller.retrieve(active)
                    await store_until(controller.store, lambda s: s.call_in(active).state is S.CONNECTED
                                      and sum(c.state is S.CONNECTED for c in s.calls) == 1)
                # 32 cards do not fit the screen, so the board's AUTO view would show the one-line queue:
                # the figure is about cards (the bare app's grid scrolls the same way), so show them.
                for _ in range(3):
                    if app.screen.cycle_view().value == "cards":
                        break
                out["view"] = "cards" if app.screen.query_one("CallDeck").display else "queue"
                await pilot.pause()
                for i in range(repeats):
                    if i and budget.expired():  # one sample at least, however slow the machine
                        break
                    slot = 1 + (controller.state.focused or 0) % 9
                    out["focus"].append(await probe.press(pilot, str(slot), _card_selected(app, slot)))
                await probe.press(pilot, str(active), _card_selected(app, active))
                for i in range(repeats):
                    if i and budget.expired():
                        break
                    for key, request, state, name in (("h", Request.HOLD, S.HELD, "hold"),
                                                      ("u", Request.RETRIEVE, S.CONNECTED, "retrieve")):
                        ack, done = await probe.press_acknowledged(
                            pilot, key, _card_acknowledged(app, active, request, state), _card_state(app, active, state))
                        out["acknowledged"].append(ack)
                        out[name].append(done)
                out["idle"] = await idle_window(probe, idle, ticks)
                spare = next(c.slot for c in controller.state.calls if c.slot != active)
                controller.hangup(spare)  # room for the call that rings in: 31 calls + 1 ringing
                await store_until(controller.store, lambda s: s.call_in(spare) is None)
                for i in range(repeats):
                    if i and budget.expired():
                        break
                    ringing = caller.dial("200")
                    state = await store_until(controller.store, lambda s: any(c.ringing_in for c in s.calls))
                    slot = next(c.slot for c in state.calls if c.ringing_in)
                    async with asyncio.timeout(10):  # the ringing card is on screen before the key
                        await probe.expect(_card_ringing(app, slot))
                    ack, done = await probe.press_acknowledged(
                        pilot, "a", _card_acknowledged(app, slot, Request.ANSWER, S.CONNECTED), _card_state(app, slot, S.CONNECTED))
                    out["acknowledged"].append(ack)
                    out["answer"].append(done)
                    await caller.hang_up(ringing)
                    await store_until(controller.store, lambda s, slot=slot: s.call_in(slot) is None)
                    controller.retrieve(active)  # back to 1 connected + 7 held before the next call rings
                    await store_until(controller.store, lambda s: s.call_in(active).state is S.CONNECTED)
        finally:
            await caller.close()
            await controller.aclose()
    return out


# --- the baseline: bare Textual ---------------------------------------------------------------


def bare_app(cards: int, url: str | None = None) -> Any:
    """The bare app; with ``url`` (a bare websockets server) its ``h`` key does a round trip before restyling."""
    import json

    from textual.app import App, ComposeResult
    from textual.containers import Grid
    from textual.widgets import Static

    class BareCards(App[None]):
        CSS = """
        Grid { grid-size: 3; grid-rows: 8; grid-gutter: 0 1; height: 1fr; overflow-y: auto; }
        Static { height: 8; border: round white; padding: 0 1; }
        Static.-selected { border: double white; }
        Static.-held { border: round grey; }
        """
        BINDINGS = [*((str(n), f"select({n})", "") for n in range(1, 10)), ("h", "round_trip", "")]

        def __init__(self) -> None:
            super().__init__()
            self.ticks: list[float] = []
            self.selected = 1
            self.started = time.monotonic()
            self.held = False
            self.answered = 0  # round trips whose answer is on the card
            self._ws: Any = None
            self._sent = 0

        async def on_mount(self) -> None:
            self.set_interval(0.5, self.tick)
            if url is not None:
                from websockets.asyncio.client import connect

                self._ws = await connect(url, compression=None)
                self.run_worker(self._answers(), exit_on_error=False)

        async def _answers(self) -> None:
            async for text in self._ws:
                json.loads(text)
                self.held = not self.held
                card = self.query_one(f"#c{self.selected}", Static)
                card.set_class(self.held, "-held")
                card.update(self.text(self.selected))
                self.answered += 1

        async def action_round_trip(self) -> None:
            self._sent += 1
            await self._ws.send(json.dumps({"v": 1, "type": "request", "id": self._sent, "method": "hold",
                                            "params": {"call": self.selected}}))

        async def on_unmount(self) -> None:
            if self._ws is not None:
                await self._ws.close()

        def compose(self) -> ComposeResult:
            with Grid():
                for slot in range(1, cards + 1):
                    yield Static(self.text(slot), id=f"c{slot}")

        def text(self, slot: int) -> str:
            seconds = int(time.monotonic() - self.started) + slot
            state = "Connected" if slot == 1 and not self.held else "On hold"
            return f"{state}\n{9000 + slot}  Caller {slot}\n{seconds // 60}:{seconds % 60:02d}\naudio off"

        def tick(self) -> None:
            self.ticks.append(time.perf_counter())
            for slot in range(1, cards + 1):
                self.query_one(f"#c{slot}", Static).update(self.text(slot))

        def action_select(self, slot: int) -> None:
            self.query_one(f"#c{self.selected}", Static).set_class(False, "-selected")
            self.selected = slot
            self.query_one(f"#c{slot}", Static).set_class(True, "-selected")

    return BareCards()


async def bare(cards: int, size: tuple[int, int], repeats: int, idle: float) -> dict[str, Any]:
    app = bare_app(cards)
    probe = DisplayProbe(app)
    out: dict[str, Any] = {"focus": []}
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for i in range(repeats):
            slot = 1 + app.selected % 9
            out["focus"].append(await probe.press(pilot, str(slot), lambda slot=slot: app.selected == slot))
        out["idle"] = await idle_window(probe, idle, app.ticks)
    return out


async def bare_round_trip(cards: int, size: tuple[int, int], presses: int) -> list[float]:
    """The bare app's ``h``: key -> a request to a bare websockets server in its own process -> its answer
    restyles the card -> screen. Milliseconds per press."""
    times: list[float] = []
    async with BareFarEnds() as far:
        app = bare_app(cards, await far.websocket_server())
        probe = DisplayProbe(app)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for _ in range(presses):
                done = app.answered + 1
                times.append(await probe.press(pilot, "h", lambda done=done: app.answered >= done))
    return times


async def run(scale: Scale) -> Figure:
    repeats, idle = scale.pick((2, 1.0), (11, 3.0))
    real = await product_real(repeats, idle, Budget(scale.pick(25, 60)))
    bare32 = await bare(CARDS_BIG, BIG_SIZE, repeats, idle)
    round_trips = await bare_round_trip(CARDS_BIG, BIG_SIZE, 3 * repeats)
    figure = Figure("ui", "UI: key press to screen, call-card timers (Textual, headless)")
    base = summary(bare32["focus"], 1)
    what = "bare Textual, 32 cards: key -> one card restyled"
    trip = summary(round_trips, 1)
    trip_what = "bare Textual + bare websockets round trip, 32 cards: key -> send -> answer -> card restyled"
    figure.add("focus_32", "select a slot (1-9) -> screen, 32 real calls", "ms", summary(real["focus"], 1), base, what)
    figure.add("hold_32", "hold (h) -> card shows HELD, 32 real calls", "ms", summary(real["hold"], 1), trip,
               trip_what, note="includes the round trip to the switch, as the baseline's to its bare server")
    figure.add("retrieve_32", "retrieve (u) -> card shows CONNECTED, 32 real calls", "ms", summary(real["retrieve"], 1),
               trip, trip_what, note="includes the round trip to the switch")
    figure.add("acknowledged_32", "hold, retrieve, answer -> first screen update for the key, 32 calls", "ms",
               summary(real["acknowledged"], 1), trip, trip_what,
               note="the outcome when the switch answers within 25 ms (console/ui/pacing.py), else holding…, "
                    "retrieving…, answering… at 25 ms: a round trip, as the baseline's")
    figure.add("answer_32", "answer (a) -> card shows CONNECTED, 32 calls", "ms", summary(real["answer"], 1), trip,
               trip_what, note="auto-hold: the hold of the connected call and the answer leave together, one round trip")
    trip_p95 = summary([percentile(round_trips, 0.95)], 1)
    for key, label in (("hold", "hold (h) -> HELD"), ("retrieve", "retrieve (u) -> CONNECTED"),
                       ("answer", "answer (a) -> CONNECTED")):
        figure.add(f"{key}_32_p95", f"{label}, 32 real calls: 95th percentile", "ms",
                   summary([percentile(real[key], 0.95)], 1), trip_p95, "the bare round trip's 95th percentile",
                   note=f"of {len(real[key])} presses (the baseline's of {len(round_trips)})")
    figure.add("timer_updates_32", "screen updates/s while 32 card timers run", "updates/s",
               summary([real["idle"]["updates_per_s"]], 2), summary([bare32["idle"]["updates_per_s"]], 2),
               "bare Textual, 32 cards rewritten every 0.5 s", better="higher",
               note="the app ticks every 0.5 s; a card's duration shows whole seconds, so a card repaints once a second")
    figure.add("tick_to_screen_32", "timer tick -> screen update, 32 cards", "ms",
               summary(real["idle"]["tick_to_screen_ms"], 1), summary(bare32["idle"]["tick_to_screen_ms"], 1),
               "bare Textual, 32 cards")
    figure.add("idle_cpu_32", "UI process CPU while 32 card timers run", "% core",
               summary([real["idle"]["cpu"]], 1), summary([bare32["idle"]["cpu"]], 1), "bare Textual, 32 cards")
    figure.details = {"real": real, "bare_32": bare32, "bare_round_trip_32": round_trips}
    return figure
