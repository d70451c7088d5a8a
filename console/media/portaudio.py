"""A real sound card through PyAudio: one full-duplex PortAudio stream.

PortAudio (and the ALSA and JACK libraries under it) print dozens of lines to
file descriptor 2 at the C level while initialising and opening streams;
``sys.stderr`` redirection does not catch them, and they would garble the
terminal UI. Every call into PortAudio that may talk is wrapped in
``quiet_stderr()``, which points fd 2 at /dev/null and restores it.

The PortAudio callback runs on PortAudio's own thread: it hands microphone
frames to the loop with ``loop.call_soon_threadsafe`` and takes speaker frames
from the device's bounded deque; it never touches an asyncio object.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any, Iterator

from .devices import AudioDevice, MicCallback
from .tones import FRAME_SAMPLES, RATE, SILENT_FRAME

_fd2_lock = threading.Lock()


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Send fd 2 to /dev/null for the duration (C libraries write there directly)."""
    with _fd2_lock:
        try:
            sys.stderr.flush()
        except (AttributeError, ValueError):
            pass
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)


class DeviceUnavailable(Exception):
    """No usable sound card; ``no_hardware`` is True when the machine has none at all."""

    def __init__(self, message: str, no_hardware: bool = False) -> None:
        super().__init__(message)
        self.no_hardware = no_hardware


@dataclass(frozen=True)
class DeviceInfo:
    index: int
    name: str
    inputs: int
    outputs: int
    default_rate: float


def _infos(pa: Any) -> list[DeviceInfo]:
    infos = []
    for index in range(pa.get_device_count()):
        raw = pa.get_device_info_by_index(index)
        infos.append(
            DeviceInfo(
                index=index,
                name=str(raw.get("name", "")),
                inputs=int(raw.get("maxInputChannels", 0)),
                outputs=int(raw.get("maxOutputChannels", 0)),
                default_rate=float(raw.get("defaultSampleRate", 0)),
            )
        )
    return infos


def list_devices() -> list[DeviceInfo]:
    """The sound devices PortAudio sees (empty without a sound card), without a word on fd 2."""
    try:
        import pyaudio
    except ImportError:
        return []
    with quiet_stderr():
        pa = pyaudio.PyAudio()
        try:
            return _infos(pa)
        finally:
            pa.terminate()


def _resolve(pa: Any, spec: str | int | None) -> tuple[int, int]:
    """(input index, output index) for a spec: None = defaults, int = index, str = part of a name."""
    infos = _infos(pa)
    if not infos:
        raise DeviceUnavailable("No audio device found", no_hardware=True)
    if spec is None:
        try:
            return (
                int(pa.get_default_input_device_info()["index"]),
                int(pa.get_default_output_device_info()["index"]),
            )
        except (OSError, IOError) as error:
            raise DeviceUnavailable(f"No default audio device ({error})") from error
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        index = int(spec)
        if not 0 <= index < len(infos):
            raise DeviceUnavailable(f"Audio device {index} does not exist ({len(infos)} devices)")
        return index, index
    wanted = spec.lower()
    inputs = [d.index for d in infos if wanted in d.name.lower() and d.inputs > 0]
    outputs = [d.index for d in infos if wanted in d.name.lower() and d.outputs > 0]
    if not inputs or not outputs:
        raise DeviceUnavailable(f"No audio device named {spec!r} with a microphone and a speaker")
    return inputs[0], outputs[0]


class PyAudioDevice(AudioDevice):
    """A sound card: a single full-duplex 48 kHz mono stream with 20 ms buffers."""

    def __init__(self, pa: Any, stream: Any, name: str) -> None:
        super().__init__()
        self._pa = pa
        self._stream = stream
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._on_mic: MicCallback | None = None

    @classmethod
    def open(cls, spec: str | int | None = None) -> "PyAudioDevice":
        """Open the stream (not yet started); raises DeviceUnavailable."""
        try:
            import pyaudio
        except ImportError as error:
            raise DeviceUnavailable("PyAudio is not installed", no_hardware=True) from error
        holder: dict[str, Any] = {}

        def callback(in_data: bytes | None, frame_count: int, time_info: Any, status: int) -> tuple[bytes, int]:
            device = holder.get("device")
            if device is None:
                return SILENT_FRAME, pyaudio.paContinue
            return device._callback(in_data), pyaudio.paContinue

        with quiet_stderr():
            pa = pyaudio.PyAudio()
            try:
                input_index, output_index = _resolve(pa, spec)
                name = pa.get_device_info_by_index(output_index)["name"]
                stream = pa.open(
                    format=pyaudio.paInt16,
                    channels=1,
                    rate=RATE,
                    input=True,
                    output=True,
                    input_device_index=input_index,
                    output_device_index=output_index,
                    frames_per_buffer=FRAME_SAMPLES,
                    start=False,
                    stream_callback=callback,
                )
            except DeviceUnavailable:
                pa.terminate()
                raise
            except (OSError, IOError, ValueError) as error:
                pa.terminate()
                raise DeviceUnavailable(f"Audio device {spec if spec is not None else 'default'} cannot be opened ({error})") from error
        device = cls(pa, stream, str(name))
        holder["device"] = device
        return device

    def _callback(self, in_data: bytes | None) -> bytes:
        """On the PortAudio thread: mic frame to the loop, next speaker frame from the deque."""
        loop, on_mic = self._loop, self._on_mic
        if in_data and loop is not None and on_mic is not None:
            try:
                loop.call_soon_threadsafe(on_mic, in_data)
            except RuntimeError:  # the loop is closed: the device is being torn down
                pass
        return self._next_playout()

    def start(self, loop: asyncio.AbstractEventLoop, on_mic_frame: MicCallback) -> None:
        self._loop, self._on_mic = loop, on_mic_frame
        with quiet_stderr():
            if not self._stream.is_active():
                self._stream.start_stream()

    def stop(self) -> None:
        self._on_mic = None
        if self._stream is None:
            return
        with quiet_stderr():
            try:
                self._stream.stop_stream()
                self._stream.close()
            finally:
                self._pa.terminate()
        self._stream = None
        self._loop = None
