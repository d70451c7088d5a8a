"""Figure 5, the UI: key press to screen, and the call cards' timers.

The app is built with the product's factory (console.ui.build_app) and
driven with Textual's Pilot (headless), as tests/ui does. "The screen shows
the new state" is measured at the compositor: the app's ``_display`` (which
Textual calls with every screen update it has composed) is observed, and a
key's time is from ``pilot.press`` to the first screen update after the
pressed-for state reached the call card.

* Real calls: the store's real client logs in to the switch (its own
  process, signaling only, as in tests/ui) and holds 9 calls, the most the
  console allows (MAX_SLOTS = 9: keys 1-9 address the slots). Keys: select a
  slot (1-9), hold (h) and retrieve (u) the connected call, answer (a) a call
  that rings in from a second console (the connected call goes on hold first).
  Hold, retrieve and answer include the round trip to the switch.
* 32 cards: the console cannot hold 32 calls, so a display-only store is
  given a state with 32 calls directly (the reducer would refuse the 10th):
  this measures drawing 32 cards (selecting a slot, the timers), not handling
  32 calls.
* Timers: the app ticks every 0.5 s and every card redraws its duration;
  the figures are screen updates per second while nothing else happens, the
  time from a tick to its screen update, and the process's CPU meanwhile.

Baseline: a bare Textual app with the same number of bordered Static cards
in the same grid, a key that changes one card, and a 0.5 s interval that
rewrites every card's text: what Textual itself costs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections.abc import Callable
from typing import Any

from .common import Budget, CpuWindow, Figure, Scale, summary
from .driver import BenchConsole
from .switch_proc import SwitchProcess

REAL_SIZE = (150, 45)
BIG_SIZE = (180, 100)
CARDS_REAL = 9
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


async def product_real(repeats: int, idle: float, budget: Budget) -> dict[str, Any]:
    from console.core.enums import CALL_STATES as S
    from console.core.enums import LOGIN_STATES
    from console.persist import Config, Settings
    from console.store import LoginPlan, Store, client_factory
    from console.ui import build_app

    out: dict[str, Any] = {"focus": [], "hold": [], "retrieve": [], "answer": []}
    async with SwitchProcess(media=False, user_max_calls=32) as switch:
        store = Store(client_factory(device=None), media=False, linger=0.2)
        plan = LoginPlan(server=switch.url, username="operator", password="operator", auto_login=True, restore=False)
        app = build_app(Settings(config=Config()), store, plan)
        probe = DisplayProbe(app)
        ticks: list[float] = []
        caller = BenchConsole(switch.url)
        try:
            async with app.run_test(size=REAL_SIZE) as pilot:
                app.watch(app, "now", lambda _: ticks.append(time.perf_counter()), init=False)
                await store_until(store, lambda s: s.login.state is LOGIN_STATES.SUCCESS)
                await caller.login("alice", "alice")
                for _ in range(CARDS_REAL):  # set-up, not measured: 9 calls, the last one connected
                    slot = store.dial("9001")
                    await store_until(store, lambda s, slot=slot: s.call_in(slot) is not None
                                      and s.call_in(slot).state is S.CONNECTED)
                out["cards"] = len(store.state.calls)
                await pilot.pause()
                active = next(c.slot for c in store.state.calls if c.state is S.CONNECTED)
                for i in range(repeats):
                    if budget.expired():
                        break
                    slot = 1 + (store.state.focused or 0) % CARDS_REAL
                    out["focus"].append(await probe.press(pilot, str(slot), _card_selected(app, slot)))
                await probe.press(pilot, str(active), _card_selected(app, active))
                for i in range(repeats):
                    if budget.expired():
                        break
                    out["hold"].append(await probe.press(pilot, "h", _card_state(app, active, S.HELD)))
                    out["retrieve"].append(await probe.press(pilot, "u", _card_state(app, active, S.CONNECTED)))
                out["idle"] = await idle_window(probe, idle, ticks)
                spare = next(c.slot for c in store.state.calls if c.slot != active)
                store.hangup(spare)  # room for the call that rings in: 8 calls + 1 ringing
                await store_until(store, lambda s: s.call_in(spare) is None)
                for i in range(repeats):
                    if budget.expired():
                        break
                    ringing = caller.dial("200")
                    state = await store_until(store, lambda s: any(c.ringing_in for c in s.calls))
                    slot = next(c.slot for c in state.calls if c.ringing_in)
                    async with asyncio.timeout(10):  # the ringing card is on screen before the key
                        await probe.expect(_card_ringing(app, slot))
                    out["answer"].append(await probe.press(pilot, "a", _card_state(app, slot, S.CONNECTED)))
                    await caller.hang_up(ringing)
                    await store_until(store, lambda s, slot=slot: s.call_in(slot) is None)
                    store.retrieve(active)  # back to 1 connected + 7 held before the next call rings
                    await store_until(store, lambda s: s.call_in(active).state is S.CONNECTED)
        finally:
            await caller.close()
            await store.aclose()
    return out


def forced_state(calls: int) -> Any:
    """A display-only store logged in, whose state holds ``calls`` calls (set directly: see the module docstring)."""
    from console.core.enums import CALL_STATES as S
    from console.core.enums import LOGIN_STATES, Direction
    from console.store import Store
    from console.store import events as ev
    from console.store.state import CallView

    store = Store(None)
    now = time.monotonic()
    store.dispatch(ev.LoginStarted("ws://127.0.0.1:1", "operator"))
    store.dispatch(ev.LoginChanged(LOGIN_STATES.CONNECTING, now))
    store.dispatch(ev.LoginChanged(LOGIN_STATES.SUCCESS, now, number="200", display_name="Operator"))
    views = tuple(
        CallView(key=f"k{slot}", slot=slot, direction=Direction.OUT if slot % 2 else Direction.IN,
                 state=S.CONNECTED if slot == 1 else S.HELD, created_at=now - slot, connected_at=now - slot,
                 call_id=f"c{slot}", remote_number=f"{9000 + slot}", remote_name=f"Caller {slot}")
        for slot in range(1, calls + 1)
    )
    store._state = dataclasses.replace(store.state, calls=views, focused=1)
    return store


async def product_forced(repeats: int, idle: float, budget: Budget) -> dict[str, Any]:
    from console.persist import Config, Settings
    from console.store import LoginPlan
    from console.ui import build_app

    store = forced_state(CARDS_BIG)
    app = build_app(Settings(config=Config()), store, LoginPlan(server="ws://127.0.0.1:1", username="operator"))
    probe = DisplayProbe(app)
    ticks: list[float] = []
    out: dict[str, Any] = {"focus": []}
    async with app.run_test(size=BIG_SIZE) as pilot:
        app.watch(app, "now", lambda _: ticks.append(time.perf_counter()), init=False)
        await pilot.pause()
        out["cards"] = len(app.screen.query("CallCard"))
        for i in range(repeats):
            if budget.expired():
                break
            slot = 1 + (store.state.focused or 0) % 9
            out["focus"].append(await probe.press(pilot, str(slot), _card_selected(app, slot)))
        out["idle"] = await idle_window(probe, idle, ticks)
    return out


# --- the baseline: bare Textual ---------------------------------------------------------------


def bare_app(cards: int) -> Any:
    from textual.app import App, ComposeResult
    from textual.containers import Grid
    from textual.widgets import Static

    class BareCards(App[None]):
        CSS = """
        Grid { grid-size: 3; grid-rows: 8; grid-gutter: 0 1; height: 1fr; overflow-y: auto; }
        Static { height: 8; border: round white; padding: 0 1; }
        Static.-selected { border: double white; }
        """
        BINDINGS = [(str(n), f"select({n})", "") for n in range(1, 10)]

        def __init__(self) -> None:
            super().__init__()
            self.ticks: list[float] = []
            self.selected = 1
            self.started = time.monotonic()

        def compose(self) -> ComposeResult:
            with Grid():
                for slot in range(1, cards + 1):
                    yield Static(self.text(slot), id=f"c{slot}")

        def text(self, slot: int) -> str:
            seconds = int(time.monotonic() - self.started) + slot
            state = "Connected" if slot == 1 else "On hold"
            return f"{state}\n{9000 + slot}  Caller {slot}\n{seconds // 60}:{seconds % 60:02d}\naudio off"

        def on_mount(self) -> None:
            self.set_interval(0.5, self.tick)

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


async def run(scale: Scale) -> Figure:
    repeats, idle = scale.pick((2, 1.0), (7, 3.0))
    real = await product_real(repeats, idle, Budget(scale.pick(15, 30)))
    big = await product_forced(repeats, idle, Budget(scale.pick(10, 20)))
    bare9 = await bare(CARDS_REAL, REAL_SIZE, repeats, idle)
    bare32 = await bare(CARDS_BIG, BIG_SIZE, repeats, idle)
    figure = Figure("ui", "UI: key press to screen, call-card timers (Textual, headless)")
    b9 = summary(bare9["focus"], 1)
    figure.add("focus_32", "select a slot (1-9) -> screen, 32 cards", "ms", summary(big["focus"], 1),
               summary(bare32["focus"], 1), "bare Textual, 32 cards: key -> one card restyled",
               note="32 cards drawn from a state set directly: the console holds at most 9 calls")
    figure.add("focus_9", "select a slot -> screen, 9 real calls", "ms", summary(real["focus"], 1), b9,
               "bare Textual, 9 cards: key -> one card restyled")
    figure.add("hold_9", "hold (h) -> card shows HELD, 9 real calls", "ms", summary(real["hold"], 1), b9,
               "bare Textual, 9 cards: key -> one card restyled", note="includes the round trip to the switch")
    figure.add("retrieve_9", "retrieve (u) -> card shows CONNECTED, 9 real calls", "ms", summary(real["retrieve"], 1),
               b9, "bare Textual, 9 cards: key -> one card restyled", note="includes the round trip to the switch")
    figure.add("answer_9", "answer (a) -> card shows CONNECTED, 9 calls", "ms", summary(real["answer"], 1), b9,
               "bare Textual, 9 cards: key -> one card restyled",
               note="holds the connected call first, then answers: two round trips to the switch")
    for key, run_, base, cards in (("32", big, bare32, CARDS_BIG), ("9", real, bare9, CARDS_REAL)):
        figure.add(f"timer_updates_{key}", f"screen updates/s while {cards} card timers run", "updates/s",
                   summary([run_["idle"]["updates_per_s"]], 2), summary([base["idle"]["updates_per_s"]], 2),
                   f"bare Textual, {cards} cards rewritten every 0.5 s", better="higher",
                   note="the app ticks every 0.5 s; a card's duration shows whole seconds")
        figure.add(f"tick_to_screen_{key}", f"timer tick -> screen update, {cards} cards", "ms",
                   summary(run_["idle"]["tick_to_screen_ms"], 1), summary(base["idle"]["tick_to_screen_ms"], 1),
                   f"bare Textual, {cards} cards")
        figure.add(f"idle_cpu_{key}", f"UI process CPU while {cards} card timers run", "% core",
                   summary([run_["idle"]["cpu"]], 1), summary([base["idle"]["cpu"]], 1), f"bare Textual, {cards} cards")
    figure.notes.append("The console holds at most 9 calls (console/store/state.py MAX_SLOTS = 9), so the 32-card "
                        "figures draw a state given to the store directly.")
    figure.details = {"real": real, "forced_32": big, "bare_9": bare9, "bare_32": bare32}
    return figure
