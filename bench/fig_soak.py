"""Figure 7, soak: sequential calls with hold, retrieve and transfer; what is left at the end.

One cycle, on one console with media (the switch in its own process):
dial the echo (9000) and hear it, hold, retrieve, dial music (9003) (which
holds the first call), transfer the first call to the second (the switch
joins the two services and both of the console's calls end). The run does as
many cycles as fit in its time budget, up to 1,000, and compares, at the
start (after two warm-up cycles) and at the end: this process's memory
(RSS), asyncio tasks, open file descriptors, threads and live
RTCPeerConnections, and the switch process's memory, tasks and descriptors.

Baseline: the same number of cycles of bare peer connections (a bare far
end in another process): connect and hear, re-offer inactive, re-offer
sendrecv, a second connection (the first re-offered inactive), close both.
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

from aiortc import RTCPeerConnection

from console.media.devices import NullDevice
from console.media.tones import ToneGenerator
from console.webrtc import CALL_STATES

from .bare import BareFarEnds, BarePeer, PacedTrack
from .common import (
    Budget,
    Figure,
    Scale,
    fd_count,
    rss_kib,
    single,
    summary,
    thread_count,
    wait_until,
)
from .driver import BenchConsole, CountingSink
from .switch_proc import SwitchProcess

S = CALL_STATES
MAX_CYCLES = 1000
SOAK_SECONDS = 32
BARE_SOAK_SECONDS = 10
LONG_SOAK_SECONDS = 400
LONG_BARE_SOAK_SECONDS = 250
SAMPLES = 8
WARM_UP = 2


def peer_connections() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, RTCPeerConnection))


async def quiet_tasks(limit: int, timeout: float = 3.0) -> int:
    """Tasks still running; closing tasks finish within a few loop turns, so wait (bounded) for them."""
    deadline = time.monotonic() + timeout
    while len(asyncio.all_tasks()) > limit and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return len(asyncio.all_tasks())


def here(tasks: int) -> dict[str, Any]:
    return {"rss_mib": rss_kib() / 1024, "tasks": tasks, "fds": fd_count(), "threads": thread_count(),
            "peer_connections": peer_connections()}


async def console_cycle(console: BenchConsole) -> None:
    sink = CountingSink()
    first = console.dial("9000", sink)
    await console.state(first, S.CONNECTED)
    await sink.first()
    first.hold()
    await console.until(lambda: first.get_state() is S.HELD, "hold")
    first.retrieve()
    await console.until(lambda: first.get_state() is S.CONNECTED, "retrieve")
    heard = CountingSink()
    second = console.dial("9003", heard)
    await console.state(second, S.CONNECTED)
    await heard.first()
    await console.until(lambda: first.get_state() is S.HELD, "auto-hold of the first call")
    first.transfer(second)
    await console.state(first, S.DISCONNECTED)
    await console.state(second, S.DISCONNECTED)


async def console_soak(budget: Budget, max_cycles: int) -> dict[str, Any]:
    cycle_s: list[float] = []
    async with SwitchProcess() as switch:
        # the switchboard's auto-hold (the API's default is off, as in the seed)
        console = BenchConsole(switch.url, device=NullDevice(mic=ToneGenerator(440, -20).frame), auto_hold=True)
        try:
            await console.login("operator", "operator")
            for _ in range(WARM_UP):
                await console_cycle(console)
            await idle(console, switch)
            start_tasks = await quiet_tasks(0, timeout=0.5)
            start = {"console": here(start_tasks), "switch": switch_view(await switch.stats())}
            samples: list[dict[str, float]] = []
            next_sample = 0.0
            while len(cycle_s) < max_cycles and not budget.expired():
                if budget.elapsed >= next_sample:  # memory over time: a leak climbs, an allocator levels off
                    samples.append({"cycle": len(cycle_s), "console_mib": rss_kib() / 1024,
                                    "switch_mib": switch.rss_kib() / 1024})
                    next_sample += budget.seconds / SAMPLES
                began = time.perf_counter()
                await console_cycle(console)
                cycle_s.append(time.perf_counter() - began)
            await idle(console, switch)
            end = {"console": here(await quiet_tasks(start_tasks)), "switch": switch_view(await switch.stats())}
        finally:
            await console.close()
    return {"cycles": len(cycle_s), "cycle_ms": [1000 * s for s in cycle_s], "start": start, "end": end,
            "rss_samples": samples}


async def idle(console: BenchConsole, switch: SwitchProcess, timeout: float = 10.0) -> None:
    """No call left at the console, no media leg left at the switch (bounded)."""
    await console.until(lambda: not console.inst.calls, "every call gone", timeout)
    async with asyncio.timeout(timeout):
        while (await switch.stats())["media"]["legs"]:
            await asyncio.sleep(0.05)


def switch_view(stats: dict[str, Any]) -> dict[str, Any]:
    return {"rss_mib": stats["rss_kib"] / 1024, "tasks": stats["tasks"], "fds": stats["fds"],
            "threads": stats["threads"], "media_legs": stats["media"]["legs"], "sessions": stats["sessions"]}


async def bare_cycle(far: BareFarEnds, index: int) -> None:
    first, second = BarePeer(track=PacedTrack(ToneGenerator(440, -20).frame)), BarePeer()
    legs = (f"s{index}a", f"s{index}b")
    try:
        await far.call(first, legs[0])
        async with asyncio.timeout(10):
            await first.connected.wait()
        await wait_until(lambda: first.frames > 0, timeout=10)
        await far.call(first, legs[0], direction="inactive")
        await far.call(first, legs[0], direction="sendrecv")
        await far.call(first, legs[0], direction="inactive")
        await far.call(second, legs[1])
        async with asyncio.timeout(10):
            await second.connected.wait()
        await wait_until(lambda: second.frames > 0, timeout=10)
    finally:
        for peer, leg in ((first, legs[0]), (second, legs[1])):
            await peer.close()
            await far.hang_up(leg)


async def bare_soak(budget: Budget, max_cycles: int) -> dict[str, Any]:
    cycle_s: list[float] = []
    async with BareFarEnds() as far:
        for index in range(WARM_UP):
            await bare_cycle(far, -1 - index)
        start_tasks = await quiet_tasks(0, timeout=0.5)
        start = {"bare": here(start_tasks), "far": far_view(await far.stats())}
        while len(cycle_s) < max_cycles and not budget.expired():
            began = time.perf_counter()
            await bare_cycle(far, len(cycle_s))
            cycle_s.append(time.perf_counter() - began)
        end = {"bare": here(await quiet_tasks(start_tasks)), "far": far_view(await far.stats())}
    return {"cycles": len(cycle_s), "cycle_ms": [1000 * s for s in cycle_s], "start": start, "end": end}


def far_view(stats: dict[str, Any]) -> dict[str, Any]:
    return {"rss_mib": stats["rss_kib"] / 1024, "tasks": stats["tasks"], "fds": stats["fds"], "threads": stats["threads"]}


def growth(run: dict[str, Any], side: str, key: str) -> float:
    return run["end"][side][key] - run["start"][side][key]


async def run(scale: Scale) -> Figure:
    seconds = scale.pick(6, SOAK_SECONDS, LONG_SOAK_SECONDS)
    ours = await console_soak(Budget(seconds), scale.pick(3, MAX_CYCLES))
    bare = await bare_soak(Budget(scale.pick(4, BARE_SOAK_SECONDS, LONG_BARE_SOAK_SECONDS)), ours["cycles"])
    figure = Figure("soak", f"Soak: {ours['cycles']} sequential calls with hold, retrieve and transfer")
    figure.add("cycles", "cycles done in the time budget", "cycles", single(ours["cycles"], 0), single(bare["cycles"], 0),
               "bare cycles (at most as many, in a shorter budget)", better="higher", comparable=False,
               note=f"target {MAX_CYCLES}; budget {seconds} s")
    figure.add("cycle_time", "one cycle: dial+hear, hold, retrieve, 2nd dial+hear, transfer", "ms",
               summary(ours["cycle_ms"], 1), summary(bare["cycle_ms"], 1),
               "bare: connect+hear, 3 re-offers, 2nd connection+hear, close both",
               note="the console's cycle ends when both calls show DISCONNECTED (their media closes in the "
                    "background); the bare cycle waits for both connections to close")
    for key, label, unit in (("rss_mib", "memory growth", "MiB"), ("tasks", "asyncio tasks growth", "tasks"),
                             ("fds", "file descriptors growth", "fds"), ("peer_connections", "live RTCPeerConnections growth", "pcs")):
        figure.add(f"console_{key}", f"console process: {label}", unit, single(growth(ours, "console", key), 1),
                   single(growth(bare, "bare", key), 1), f"bare peers' process: {label}", comparable=False,
                   note=f"start {ours['start']['console'][key]:.1f}, end {ours['end']['console'][key]:.1f}")
    for key, label, unit in (("rss_mib", "memory growth", "MiB"), ("tasks", "asyncio tasks growth", "tasks"),
                             ("fds", "file descriptors growth", "fds")):
        figure.add(f"switch_{key}", f"switch process: {label}", unit, single(growth(ours, "switch", key), 1),
                   single(growth(bare, "far", key), 1), f"bare far-end process: {label}", comparable=False,
                   note=f"start {ours['start']['switch'][key]:.1f}, end {ours['end']['switch'][key]:.1f}")
    figure.notes.append("Growth figures are end minus start (after two warm-up cycles); a growth near 0 (or a small "
                        "memory rise that levels off: see rss_samples in results.json) means nothing leaks. The bare "
                        f"run did {bare['cycles']} cycles, so its growth is shown for reference, without a ratio.")
    figure.details = {"console": ours, "bare": bare}
    return figure
