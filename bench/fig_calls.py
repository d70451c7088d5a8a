"""Figures 3 and 4, from one ramp of calls held by one console.

The console calls the switch's echo (9000) again and again and holds every
call but the newest (a re-offer with direction ``inactive``), so at every
step there is 1 active call and N-1 held ones. To get far in little time the
held calls of a step are set up 16 at a time (auto-hold off), then the new
active call is dialed last. The active call sends a tone from the console's
(virtual) microphone and gets the echo back.

* Figure 3, CPU: this process's CPU (the console; the switch runs in its
  own process, measured separately) with 1 active call, 1 active + 15 held,
  1 active + 31 held; one held call = (CPU at 1+31 - CPU at 1) / 31.
* Figure 4, parallel calls: the ramp goes on (48, 64, 96, ... calls) until
  the active call's sink gets fewer than 48 frames a second (of 50), a call
  drops, or the time budget ends. The figure is the last step that passed.

Baseline, the same ramp with bare aiortc: a bare RTCPeerConnection per call
in this process (a paced tone track, a reader), its far end in another
process (bench/bare_proc.py) sending back what it decodes; "hold" is the
same re-offer with direction ``inactive``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from console.media.devices import NullDevice
from console.media.tones import ToneGenerator
from console.webrtc import CALL_STATES

from .bare import BareFarEnds, BarePeer, PacedTrack
from .common import (
    Budget,
    CpuWindow,
    Figure,
    LoopLag,
    Scale,
    passes,
    settle,
    summary,
    wait_until,
    window_figures,
)
from .driver import BenchConsole, CountingSink
from .switch_proc import SwitchProcess

S = CALL_STATES
CPU_STEPS = (1, 16, 32)
QUICK_CPU_STEPS = (1, 3, 5)
BATCH = 16  # calls set up at once while ramping
RAMP_STEPS = (96, 160, 224, 288, 352)
LONG_RAMP_STEPS = (96, 160, 224, 288, 352, 416, 480, 544, 608, 672, 736, 800, 864, 928)


class ConsoleCalls:
    """The product: one console (auto-hold off, so held calls can be set up in parallel); the switch in its own process."""

    name = "console"

    def __init__(self) -> None:
        self.switch = SwitchProcess(max_media=1000, max_calls=2000, user_max_calls=2000)  # one operator, many calls
        self.calls: list[tuple[Any, CountingSink]] = []

    async def start(self) -> None:
        await self.switch.start()
        self.console = BenchConsole(self.switch.url, device=NullDevice(mic=ToneGenerator(440, -20).frame),
                                    auto_hold=False)
        await self.console.login("operator", "operator")

    @property
    def other_pid(self) -> int:
        return self.switch.pid

    async def _dial(self) -> tuple[Any, CountingSink]:
        sink = CountingSink()
        call = self.console.dial("9000", sink)
        await self.console.state(call, S.CONNECTED, timeout=30)
        await sink.first(timeout=30)
        return call, sink

    async def _hold(self, call: Any) -> None:
        call.hold()
        await self.console.until(lambda: call.get_state() is S.HELD, f"{call} held", timeout=30)

    async def hold_active(self) -> None:
        if self.calls:
            await self._hold(self.calls[-1][0])

    async def add_held(self, count: int) -> None:
        made = await asyncio.gather(*(self._dial() for _ in range(count)))
        await asyncio.gather(*(self._hold(call) for call, _ in made))
        self.calls[:0] = made  # held calls go before the active one

    async def add_active(self) -> None:
        self.calls.append(await self._dial())

    def active_meter(self) -> Any:
        return self.calls[-1][1]

    def alive(self) -> bool:
        return all(call.get_state() in (S.CONNECTED, S.HELD) for call, _ in self.calls)

    async def close(self) -> None:
        try:
            await self.console.close()
        finally:
            await self.switch.stop()


class BareCalls:
    """The baseline: bare peer connections here, bare far ends in another process."""

    name = "bare"

    def __init__(self) -> None:
        self.far = BareFarEnds()
        self.calls: list[tuple[str, BarePeer]] = []
        self._legs = 0

    async def start(self) -> None:
        await self.far.start()

    @property
    def other_pid(self) -> int:
        return self.far.pid

    async def _dial(self) -> tuple[str, BarePeer]:
        self._legs += 1
        leg = f"b{self._legs}"
        peer = BarePeer(track=PacedTrack(ToneGenerator(440, -20).frame))
        await self.far.call(peer, leg)
        async with asyncio.timeout(60):
            await peer.connected.wait()
        await wait_until(lambda: peer.frames > 0, timeout=30)
        return leg, peer

    async def _hold(self, leg: str, peer: BarePeer) -> None:
        peer.track.muted = True  # as the console's device hub gives a call that is not focused silence
        await self.far.call(peer, leg, direction="inactive")

    async def hold_active(self) -> None:
        if self.calls:
            await self._hold(*self.calls[-1])

    async def add_held(self, count: int) -> None:
        made = await asyncio.gather(*(self._dial() for _ in range(count)))
        await asyncio.gather(*(self._hold(leg, peer) for leg, peer in made))
        self.calls[:0] = made

    async def add_active(self) -> None:
        self.calls.append(await self._dial())

    def active_meter(self) -> Any:
        return self.calls[-1][1]

    def alive(self) -> bool:
        return all(peer.pc.connectionState == "connected" for _, peer in self.calls)

    async def close(self) -> None:
        try:
            for _, peer in self.calls:
                await peer.close()
        finally:
            await self.far.stop()


async def grow(calls: Any, target: int, budget: Budget, bounded: bool) -> None:
    """From N calls to ``target``: hold the active call, set up the new held ones in parallel (16 at a time),
    then dial the new active call last (so it has the microphone, as the newest call does on a console)."""
    await calls.hold_active()
    missing = target - len(calls.calls) - 1
    while missing > 0:
        if bounded and budget.expired():
            raise TimeoutError("time budget")
        batch = min(BATCH, missing)
        await calls.add_held(batch)
        missing -= batch
    await calls.add_active()


async def measure(calls: Any, seconds: float) -> dict[str, Any]:
    """One window: CPU of this process and of the other one, the active call's frames per second, loop lag."""
    meter = calls.active_meter()
    before = meter.snapshot()
    with LoopLag() as lag, CpuWindow([calls.other_pid]) as cpu:
        await asyncio.sleep(seconds)
    frames = window_figures(before, meter.snapshot(), cpu.wall)
    return {"cpu": cpu.own, "other_cpu": cpu.others[calls.other_pid], **frames, **lag.figures()}


