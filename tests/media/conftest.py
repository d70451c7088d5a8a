"""Media fixtures: a real RtcMediaPlane and CallMedia objects talking over loopback.

No websocket is involved: a call is ``plane.answer(leg, await media.create_offer())``
and ``media.accept_answer(...)``, exactly what the switch and the client core do
with the SDP they carry.
"""

from __future__ import annotations

import asyncio

import pytest

from console.media.call_media import CallMedia
from console.media.devices import NullDevice
from console.media.hub import DeviceHub
from console.media.sinks import RecordingSink
from console.switch.rtc_plane import RtcMediaPlane


@pytest.fixture
async def plane():
    made = RtcMediaPlane(connect_timeout=5.0)
    yield made
    await made.aclose()


@pytest.fixture
async def hub():
    made = DeviceHub(NullDevice())
    yield made
    made.stop()


@pytest.fixture
async def calls(plane, hub):
    """``await calls(leg, hears=..., device_hub=None, **kwargs)`` -> (CallMedia, RecordingSink), connected."""
    made: list[CallMedia] = []

    async def make(leg: str, hears=None, device_hub: DeviceHub | None = None, video: bool = False, **kwargs):
        media = CallMedia(device_hub or hub, connect_timeout=5.0, **kwargs)
        made.append(media)
        sink = RecordingSink()
        media.set_audio_element(sink)
        plane.route(leg, hears)
        await negotiate(media, plane, leg, "sendrecv", video)
        await media.wait_connected(5.0)
        await plane.wait_connected(leg, 5.0)
        return media, sink

    yield make
    for media in made:
        await media.close()


async def negotiate(media: CallMedia, plane: RtcMediaPlane, leg: str, direction: str = "sendrecv", video: bool = False):
    offer = await media.create_offer(direction=direction, video=video)
    answer = await plane.answer(leg, offer)
    await media.accept_answer(answer)
    return offer, answer


@pytest.fixture
def renegotiate():
    return negotiate


async def wait_until(predicate, timeout: float = 5.0, step: float = 0.01):
    """Poll a condition on the loop (for state that has no event of its own)."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(step)


@pytest.fixture
def until():
    return wait_until
