"""One operator, three calls: only the focused call reaches the speaker, and focus moves it."""

from __future__ import annotations

import asyncio

import pytest

from console.media import tones
from console.media.devices import NullDevice
from console.media.hub import DeviceHub

FAR_TONES = {"c1": 500.0, "c2": 700.0, "c3": 1100.0}


async def heard_tone(device: NullDevice, hz: float, timeout: float = 3.0) -> None:
    """Wait until the last 100 ms the speaker played is ``hz`` (and only ``hz``)."""
    async with asyncio.timeout(timeout):
        while True:
            recent = device.heard(0.1)
            if tones.tone_share(recent, 48000, hz) > 0.8:
                return
            await asyncio.sleep(0.02)


async def test_only_the_focused_call_is_heard(calls, hub):
    far_hubs = []
    operator = {}
    try:
        for leg, hz in FAR_TONES.items():
            far_hub = DeviceHub(NullDevice(mic=tones.ToneGenerator(hz, -12).frame))
            far_hubs.append(far_hub)
            far, _ = await calls(f"far-{leg}", leg, device_hub=far_hub)
            far_hub.focus(far)
            operator[leg], _ = await calls(leg, f"far-{leg}")
        device = hub.device
        assert hub.focused is None
        await operator["c3"]._audio_element.wait_more(10, timeout=3)
        assert tones.level_dbfs(device.heard(0.2)) == float("-inf")  # nobody focused: the speaker is silent

        for leg in ("c2", "c1", "c3", "c2"):
            hub.focus(operator[leg])
            await heard_tone(device, FAR_TONES[leg])
            recent = device.heard(0.1)
            for other, hz in FAR_TONES.items():
                if other != leg:
                    assert not tones.tone_present(recent, 48000, hz, min_share=0.05)  # never mixed
            # every call's own element still gets its audio, focused or not
            for other, media in operator.items():
                assert tones.dominant_frequency(media._audio_element.samples(0.1)) == pytest.approx(FAR_TONES[other], abs=3)

        hub.release(operator["c2"])
        await operator["c2"]._audio_element.wait_more(10, timeout=3)
        assert tones.level_dbfs(device.heard(0.1)) == float("-inf")
    finally:
        for far_hub in far_hubs:
            far_hub.stop()
