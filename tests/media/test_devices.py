"""Audio devices: the virtual clock, WAV in and out, and the hub's focus rules (opening one: test_opening.py)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from console.media import tones
from console.media.devices import AudioDevice, NullDevice, WavDevice
from console.media.portaudio import PyAudioDevice
from console.media.hub import DeviceHub

ROOT = Path(__file__).parents[2]


def write_wav(path: Path, pcm: bytes, rate: int, channels: int = 1) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)


async def test_null_device_ticks_and_plays_back():
    device = NullDevice(mic=tones.ToneGenerator(500, -12).frame)
    mic: list[bytes] = []
    got_five = asyncio.Event()

    def on_mic(pcm: bytes) -> None:
        mic.append(pcm)
        if len(mic) >= 5:
            got_five.set()

    tone = tones.tone_frames(700, -12, 60)
    for pcm in tone:
        device.play(pcm)
    device.start(asyncio.get_running_loop(), on_mic)
    try:
        async with asyncio.timeout(2):
            await got_five.wait()
        heard = device.heard()
        assert tones.dominant_frequency(heard[:2880]) == pytest.approx(700, abs=2)
        assert tones.dominant_frequency(b"".join(mic)) == pytest.approx(500, abs=2)
        assert device.underruns >= 1  # after the three frames ran out, the speaker played silence
    finally:
        device.stop()


def test_playout_buffer_is_bounded_and_drops_oldest():
    device = AudioDevice(playout_frames=3)
    frames = [bytes([i]) * 1920 for i in range(5)]
    for pcm in frames:
        device.play(pcm)
    assert device.queued == 3 and device.dropped == 2
    assert device._next_playout() == frames[2]
    device.flush_playout()
    assert device._next_playout() == tones.SILENT_FRAME


def test_playout_buffer_trims_a_surplus_that_jitter_never_used():
    """A burst that arrives while frames are still queued leaves the buffer a frame longer for good (20 ms more
    mouth-to-ear each time); when for a whole window (1 s) every tick found 2 or more frames, one is dropped, until
    one frame waits at each tick. What the jitter needs is kept: frames that then come two at a time every other
    tick run the buffer down to 1 within every window, so nothing more is dropped and nothing is concealed."""
    device = AudioDevice()
    frame = b"\x01" * 1920
    for _ in range(3):  # a burst: 3 frames wait before the card's next tick
        device.play(frame)
    levels = []
    for _ in range(200):  # one frame arrives per tick, as the far end's clock sends them
        device.play(frame)
        levels.append(device.queued)
        device._next_playout()
    assert levels[0] == 4 and levels[-1] == 1, levels[-1]  # 4 frames waited at a tick, now 1: the surplus is gone
    assert device.dropped == 3 and device.underruns == 0
    for tick in range(200):
        if tick % 2 == 0:
            device.play(frame)
            device.play(frame)
        device._next_playout()
    assert device.dropped == 3 and device.underruns == 0


def test_playout_buffer_gives_back_a_pile_of_quiet_frames_within_200_ms():
    """A card that starts pulling late (a PulseAudio stream ticks 1-2 s after it opened) finds the buffer full;
    then one frame comes and one goes per tick, so the pile stays. When every tick of 200 ms found frames it never
    needed and those are quiet (a pause), they are dropped at once: one frame waits at each tick afterwards and
    nothing is concealed. Speech is not dropped that way (only one frame a second, as before)."""
    quiet, speech = bytes(1920), tones.ToneGenerator(700, -20).frame
    device = PyAudioDevice(pa=None, stream=None, name="a card")  # no stream: its callback is not run here
    for _ in range(5):  # the far end's frames while the card had not started
        device.play(quiet)
    levels = []
    for _ in range(15):  # then one per tick
        device.play(quiet)
        levels.append(device.queued)
        device._next_playout()
    assert levels[0] == 5 and levels[-1] == 1, levels
    assert device.dropped == 5 and device.underruns == 0  # play() on the full buffer, the cap (4), 3 given back
    loud = PyAudioDevice(pa=None, stream=None, name="a card")
    for _ in range(5):
        loud.play(speech())
    for _ in range(15):
        loud.play(speech())
        loud._next_playout()
    assert loud.queued == 3 and loud.dropped == 2  # the full buffer's and the cap's: speech waits for the 1 s rule
    virtual = AudioDevice()  # the loop's own clock neither starts late nor stalls: only the 1 s rule
    for _ in range(5):
        virtual.play(quiet)
    for _ in range(15):
        virtual.play(quiet)
        virtual._next_playout()
    assert virtual.queued == 3 and virtual.dropped == 2


def test_a_card_keeps_the_frame_that_a_gap_showed_was_needed_for_3_s():
    """A frame that comes late leaves the speaker a gap (silence played), and then one frame more waits at each
    tick: the margin the jitter needed. Giving it back at once (a pause: 200 ms) brought the next gap, in a cycle
    (the bench: 5 gaps and 4 frames dropped in 6 s); it is kept for 3 s after a gap, then given back."""
    device = PyAudioDevice(pa=None, stream=None, name="a card")
    pause = bytes(1920)
    for tick in range(20):  # one frame per tick, taken at once: one waits at each tick
        device.play(pause)
        device._next_playout()
    device._next_playout()  # a frame comes late: a gap
    device.play(pause)  # the late one, then the next one on time
    levels = []
    for tick in range(200):
        device.play(pause)
        levels.append(device.queued)
        device._next_playout()
    assert set(levels[:150]) == {2}, levels[:150]  # kept for 3 s
    assert levels[-1] == 1 and device.underruns == 1  # then given back, and no gap came of it


async def test_wav_device_loops_resampled_mic_and_records(tmp_path):
    source = tmp_path / "in.wav"
    stereo_8k = np.repeat(tones.from_pcm(b"".join(tones.tone_frames(400, -12, 100, rate=8000))), 2)
    write_wav(source, stereo_8k.astype("<i2").tobytes(), 8000, channels=2)
    record = tmp_path / "out.wav"
    device = WavDevice(source, record_path=record)
    assert device.is_null and "in.wav" in device.name
    mic: list[bytes] = []
    enough = asyncio.Event()

    def on_mic(pcm: bytes) -> None:
        mic.append(pcm)
        if len(mic) >= 8:  # more than the 100 ms file: it loops
            enough.set()

    for pcm in tones.tone_frames(900, -12, 40):
        device.play(pcm)
    device.start(asyncio.get_running_loop(), on_mic)
    async with asyncio.timeout(2):
        await enough.wait()
    device.stop()
    assert all(len(pcm) == 1920 for pcm in mic)
    assert tones.dominant_frequency(b"".join(mic[1:7])) == pytest.approx(400, abs=3)
    with wave.open(str(record)) as recorded:
        assert recorded.getframerate() == 48000 and recorded.getnchannels() == 1
        data = recorded.readframes(recorded.getnframes())
    assert tones.dominant_frequency(data[: 2 * 1920]) == pytest.approx(900, abs=3)


class FakeDevice(AudioDevice):
    """Records what the hub does with it; mic frames are pushed by the test."""

    def __init__(self) -> None:
        super().__init__()
        self.on_mic = None

    def start(self, loop, on_mic_frame):
        self.on_mic = on_mic_frame

    def stop(self):
        self.on_mic = None


def test_hub_lends_the_mic_and_speaker_to_the_focused_owner_only():
    device = FakeDevice()
    hub = DeviceHub(device)
    hub.start(loop=object())  # the fake ignores the loop
    a, b = object(), object()
    one, two = b"\x01" * 1920, b"\x02" * 1920
    device.on_mic(one)  # nobody focused: dropped
    assert hub.mic_frame(a) is None
    hub.focus(a)
    assert hub.focused is a
    device.on_mic(one)
    assert hub.mic_frame(b) is None  # b is not focused: silence
    assert hub.mic_frame(a) == one
    hub.speak(b, two)
    assert device.queued == 0  # not mixed in
    hub.speak(a, one)
    assert device.queued == 1
    device.on_mic(two)
    hub.focus(b)  # stale frames of a are flushed both ways
    assert device.queued == 0 and hub.mic_frame(b) is None
    hub.release(a)  # not focused: no effect
    assert hub.focused is b
    hub.release(b)
    assert hub.focused is None


def test_hub_mic_queue_is_bounded_and_trims_latency():
    device = FakeDevice()
    hub = DeviceHub(device)
    hub.start(loop=object())
    owner = object()
    hub.focus(owner)
    frames = [bytes([i]) * 1920 for i in range(10)]
    for pcm in frames:
        device.on_mic(pcm)
    # bounded at 4, then trimmed to the 2 newest before the track takes one
    assert hub.mic_frame(owner) == frames[8]
    assert hub.mic_frame(owner) == frames[9]
    assert hub.mic_frame(owner) is None


def test_quiet_stderr_silences_c_level_writes_and_restores_fd2():
    code = (
        "import os, sys\n"
        "from console.media.portaudio import quiet_stderr\n"
        "with quiet_stderr():\n"
        "    os.write(2, b'ALSA lib noise\\n')\n"
        "os.write(2, b'after\\n')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "after\n"
