"""Calls through PyAudio and a real PulseAudio server: the console's headset is the test server's
``headset`` sink (recorded through its monitor) and its ``mic`` source (a 700 Hz sine at -6 dBFS).

Far ends: the switch's echo (9000) and tone (9001) services, and a second console (bob) on the
virtual device whose microphone tone the test changes at will.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from console.media.devices import NullDevice
from console.media.portaudio import PyAudioDevice
from console.media.sinks import RecordingSink
from console.media.tones import ToneGenerator, dominant_frequency, level_dbfs, tone_present, tone_share
from console.switch.media import TONE_HZ
from console.webrtc import CALL_STATES
from console_harness import Console
from bench.pulse_server import MIC_DBFS, MIC_HZ

S = CALL_STATES
RATE = 48000
HEADSET = "pulse:sink=headset,source=mic"
TIMEOUT = 15.0  # generous: a loaded 2-core machine, three peers, a sound server


class SwitchableMic:
    """A virtual microphone whose tone the test changes mid-call."""

    def __init__(self, hz: float) -> None:
        self.tone = ToneGenerator(hz, -12)

    def set(self, hz: float) -> None:
        self.tone = ToneGenerator(hz, -12)

    def frame(self) -> bytes:
        return self.tone.frame()


async def operator(switch) -> Console:
    op = Console(switch.url, {"device": HEADSET})
    await op.login("operator", "operator")
    return op


async def far_console(switch, user: str, mic: SwitchableMic) -> Console:
    console = Console(switch.url, {"device": NullDevice(mic=mic.frame)})
    await console.login(user, user)
    return console


def dial(console: Console, number: str) -> tuple:
    call = console.watch(console.inst.create_outgoing_call())
    sink = RecordingSink()
    call.set_audio_element(sink)
    call.dial(number)
    return call, sink


async def answer(console: Console) -> tuple:
    incoming = await console.next_incoming(TIMEOUT)
    sink = RecordingSink()
    incoming.set_audio_element(sink)
    incoming.answer()
    return incoming, sink


def carries(recorder, hz: float, seconds: float = 0.3, share: float = 0.5) -> bool:
    samples = recorder.samples(seconds=seconds)
    return len(samples) >= int(seconds * RATE * 0.9) and tone_present(samples, RATE, hz, min_share=share)


def silent(recorder, seconds: float = 0.3) -> bool:
    samples = recorder.samples(seconds=seconds)
    return len(samples) >= int(seconds * RATE * 0.9) and level_dbfs(samples) < -60


def blocks(samples: np.ndarray, size: int = 960) -> list[np.ndarray]:
    return [samples[i:i + size] for i in range(0, len(samples) - size + 1, size)]


async def test_the_console_talks_and_listens_through_the_headset(pulse, monitor, media_switch):
    """Tone and echo services, then a second console: what the virtual mic says arrives, what the far end says is on the headset."""
    headset = monitor("headset.monitor")
    op = await operator(media_switch)
    try:
        tone_call, _ = dial(op, "9001")
        await op.call_state(tone_call, S.CONNECTED, TIMEOUT)
        assert isinstance(op.inst.hub.device, PyAudioDevice)
        await op.measured(lambda: carries(headset, TONE_HZ), "the tone service on the headset", TIMEOUT)
        samples = headset.samples(seconds=0.3)
        assert dominant_frequency(samples) == pytest.approx(TONE_HZ, abs=3)
        assert level_dbfs(samples) == pytest.approx(-12, abs=2.5)
        assert op.inst.hub.out_dbfs == pytest.approx(-12, abs=2.5)
        assert op.inst.hub.mic_dbfs == pytest.approx(MIC_DBFS, abs=1.5)
        tone_call.disconnect()
        await op.call_state(tone_call, S.DISCONNECTED, TIMEOUT)

        echo_call, echo_sink = dial(op, "9000")
        await op.call_state(echo_call, S.CONNECTED, TIMEOUT)
        await op.measured(lambda: carries(headset, MIC_HZ), "our own microphone echoed on the headset", TIMEOUT)
        assert tone_present(echo_sink.samples(0.3), RATE, MIC_HZ)
        echo_call.disconnect()
        await op.call_state(echo_call, S.DISCONNECTED, TIMEOUT)

        bob_mic = SwitchableMic(500)
        bob = await far_console(media_switch, "bob", bob_mic)
        call, _ = dial(op, "202")
        _, bob_sink = await answer(bob)
        await op.call_state(call, S.CONNECTED, TIMEOUT)
        await bob_sink.wait_for(25, TIMEOUT)
        await op.measured(lambda: tone_present(bob_sink.samples(0.3), RATE, MIC_HZ), "the virtual mic at bob", TIMEOUT)
        heard = bob_sink.samples(0.3)
        assert dominant_frequency(heard) == pytest.approx(MIC_HZ, abs=3)
        assert level_dbfs(heard) == pytest.approx(MIC_DBFS, abs=2.5)
        await op.measured(lambda: carries(headset, 500), "bob on the headset", TIMEOUT)
        assert level_dbfs(headset.samples(seconds=0.3)) == pytest.approx(-12, abs=2.5)

        call.hold()
        await op.call_state(call, S.HELD, TIMEOUT)
        await op.measured(lambda: silent(headset), "a held call is not heard on the headset", TIMEOUT)
        call.retrieve()
        await op.call_state(call, S.CONNECTED, TIMEOUT)
        await op.measured(lambda: carries(headset, 500), "bob on the headset after retrieve", TIMEOUT)
    finally:
        await op.close()
    await bob.close()


@pytest.fixture
def aiortc_jitter_buffer():
    """aiortc's own 4-frame jitter buffer: a retrieved call then holds 3-4 frames from before the hold."""
    from console.media import patches

    saved = patches.audio_prefetch()
    patches.set_audio_prefetch(4)
    yield
    patches.set_audio_prefetch(saved)


