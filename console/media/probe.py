"""Before a call: a test tone on an output and a level meter on a microphone, on the real device streams.

Both own their device for as long as they run and close it when stopped;
neither touches the DeviceHub (a call in progress keeps its device).
"""

from __future__ import annotations

import asyncio

from .devices import AudioDevice, NullDevice
from .hub import LEVEL_FLOOR, meter_level
from .portaudio import DeviceUnavailable, PyAudioDevice
from .tones import ToneGenerator

TEST_TONE_HZ = 1000.0
TEST_TONE_DBFS = -12.0


def _open(spec: str, output_only: bool) -> AudioDevice:
    if spec in ("", "null"):
        return NullDevice()
    return PyAudioDevice.open(spec or None, output_only=output_only)


class ToneTest:
    """Plays TEST_TONE_HZ on an output until stopped; ``start`` raises DeviceUnavailable (the message says why)."""

    def __init__(self, spec: str, hz: float = TEST_TONE_HZ, level: float = TEST_TONE_DBFS) -> None:
        self.spec = spec
        self._tone = ToneGenerator(hz, level)
        self._device: AudioDevice | None = None

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._device = _open(self.spec, output_only=True)
        self._device.start(loop or asyncio.get_running_loop(), self._tick)

    def _tick(self, _pcm: bytes) -> None:
        if self._device is not None:
            self._device.play(self._tone.frame())

    def stop(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            device.stop()


class MicMeter:
    """The level of a microphone as captured (``dbfs``, and a decaying ``peak``), until stopped."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.dbfs = LEVEL_FLOOR
        self.peak = LEVEL_FLOOR
        self.frames = 0
        self._device: AudioDevice | None = None

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.open()
        self.run(loop or asyncio.get_running_loop())

    def open(self) -> None:
        """Open the device (blocking: PortAudio; may run in a worker thread); raises DeviceUnavailable."""
        self._device = _open(self.spec, output_only=False)

    def run(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the opened device's stream on ``loop``."""
        if self._device is not None:
            self._device.start(loop, self._on_mic)

    def _on_mic(self, pcm: bytes) -> None:
        self.frames += 1
        self.dbfs = meter_level(pcm)
        self.peak = max(self.dbfs, self.peak - 0.5)

    def stop(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            device.stop()


__all__ = ["DeviceUnavailable", "MicMeter", "ToneTest"]
