"""Opening an audio device from a spec: the choice between the virtual devices and a sound card.

Its own module so that the device interface (devices.py) does not import its
sound-card implementation (portaudio.py), which imports the interface.
``open_device`` never fails: without a sound card it returns a NullDevice and
logs one line that says so.
"""

from __future__ import annotations

import logging
from typing import Callable

from .devices import AudioDevice, NullDevice, WavDevice
from .latency import DeviceLatency
from .portaudio import DeviceUnavailable, PyAudioDevice

NO_DEVICE_MESSAGE = (
    "No audio device found: using the silent virtual device (calls still connect; nothing is played or recorded)"
)


def _emit(log: logging.Logger | Callable[[str], None] | None, message: str) -> None:
    if log is None:
        logging.getLogger(__name__).warning(message)
    elif isinstance(log, logging.Logger):
        log.warning(message)
    else:
        log(message)


def open_device(
    spec: str | int | None = None,
    log: logging.Logger | Callable[[str], None] | None = None,
    output_only: bool = False,
    latency: DeviceLatency | None = None,
) -> AudioDevice:
    """The audio device for a console; never raises for a missing or broken sound card.

    ``spec``: None (the default sound card), a PortAudio device index or a part
    of its name, ``pulse:sink=NAME,source=NAME`` for a PulseAudio sink and source
    by the server's names, ``"null"`` for the silent virtual device, or a path
    ending in ``.wav`` for a WavDevice. When no sound card can be used, the result
    is a NullDevice and exactly one line is logged saying so. ``output_only``: no
    microphone (a ringer). ``latency``: the buffering a sound card is opened with (latency.py).
    """
    return open_wanted(spec, log, output_only, latency)[0]


class WantedDevice:
    """A named device that could not be opened at start: what the hub's watch retries."""

    def __init__(self, spec: str | int, output_only: bool, latency: DeviceLatency | None = None) -> None:
        self.spec = spec
        self.output_only = output_only
        self.latency = latency
        self.name = str(spec)

    def reopen(self) -> AudioDevice:
        return PyAudioDevice.open(self.spec, output_only=self.output_only, latency=self.latency)

    def stop(self) -> None:
        """Nothing is open."""


def open_wanted(
    spec: str | int | None = None,
    log: logging.Logger | Callable[[str], None] | None = None,
    output_only: bool = False,
    latency: DeviceLatency | None = None,
) -> tuple[AudioDevice, WantedDevice | None]:
    """open_device, plus what to retry later when a *named* device is missing or busy now."""
    if isinstance(spec, str):
        if spec.strip().lower() in ("null", "none", "silent"):
            return NullDevice(), None
        if spec.lower().endswith(".wav"):
            return WavDevice(spec), None
    try:
        return PyAudioDevice.open(spec, output_only=output_only, latency=latency), None
    except DeviceUnavailable as error:
        if error.no_hardware:
            _emit(log, NO_DEVICE_MESSAGE)
            return NullDevice(), None
        _emit(log, f"{error}: using the silent virtual device (calls still connect; nothing is played or recorded)")
        if spec in (None, ""):
            return NullDevice(), None
        wanted = WantedDevice(spec, output_only, latency)
        stand_in = NullDevice()
        stand_in.stands_in_for = wanted  # the hub's watch brings the wanted device in when it appears
        return stand_in, wanted