async def ramp(calls: Any, cpu_steps: tuple[int, ...], cpu_windows: int, window: float, ramp_window: float,
               ramp_steps: tuple[int, ...], budget: Budget) -> dict[str, Any]:
    """Add calls step by step; at each step measure; stop at the first step that fails or when time is up."""
    steps: dict[int, list[dict[str, Any]]] = {}
    reached: dict[int, float] = {}
    passed: int | None = None
    failed: str | None = None  # why the first step that failed did
    stop_reason = "every step passed"
    limited = False
    await calls.start()
    try:
        for target in (*cpu_steps, *ramp_steps):
            if target not in cpu_steps and failed is not None:
                break  # the ramp goes on only while every step carried the active call
            if target not in cpu_steps and budget.expired(reserve=ramp_window + 2):
                stop_reason = f"time budget reached before {target} calls"
                limited = True
                break
            try:
                await grow(calls, target, budget, bounded=target not in cpu_steps)
            except (TimeoutError, RuntimeError) as error:
                stop_reason = f"could not set up call {len(calls.calls) + 1}: {error}"
                limited = str(error) == "time budget"
                break
            await settle(0.5)
            windows = cpu_windows if target in cpu_steps else 1
            length = window if target in cpu_steps else ramp_window
            steps[target] = [await measure(calls, length) for _ in range(windows)]
            reached[target] = budget.elapsed
            worst = min(steps[target], key=lambda w: (w["delivered"], w["fps"]))
            if not all(passes(w) for w in steps[target]) or not calls.alive():
                if failed is None:
                    failed = (f"at {target} calls the active call got {worst['fps']:.1f} frames/s, "
                              f"{100 * worst['delivered']:.1f} % of those sent") + ("" if calls.alive() else "; a call dropped")
                if target not in cpu_steps or not calls.alive():
                    break
                continue  # the CPU steps are measured even on a machine too busy to carry every frame
            if failed is None:
                passed = target
        if failed is not None:
            stop_reason = failed
    finally:
        await calls.close()
    if passed == (*cpu_steps, *ramp_steps)[-1]:
        limited = True  # the last step passed: the limit is above the ramp
    return {"steps": steps, "passed": passed, "stop": stop_reason, "seconds_at_step": reached, "lower_bound": limited}


def cpu_summary(steps: dict[int, list[dict[str, Any]]], count: int, key: str = "cpu") -> dict[str, Any]:
    return summary([w[key] for w in steps.get(count, [])], 1)


def held_cost(steps: dict[int, list[dict[str, Any]]], most: int, key: str = "cpu") -> dict[str, Any]:
    one, many = steps.get(1, []), steps.get(most, [])
    return summary([(b[key] - a[key]) / (most - 1) for a, b in zip(one, many)], 2)


