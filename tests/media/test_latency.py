"""Echo round trip, mouth to ear, measured in device ticks: console mic -> switch echo -> console speaker.

It covers everything in the path: the hub's mic queue, the paced sending
track, Opus, loopback UDP, the switch's jitter buffer and relay queue, its
paced track, the console's jitter buffer and the playout buffer. The figure is
printed (run with -s); the test asserts only that every burst came back,
never a wall-clock bound (machines differ; see STYLE.md).
"""

from __future__ import annotations

import statistics

import numpy as np

from console.media import patches, tones
from console.media.call_media import CallMedia
from console.media.devices import NullDevice
from console.media.hub import DeviceHub
from console.media.sinks import RecordingSink
from console.switch.media import ServiceKind

BURST_EVERY = 25  # ticks (500 ms)
BURST_FRAMES = 3


class ClickDevice(NullDevice):
    """Sends a short tone burst every BURST_EVERY ticks and notes when each one is heard."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.heard_at: list[int] = []
        self._loud = False
        self._burst = tones.tone_frames(1000, -12, 20 * BURST_FRAMES)
        super().__init__(mic=self._next)

    def _next(self) -> bytes:
        phase = self.ticks % BURST_EVERY
        if phase == 0:
            self.sent.append(self.ticks)
        return self._burst[phase] if phase < BURST_FRAMES else tones.SILENT_FRAME

    def _heard(self, pcm: bytes) -> None:
        loud = float(np.abs(tones.from_pcm(pcm)).max()) > 2000
        if loud and not self._loud:
            self.heard_at.append(self.ticks)
        self._loud = loud


async def measure(plane, prefetch: int, bursts: int = 8) -> list[float]:
    plane.audio_prefetch = prefetch  # both receive hops: the switch's leg has its own setting
    device = ClickDevice()
    hub = DeviceHub(device)
    media = CallMedia(hub, connect_timeout=5, audio_prefetch=prefetch)
    try:
        leg = f"latency-{prefetch}"
        plane.route(leg, ServiceKind.ECHO)
        await media.accept_answer(await plane.answer(leg, await media.create_offer()))
        await media.wait_connected(5)
        hub.focus(media)
        element = RecordingSink()
        media.set_audio_element(element)
        await element.wait_more(BURST_EVERY * (bursts + 2), timeout=30)
        await plane.close(leg)
    finally:
        await media.close()
        hub.stop()
        plane.audio_prefetch = patches.DEFAULT_AUDIO_PREFETCH
    # pair each heard burst with the latest burst sent before it
    delays = []
    for heard in device.heard_at:
        sent = max((s for s in device.sent if s <= heard), default=None)
        if sent is not None and heard - sent < BURST_EVERY:
            delays.append((heard - sent) * 20.0)
    return delays[1:]  # the first burst may have gone out before focus


async def test_echo_round_trip_latency(plane, capsys):
    figures = {}
    for prefetch in (patches.DEFAULT_AUDIO_PREFETCH, 4):
        delays = await measure(plane, prefetch)
        assert len(delays) >= 5, delays
        figures[prefetch] = delays
    with capsys.disabled():
        for prefetch, delays in figures.items():
            print(
                f"\necho round trip (mouth to ear, 2 receive hops), jitter prefetch {prefetch}: "
                f"median {statistics.median(delays):.0f} ms, min {min(delays):.0f}, max {max(delays):.0f} (n={len(delays)})"
            )
