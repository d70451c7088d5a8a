"""An incoming call rings the speaker while no call has the device; a focused call is never disturbed."""

from __future__ import annotations

import asyncio

from console.media import tones
from console.media.devices import NullDevice
from console.media.hub import RING_DBFS, RING_HZ, RING_OFF_FRAMES, RING_ON_FRAMES, DeviceHub


async def ticks(device: NullDevice, count: int, timeout: float = 5.0) -> None:
    start = device.ticks
    async with asyncio.timeout(timeout):
        while device.ticks < start + count:
            await asyncio.sleep(0.02)


async def test_alert_rings_with_its_cadence_and_stops():
    device = NullDevice()
    hub = DeviceHub(device)
    hub.start()
    try:
        hub.alert(True)
        await ticks(device, 30)
        ring = device.heard(0.3)
        assert all(tones.tone_present(ring, 48000, hz, min_share=0.3) for hz in RING_HZ)
        assert abs(tones.level_dbfs(ring) - (RING_DBFS + 3.0)) < 1  # two tones, each at RING_DBFS
        await ticks(device, RING_ON_FRAMES + 20)  # into the silent part of the cadence
        assert tones.level_dbfs(device.heard(0.2)) == float("-inf")
        hub.alert(False)
        await ticks(device, RING_OFF_FRAMES + RING_ON_FRAMES // 2)  # where the next ring would be
        assert tones.level_dbfs(device.heard(0.4)) == float("-inf")
    finally:
        hub.stop()


async def test_a_focused_call_is_not_disturbed_by_the_ring():
    device = NullDevice()
    hub = DeviceHub(device)
    hub.start()
    owner = object()
    try:
        hub.focus(owner)
        hub.alert(True)
        await ticks(device, 20)
        assert tones.level_dbfs(device.heard(0.3)) == float("-inf")
        hub.release(owner)
        await ticks(device, 20)
        assert tones.tone_present(device.heard(0.2), 48000, RING_HZ[0], min_share=0.3)
    finally:
        hub.stop()