async def run(scale: Scale, parallel: bool = True) -> tuple[Figure, Figure]:
    cpu_steps = scale.pick(QUICK_CPU_STEPS, CPU_STEPS)
    cpu_windows, window, ramp_window = scale.pick((1, 0.8, 1.0), (3, 1.2, 3.0))
    ramp_steps = scale.pick((), RAMP_STEPS, LONG_RAMP_STEPS) if parallel else ()
    ours = await ramp(ConsoleCalls(), cpu_steps, cpu_windows, window, ramp_window, ramp_steps, Budget(scale.pick(20, 55, 900)))
    bare = await ramp(BareCalls(), cpu_steps, cpu_windows, window, ramp_window, ramp_steps, Budget(scale.pick(15, 45, 900)))

    cpu = Figure("cpu", "CPU per call (% of one core)")
    base = "bare aiortc: 1 peer connection here, far end elsewhere"
    some, most = cpu_steps[1], cpu_steps[2]
    for key, count, label in (("console_active", 1, "1 active call"), ("console_some_held", some, f"1 active + {some - 1} held"),
                              ("console_many_held", most, f"1 active + {most - 1} held")):
        cpu.add(key, f"console process, {label}", "% core", cpu_summary(ours["steps"], count),
                cpu_summary(bare["steps"], count), f"{base}, {label}")
    cpu.add("held_call", "one held call (console process)", "% core", held_cost(ours["steps"], most),
            held_cost(bare["steps"], most), "bare aiortc: one inactive peer connection",
            note=f"(CPU at 1 + {most - 1} held - CPU at 1) / {most - 1}")
    cpu.add("switch_active", "switch process, 1 active call", "% core", cpu_summary(ours["steps"], 1, "other_cpu"),
            cpu_summary(bare["steps"], 1, "other_cpu"), "bare far-end process, 1 call")
    cpu.add("switch_many_held", f"switch process, 1 active + {most - 1} held", "% core",
            cpu_summary(ours["steps"], most, "other_cpu"), cpu_summary(bare["steps"], most, "other_cpu"),
            f"bare far-end process, {most} calls")
    cpu.add("switch_held_call", "one held call (switch process)", "% core", held_cost(ours["steps"], most, "other_cpu"),
            held_cost(bare["steps"], most, "other_cpu"), "bare far end: one inactive peer connection")
    cpu.notes.append("The switch runs in its own process, so the console's figures are the console's alone; "
                     "both processes share the machine's cores.")
    cpu.details = {"console_steps": ours["steps"], "bare_steps": bare["steps"]}

    par = Figure("parallel", "Parallel calls held by one console (active call still at 50 frames/s)")
    par.add("max_calls", "most calls at once, active call >= 48 of 50 frames/s", "calls",
            summary([ours["passed"]] if ours["passed"] else [], 0), summary([bare["passed"]] if bare["passed"] else [], 0),
            "bare aiortc: peer connections here, far ends elsewhere", better="higher",
            note=f"console: {ours['stop']}; bare: {bare['stop']}",
            value_bound=ours["lower_bound"], baseline_bound=bare["lower_bound"])
    common = max((n for n in ours["steps"] if n in bare["steps"]), default=None)
    if common is not None:
        par.add("cpu_at_common_step", f"console process CPU with {common} calls (1 active)", "% core",
                summary([w["cpu"] for w in ours["steps"][common]], 1), summary([w["cpu"] for w in bare["steps"][common]], 1),
                f"bare peers' process, {common} calls", note="the largest step both ramps measured")
    par.notes.append(f"One ramp (steps {', '.join(map(str, (*cpu_steps, *ramp_steps)))} calls), measured once per run; "
                     "a step passes if, over a 3 s window, the active call's sink got >= 96 % of the frames sent "
                     "(counted by RTP timestamp) arriving at >= 47 frames/s, and no call dropped.")
    par.details = {
        "console": {count: _step_view(windows) for count, windows in ours["steps"].items()},
        "bare": {count: _step_view(windows) for count, windows in bare["steps"].items()},
        "console_stop": ours["stop"], "bare_stop": bare["stop"],
        "console_seconds_at_step": ours["seconds_at_step"], "bare_seconds_at_step": bare["seconds_at_step"],
    }
    return cpu, par


def _step_view(windows: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: round(min(w[key] for w in windows) if key in ("fps", "delivered") else max(w[key] or 0 for w in windows), 3)
            for key in ("fps", "delivered", "cpu", "other_cpu", "p50_ms", "p99_ms")}
