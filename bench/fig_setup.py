"""Figure 1, call setup: dial() to CONNECTED, to media connected and to the first audio frame at the sink.

The console dials the switch's echo (9000) with an audio element set, so the
SDP offer rides on the dial request. Three moments, from ``dial()``:

* CONNECTED: the call state handler reports CONNECTED (signaling: the switch
  answered the offer and connected the service);
* media connected: the call's RTCPeerConnection reports ICE+DTLS connected;
* first frame: the first decoded audio frame reaches the call's sink.

Baseline: a bare pair of RTCPeerConnections in this process, offer handed
straight to the other: createOffer to ``connected``, and to the first
decoded frame (the far end sends a paced 20 ms track, as the switch does).
"""

from __future__ import annotations

import asyncio
import time

from console.media.devices import NullDevice
from console.media.tones import ToneGenerator
from console.webrtc import CALL_STATES

from .bare import BarePair, BarePeer
from .common import Budget, Figure, Scale, summary, wait_until
from .driver import BenchConsole, CountingSink
from .switch_proc import SwitchProcess

S = CALL_STATES


async def console_setups(repeats: int, budget: Budget) -> tuple[dict[str, list[float]], int]:
    times: dict[str, list[float]] = {"connected": [], "media": [], "first_frame": []}
    async with SwitchProcess() as switch:
        console = BenchConsole(switch.url, device=NullDevice(mic=ToneGenerator(440, -20).frame))
        try:
            await console.login("operator", "operator")
            for attempt in range(repeats + 1):  # the first call warms up imports and codecs: not counted
                if attempt > 1 and budget.expired():
                    break
                sink = CountingSink()
                start = time.perf_counter()
                call = console.dial("9000", sink)
                connected = await console.state(call, S.CONNECTED)
                await wait_until(lambda call=call: call.media is not None, timeout=10)
                await call.media.wait_connected(10)
                media = time.perf_counter()
                first = await sink.first()
                if attempt > 0:
                    times["connected"].append(1000 * (connected - start))
                    times["media"].append(1000 * (media - start))
                    times["first_frame"].append(1000 * (first - start))
                await console.hang_up(call)
                await wait_until_switch_idle(switch)
        finally:
            await console.close()
    return times, len(times["connected"])


async def wait_until_switch_idle(switch: SwitchProcess, timeout: float = 10.0) -> None:
    """The switch has closed the last call's media (so calls do not overlap)."""
    async with asyncio.timeout(timeout):
        while (await switch.stats())["media"]["legs"]:
            await asyncio.sleep(0.02)


async def bare_setups(repeats: int, budget: Budget) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"connected": [], "first_frame": []}
    for attempt in range(repeats + 1):
        if attempt > 1 and budget.expired():
            break
        pair = BarePair(BarePeer())
        try:
            start = time.perf_counter()
            await pair.connect()
            await wait_until(lambda pair=pair: pair.near.first_frame_at is not None, timeout=10, step=0.001)
            if attempt > 0:
                times["connected"].append(1000 * (pair.near.connected_at - start))
                times["first_frame"].append(1000 * (pair.near.first_frame_at - start))
        finally:
            await pair.close()
    return times


async def run(scale: Scale) -> Figure:
    repeats = scale.pick(3, 12)
    figure = Figure("setup", "Call setup (console -> switch echo 9000)")
    ours, calls = await console_setups(repeats, Budget(scale.pick(8, 25)))
    bare = await bare_setups(repeats, Budget(scale.pick(5, 15)))
    base_connected = summary(bare["connected"], 1)
    base_first = summary(bare["first_frame"], 1)
    label = "bare pair: offer -> connected"
    figure.add("dial_to_connected", "dial() -> CONNECTED (signaling)", "ms", summary(ours["connected"], 1),
               base_connected, label, note="the switch answers the offer and connects the service; media may still be setting up")
    figure.add("dial_to_media_connected", "dial() -> media connected (ICE+DTLS)", "ms", summary(ours["media"], 1),
               base_connected, label)
    figure.add("dial_to_first_frame", "dial() -> first audio frame at the sink", "ms", summary(ours["first_frame"], 1),
               base_first, "bare pair: offer -> first decoded frame")
    figure.details = {"console_ms": ours, "bare_ms": bare, "calls": calls}
    figure.notes.append("The switch runs in its own process; the bare pair runs both peers in this process.")
    return figure
