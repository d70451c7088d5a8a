"""Sequential calls with media, hold and retrieve leave nothing behind.

SOAK_CALLS=200 python -m pytest tests/e2e/test_media_soak.py -s runs the long
version (the figure in the notes); the suite runs a short one.
"""

from __future__ import annotations

import asyncio
import gc
import os

from aiortc import RTCPeerConnection

from console.media.devices import NullDevice
from console.media.sinks import RecordingSink
from console.switch.rtc_plane import RtcMediaPlane
from console.webrtc import CALL_STATES
from console_harness import Console

S = CALL_STATES
CALLS = int(os.environ.get("SOAK_CALLS", "12"))


def peer_connections() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, RTCPeerConnection))


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def one_call(op: Console) -> None:
    call = op.watch(op.inst.create_outgoing_call())
    sink = RecordingSink(seconds=1)
    call.set_audio_element(sink)
    call.dial("9000")
    await op.call_state(call, S.CONNECTED)
    await sink.wait_for(5, timeout=5)
    call.hold()
    await op.call_state(call, S.HELD)
    call.retrieve()
    await op.call_state(call, S.CONNECTED)
    await sink.wait_more(3, timeout=5)
    call.disconnect()
    await op.call_state(call, S.DISCONNECTED)


async def test_sequential_calls_with_hold_leave_no_peer_connections_tasks_or_fds(make_switch):
    plane = RtcMediaPlane(connect_timeout=5.0)
    switch = await make_switch(media=plane)
    op = Console(switch.url, {"device": NullDevice()})
    await op.login("operator", "operator")
    await one_call(op)  # warm up: imports, codecs, the device clock
    await op.until(lambda: plane.leg_count == 0, "the switch's media closed")
    base = {"pcs": peer_connections(), "tasks": len(asyncio.all_tasks()), "fds": fds(), "rss": rss_mib()}
    samples = []
    for n in range(CALLS):
        await one_call(op)
        if n % max(1, CALLS // 5) == 0:
            samples.append(round(rss_mib(), 1))
    await op.until(lambda: plane.leg_count == 0 and len(op.inst.calls) == 0, "every call closed")
    for _ in range(50):  # closing tasks finish within a few loop turns; bounded
        if len(asyncio.all_tasks()) <= base["tasks"]:
            break
        await asyncio.sleep(0.02)
    end = {"pcs": peer_connections(), "tasks": len(asyncio.all_tasks()), "fds": fds(), "rss": rss_mib()}
    print(f"\nsoak {CALLS} calls: start {base} end {end} rss samples {samples}")
    assert end["pcs"] <= base["pcs"], (base, end)
    assert end["tasks"] <= base["tasks"], (base, end)
    assert end["fds"] <= base["fds"] + 2, (base, end)
    await op.close()
