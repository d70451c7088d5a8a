"""Opening a device from a spec: the virtual devices by name, and the silent fallback without a sound card."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import pytest

from console.media import tones
from console.media.devices import NullDevice, WavDevice
from console.media.opening import NO_DEVICE_MESSAGE, open_device

ROOT = Path(__file__).parents[2]


def write_wav(path: Path, pcm: bytes, rate: int, channels: int = 1) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)


def test_open_device_special_specs(tmp_path):
    assert isinstance(open_device("null"), NullDevice)
    source = tmp_path / "mic.wav"
    write_wav(source, b"".join(tones.tone_frames(440, -12, 40)), 48000)
    assert isinstance(open_device(str(source)), WavDevice)


def test_open_device_without_hardware_says_so_once_and_portaudio_stays_quiet():
    """No sound card here: one clear line, and none of PortAudio's ALSA/JACK noise on fd 1 or 2."""
    code = (
        "import logging, sys\n"
        "logging.basicConfig(stream=sys.stderr, level=logging.INFO, format='%(message)s')\n"
        "from console.media.opening import open_device\n"
        "from console.media.portaudio import list_devices\n"
        "device = open_device(None, logging.getLogger('console'))\n"
        "print(type(device).__name__, device.is_null)\n"
        "print(len(list_devices()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    if "NullDevice" not in done.stdout:
        pytest.skip("this machine has a sound card")
    assert done.stdout.split() == ["NullDevice", "True", "0"]
    assert done.stderr.strip().splitlines() == [NO_DEVICE_MESSAGE]
    for noise in ("ALSA", "jack", "Jack", "JACK", "PortAudio", "pcm"):
        assert noise not in done.stdout + done.stderr


def test_open_device_unknown_name_falls_back_with_one_line():
    lines: list[str] = []
    device = open_device("no such card", lines.append)
    assert isinstance(device, NullDevice)
    assert len(lines) == 1 and "silent virtual device" in lines[0]