async def test_switching_calls_moves_the_headset_without_stale_audio(pulse, monitor, media_switch, aiortc_jitter_buffer):
    """Two calls: bob (500 Hz, then 600 Hz while held) and the tone service (1000 Hz). After every switch the
    headset carries the new call only: no block of the old call's tone after the new one started, and none of
    bob's pre-hold 500 Hz after he is retrieved (those frames still sit in the jitter buffer)."""
    headset = monitor("headset.monitor")
    op = await operator(media_switch)
    bob_mic = SwitchableMic(500)
    bob = await far_console(media_switch, "bob", bob_mic)
    try:
        bob_call, _ = dial(op, "202")
        await answer(bob)
        await op.call_state(bob_call, S.CONNECTED, TIMEOUT)
        await op.measured(lambda: carries(headset, 500), "bob (500 Hz) on the headset", TIMEOUT)
        bob_call.hold()
        await op.call_state(bob_call, S.HELD, TIMEOUT)
        bob_mic.set(600)  # from now on, 500 Hz from bob is stale

        tone_call, _ = dial(op, "9001")
        await op.call_state(tone_call, S.CONNECTED, TIMEOUT)
        await op.measured(lambda: carries(headset, TONE_HZ), "the tone call on the headset", TIMEOUT)
        since = time.monotonic()

        tone_call.hold()
        await op.call_state(tone_call, S.HELD, TIMEOUT)
        bob_call.retrieve()
        await op.call_state(bob_call, S.CONNECTED, TIMEOUT)
        await op.measured(lambda: carries(headset, 600), "bob (now 600 Hz) on the headset", TIMEOUT)
        await op.measured(lambda: headset.received(since) > 1.5, "more headset audio", TIMEOUT)

        pieces = blocks(headset.samples(since=since))
        loud = [(i, b) for i, b in enumerate(pieces) if level_dbfs(b) > -40]
        stale = [i for i, b in loud if tone_share(b, RATE, 500) > 0.3]
        assert not stale, f"bob's pre-hold audio played after the switch (20 ms blocks {stale})"
        first_new = next(i for i, b in loud if tone_share(b, RATE, 600) > 0.5)
        late_old = [i for i, b in loud if i > first_new and tone_share(b, RATE, TONE_HZ) > 0.3]
        assert not late_old, f"the held tone call still played after bob came back (blocks {late_old})"
        assert any(tone_share(b, RATE, TONE_HZ) > 0.5 for i, b in loud if i < first_new)  # the window saw both
    finally:
        await op.close()
        await bob.close()


async def test_an_unplugged_headset_keeps_the_call_and_comes_back(pulse, monitor, media_switch):
    """The headset sink vanishes mid-call: the call stays up on the silent device (bob keeps receiving
    frames), the operator is told once, and the call is heard on the headset again when it returns."""
    op = await operator(media_switch)
    bob = await far_console(media_switch, "bob", SwitchableMic(500))
    try:
        call, _ = dial(op, "202")
        incoming, bob_sink = await answer(bob)
        await op.call_state(call, S.CONNECTED, TIMEOUT)
        headset = monitor("headset.monitor")
        await op.measured(lambda: carries(headset, 500), "bob on the headset", TIMEOUT)
        hub = op.inst.hub
        pulse.unload_sink("headset")
        await op.measured(lambda: hub.degraded, "the console gives up the vanished headset", TIMEOUT)
        await bob_sink.wait_more(25, TIMEOUT)  # media keeps flowing to the far end
        assert call.get_state() is S.CONNECTED and incoming.get_state() is S.CONNECTED
        assert hub.focused is call.media
        assert len(hub.notices) == 1 and "stopped working" in hub.notices[0], hub.notices
        pulse.load_sink("headset")
        headset = monitor("headset.monitor")
        await op.measured(lambda: not hub.degraded, "the headset is taken back", TIMEOUT)
        await op.measured(lambda: carries(headset, 500), "bob on the headset again", TIMEOUT)
        assert isinstance(hub.device, PyAudioDevice), hub.device
        assert len(hub.notices) == 2 and "is back" in hub.notices[1], hub.notices
    finally:
        await op.close()
        await bob.close()
