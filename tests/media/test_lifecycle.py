"""Creating and closing calls leaves nothing behind: no peer connections, no tasks."""

from __future__ import annotations

import asyncio
import gc

from aiortc import RTCPeerConnection

from console.media.call_media import CallMedia
from console.switch.media import ServiceKind
from console.switch.rtc_plane import RtcMediaPlane


def live_peer_connections() -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, RTCPeerConnection))


async def settle_tasks(baseline: int, timeout: float = 5.0) -> int:
    """aiortc ends some of its own tasks a moment after close(); wait for them with a bound."""
    async with asyncio.timeout(timeout):
        while len(asyncio.all_tasks()) > baseline:
            await asyncio.sleep(0.02)
    return len(asyncio.all_tasks())


async def test_fifty_sequential_calls_leave_nothing_behind(hub, renegotiate):
    plane = RtcMediaPlane(connect_timeout=5)
    hub.start()
    baseline_tasks = len(asyncio.all_tasks())
    baseline_pcs = live_peer_connections()
    for i in range(50):
        leg = f"c{i}"
        plane.route(leg, ServiceKind.ECHO if i % 2 else ServiceKind.TONE)
        media = CallMedia(hub, connect_timeout=5)
        hub.focus(media)
        await renegotiate(media, plane, leg, "sendrecv", i % 10 == 0)
        await media.wait_connected(5)
        if i % 5 == 0:
            await renegotiate(media, plane, leg, "inactive", i % 10 == 0)
        if i % 2:
            await media.close()
            await plane.close(leg)
        else:
            await plane.close(leg)
            await media.close()
        assert hub.focused is None
    await plane.aclose()
    assert await settle_tasks(baseline_tasks) == baseline_tasks
    assert live_peer_connections() == baseline_pcs == 0
