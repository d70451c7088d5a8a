"""The PyAudio device on a real PulseAudio server: tones measured on the sinks' monitors, a ringer, unplugging."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.media import tones
from console.media.devices import NullDevice
from console.media.opening import open_device
from console.media.hub import RING_DBFS, RING_HZ, DeviceHub
from console.media.portaudio import PyAudioDevice
from console.media.pulse import list_pulse_devices
from bench.pulse_server import MIC_DBFS, MIC_HZ
from store_wait import polled

ROOT = Path(__file__).parents[2]
HEADSET = "pulse:sink=headset,source=mic"
RATE = 48000


async def until(predicate, what: str, timeout: float = 10.0, step: float = 0.02) -> None:
    """Poll state that has no event of its own (a sound card's output, a watchdog's decision)."""
    await polled(predicate, what, timeout, step)


def has_tone(recorder, hz: float, seconds: float = 0.3, level: tuple[float, float] | None = None) -> bool:
    samples = recorder.samples(seconds=seconds)
    if len(samples) < int(seconds * RATE * 0.9) or not tones.tone_present(samples, RATE, hz, min_share=0.5):
        return False
    return level is None or level[0] < tones.level_dbfs(samples) < level[1]


class Talker:
    """A call stand-in: owns the hub's focus, plays a tone to the speaker on every device tick, keeps the mic."""

    def __init__(self, hub: DeviceHub, hz: float) -> None:
        self.hub, self.tone = hub, tones.ToneGenerator(hz, -12)
        self.mic: list[bytes] = []
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self.hub.focus(self)
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        start, tick = loop.time(), 0
        while True:
            frame = self.hub.mic_frame(self)
            if frame is not None:
                self.mic.append(frame)
            self.hub.speak(self, self.tone.frame())
            tick += 1
            await asyncio.sleep(max(0.0, start + tick * 0.02 - loop.time()))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


def test_the_server_lists_its_sinks_and_sources_by_name(pulse):
    devices = {(d.kind, d.name): d for d in list_pulse_devices()}
    assert ("output", "headset") in devices and ("output", "speaker") in devices
    assert ("input", "mic") in devices and devices[("input", "headset.monitor")].monitor
    assert devices[("output", "speaker")].description == "Test-desk-speaker"
    assert devices[("output", "headset")].spec == "pulse:sink=headset"


async def test_headset_plays_to_its_sink_and_records_the_virtual_microphone(pulse, monitor):
    headset, speaker = monitor("headset.monitor"), monitor("speaker.monitor")
    device = PyAudioDevice.open(HEADSET)
    hub = DeviceHub(device)
    hub.start()
    talker = Talker(hub, 900)
    talker.start()
    try:
        await until(lambda: has_tone(headset, 900, level=(-13.5, -10.5)), "900 Hz at -12 dBFS on the headset")
        await until(lambda: len(talker.mic) >= 25, "half a second of microphone")
        mic = b"".join(talker.mic[-15:])
        assert tones.dominant_frequency(mic) == pytest.approx(MIC_HZ, abs=2)
        assert tones.level_dbfs(mic) == pytest.approx(MIC_DBFS, abs=1.5)
        assert hub.mic_dbfs == pytest.approx(MIC_DBFS, abs=1.5)  # the level meter reads the real stream
        assert hub.out_dbfs == pytest.approx(-12, abs=1)
        assert tones.level_dbfs(speaker.samples(seconds=0.5)) < -80  # nothing leaks to the other sink
    finally:
        talker.stop()
        hub.stop()


async def test_ringer_rings_the_desk_speaker_while_the_headset_carries_the_call(pulse, monitor):
    headset, speaker = monitor("headset.monitor"), monitor("speaker.monitor")
    hub = DeviceHub.open(HEADSET, ringer="pulse:sink=speaker")
    assert isinstance(hub.device, PyAudioDevice) and isinstance(hub.ringer, PyAudioDevice)
    hub.start()
    talker = Talker(hub, 900)
    talker.start()
    try:
        await until(lambda: has_tone(headset, 900), "the call on the headset")
        hub.alert(True)

        def ringing() -> bool:
            ring = speaker.samples(seconds=0.2)
            return len(ring) == 9600 and all(tones.tone_present(ring, RATE, hz, 0.3) for hz in RING_HZ) and \
                abs(tones.level_dbfs(ring) - (RING_DBFS + 3)) < 1.5  # two tones at RING_DBFS each

        await until(ringing, "both ring tones at their level on the speaker")
        call = headset.samples(seconds=0.5)
        assert tones.tone_present(call, RATE, 900, min_share=0.9)  # only the call on the headset
        assert all(tones.tone_share(call, RATE, hz) < 0.01 for hz in RING_HZ)
        hub.alert(False)
        await until(lambda: tones.level_dbfs(speaker.samples(seconds=0.2)) < -80, "the ringer falls silent")
    finally:
        talker.stop()
        hub.stop()


