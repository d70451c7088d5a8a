"""The hub's device watch without a sound server: a card that stops is swapped for the silent device and back."""

from __future__ import annotations

import asyncio
import time

from console.media.devices import AudioDevice, NullDevice
from console.media.failover import device_failed, FIRST_TICK_SECONDS, STALL_SECONDS
from console.media.hub import DeviceHub
from console.media.portaudio import DeviceUnavailable


class FlakyCard(AudioDevice):
    """Looks like a PyAudioDevice to the watch: ``alive``, ``last_tick``, ``started_at``, ``reopen``."""

    name = "flaky card"
    watched = True

    def __init__(self, plugged: dict[str, bool]) -> None:
        super().__init__()
        self.plugged = plugged
        self.alive = True
        self.last_tick: float | None = None
        self.started_at: float | None = None
        self.stopped = False

    def start(self, loop, on_mic_frame) -> None:
        self.started_at = self.last_tick = time.monotonic()

    def stop(self) -> None:
        self.stopped = True

    def reopen(self) -> "FlakyCard":
        if not self.plugged["in"]:
            raise DeviceUnavailable("still unplugged")
        return FlakyCard(self.plugged)


async def wait_for(predicate, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def test_a_dead_card_is_replaced_by_silence_once_and_taken_back():
    plugged = {"in": True}
    card = FlakyCard(plugged)
    notices: list[str] = []
    hub = DeviceHub(card, notify=notices.append)
    hub.start()
    owner = object()
    hub.focus(owner)
    try:
        plugged["in"] = False
        card.alive = False  # PortAudio ended the stream
        await wait_for(lambda: hub.degraded)
        assert isinstance(hub.device, NullDevice) and card.stopped and hub.focused is owner
        frames = hub.mic_frames
        await wait_for(lambda: hub.mic_frames >= frames + 5)  # the silent device keeps the call's clock
        assert len(notices) == 1 and "flaky card stopped working" in notices[0]
        plugged["in"] = True
        await wait_for(lambda: not hub.degraded)
        assert isinstance(hub.device, FlakyCard) and hub.device is not card
        assert notices[1:] == ["Audio device flaky card is back"]
    finally:
        hub.stop()


def test_stalls_count_only_after_the_start_up_grace():
    card = FlakyCard({"in": True})
    now = 1000.0
    card.started_at, card.last_tick = now, now
    assert not device_failed(card, now + FIRST_TICK_SECONDS - 0.1)  # a PulseAudio stream may pause after its first tick
    assert device_failed(card, now + FIRST_TICK_SECONDS + STALL_SECONDS + 1)
    card.last_tick = now + FIRST_TICK_SECONDS + STALL_SECONDS
    assert not device_failed(card, now + FIRST_TICK_SECONDS + STALL_SECONDS + 1)
    card.alive = False
    assert device_failed(card, now + 0.1)
    assert not device_failed(NullDevice(), now)  # virtual devices are never watched