async def test_unplugged_headset_falls_back_to_silence_tells_once_and_comes_back(pulse, monitor):
    headset = monitor("headset.monitor")
    notices: list[str] = []
    hub = DeviceHub(open_device(HEADSET), notify=notices.append)
    hub.start()
    talker = Talker(hub, 900)
    talker.start()
    try:
        await until(lambda: has_tone(headset, 900), "the call on the headset")
        pulse.unload_sink("headset")
        await until(lambda: hub.degraded, "the hub gives up the vanished card")
        assert isinstance(hub.device, NullDevice) and hub.focused is talker  # the call keeps its place
        frames = len(talker.mic)
        await until(lambda: len(talker.mic) >= frames + 10, "the call's clock keeps running on the silent device")
        assert len(notices) == 1 and "stopped working" in notices[0], notices
        pulse.load_sink("headset")
        headset2 = monitor("headset.monitor")
        await until(lambda: not hub.degraded, "the card is taken back when it returns")
        assert isinstance(hub.device, PyAudioDevice)
        await until(lambda: has_tone(headset2, 900), "the call is heard on the headset again")
        assert len(notices) == 2 and "is back" in notices[1], notices
    finally:
        talker.stop()
        hub.stop()


async def test_a_headset_missing_at_start_is_taken_when_it_appears(pulse, monitor):
    lines: list[str] = []
    notices: list[str] = []
    hub = DeviceHub.open("pulse:sink=late,source=mic", log=lines.append, notify=notices.append)
    assert isinstance(hub.device, NullDevice) and hub.degraded
    assert len(lines) == 1 and "late" in lines[0]
    hub.start()
    talker = Talker(hub, 900)
    talker.start()
    try:
        frames = len(talker.mic)
        await until(lambda: len(talker.mic) >= frames + 10, "the silent device's clock runs meanwhile")
        pulse.load_sink("late")
        late = monitor("late.monitor")
        await until(lambda: not hub.degraded, "the headset is taken when it appears")
        await until(lambda: has_tone(late, 900), "the call is heard on it")
        assert notices == ["Audio device late / mic (PulseAudio) is now in use"]
    finally:
        talker.stop()
        hub.stop()


def test_a_missing_device_at_start_is_one_line_without_noise(pulse):
    code = (
        "import logging, sys\n"
        "logging.basicConfig(stream=sys.stderr, level=logging.INFO, format='%(message)s')\n"
        "from console.media.opening import open_device\n"
        "device = open_device('pulse:sink=nosuch,source=mic', logging.getLogger('console'))\n"
        "print(type(device).__name__)\n"
    )
    env = {**os.environ, **pulse.env()}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["NullDevice"]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "nosuch" in lines[0] and "silent virtual device" in lines[0], lines


def test_a_card_vanishing_mid_call_leaves_no_alsa_noise_on_the_terminal(pulse):
    """With the CLI's divert_c_stderr(), PortAudio's and ALSA's complaints about the lost stream never reach fd 2.

    PortAudio and ALSA talk when the dead stream underruns (not on every run), so the script also writes
    such a line to fd 2 itself, as C code does."""
    code = (
        "import asyncio, logging, sys, time\n"
        "from console.media.portaudio import divert_c_stderr\n"
        "divert_c_stderr()\n"
        "logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format='%(message)s')\n"
        "from bench.pulse_server import PulseServer\n"
        "from console.media.hub import DeviceHub\n"
        "from console.media.opening import open_device\n"
        "from console.media.tones import ToneGenerator\n"
        "server = PulseServer(__import__('pathlib').Path(sys.argv[2]))\n"
        "async def main():\n"
        "    hub = DeviceHub(open_device('pulse:sink=headset,source=mic'))\n"
        "    hub.start(); owner = object(); hub.focus(owner); tone = ToneGenerator(900, -12)\n"
        "    async def talk():\n"
        "        while True:\n"
        "            hub.speak(owner, tone.frame()); await asyncio.sleep(0.02)\n"
        "    task = asyncio.create_task(talk())\n"
        "    await asyncio.sleep(1.0)\n"
        "    server.unload_sink('headset')\n"
        "    async with asyncio.timeout(20):\n"
        "        while not hub.degraded: await asyncio.sleep(0.05)\n"
        "    await asyncio.sleep(1.0)  # PortAudio's thread has had its say by now\n"
        "    import os; os.write(2, b'ALSA lib pcm.c:8570:(snd_pcm_recover) underrun occurred\\n')  # as C code does\n"
        "    task.cancel(); hub.stop()\n"
        "    print('degraded')\n"
        "asyncio.run(main())\n"
    )
    env = {**os.environ, **pulse.env()}
    done = subprocess.run([sys.executable, "-c", code, "", str(pulse.root)], cwd=ROOT,
                          capture_output=True, text=True, timeout=90, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["degraded"]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "stopped working" in lines[0], lines  # the one notice, and nothing else
