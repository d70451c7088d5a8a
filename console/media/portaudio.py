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
import logging
import time
from dataclasses import dataclass
from typing import Any, Iterator

from .backlog import quiet
from .devices import AudioDevice, MicCallback
from .latency import DeviceLatency
from .tones import RATE, SILENT_FRAME

log = logging.getLogger("console.media")

XRUN_FLAGS = 0x4 | 0x2  # PortAudio's paOutputUnderflow | paInputOverflow: the card ran dry or overflowed
PHASE_WINDOW = 25  # callbacks inside a frame (0.5 s at 10 ms periods) that all found the next frame waiting
PHASE_MARGIN = 0.004  # s the next frame had waited at each of them: what it still waits after the skip
CLOSE_WITHIN = 2.0  # s a card's closing may hold its caller (the event loop) before it is left to finish alone

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


def divert_c_stderr() -> None:
    """For the whole process: C libraries' writes to fd 2 go to /dev/null, Python's stderr stays on the terminal.

    PortAudio and ALSA also talk *while a stream runs* (a sound card that vanishes
    mid-call makes PortAudio's thread print "Expression ... failed" and ALSA print
    "underrun occurred"), where no ``quiet_stderr()`` can wrap them. The terminal UI
    writes to ``sys.__stderr__``; so this gives ``sys.stderr`` and ``sys.__stderr__``
    a duplicate of fd 2 and then points fd 2 itself at /dev/null. Call it once, at
    start, before the UI, logging or any thread exist. Idempotent.
    """
    if _diverted:
        return
    try:
        sys.stderr.flush()
    except (AttributeError, ValueError):
        pass
    terminal = os.dup(2)
    stream = os.fdopen(terminal, "w", buffering=1, encoding=getattr(sys.stderr, "encoding", None) or "utf-8",
                       errors="backslashreplace")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = sys.__stderr__ = stream
    _diverted.append(stream)


_diverted: list[object] = []


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


def _pulse_route(spec: str) -> Any:
    """The PulseRoute of a ``pulse:`` spec, checked against the server before PortAudio is woken up."""
    from . import pulse

    try:
        target = pulse.parse(spec)
    except pulse.PulseSpecError as error:
        raise DeviceUnavailable(str(error)) from error
    if not pulse.present(target):
        raise DeviceUnavailable(f"PulseAudio has no {target.label}")
    return target


def _pulse_index(pa: Any) -> int:
    """PortAudio's ALSA ``pulse`` device, which libpulse routes to the sink and source (pulse.route)."""
    infos = _infos(pa)
    matches = [d.index for d in infos if d.name == "pulse"]
    if not matches:
        raise DeviceUnavailable("No PulseAudio device in PortAudio (install libasound2-plugins)", no_hardware=not infos)
    return matches[0]


class PyAudioDevice(AudioDevice):
    """A sound card: a single full-duplex 48 kHz mono stream, buffered as ``latency`` asks (latency.py).

    PortAudio calls back every ``latency.frames_per_buffer`` samples (5-80 ms); the
    callback cuts and joins that into the 20 ms frames the rest of the console uses:
    microphone audio goes to the loop once a whole frame is in, speaker audio is
    taken from the playout buffer a frame at a time as the card needs it.
    ``xruns`` counts the callbacks PortAudio flagged as an underflow or overflow (the
    card ran dry: the buffers are too small for this machine; the hub's watch then
    reopens the card with ``latency.larger()``).

    Where a frame boundary falls between two callbacks is chance (the card's clock
    and the loop's drift apart), so a frame may wait up to a whole frame for nothing
    on either side. Speaker: when for PHASE_WINDOW callbacks that played the rest of
    a frame the next one had been waiting PHASE_MARGIN already (and no gap is held,
    backlog.py), the rest is skipped if it is quiet and
    the waiting frame starts at once (10 ms sooner from then on); speech is never
    cut. Microphone: the hub moves the sending track's clock to follow the card's
    (hub.py).

    ``output_only`` devices (a ringer) have no microphone: their callback still
    ticks the owner's ``on_mic_frame`` with silence every 20 ms, so whoever feeds
    the speaker keeps the card's clock. ``last_tick`` is the monotonic time of the
    latest callback (written on the PortAudio thread, read by the hub's watchdog).
    """

    watched = True
    stalls = True

    def __init__(self, pa: Any, stream: Any, name: str, spec: str | int | None = None,
                 output_only: bool = False, latency: DeviceLatency | None = None, mic_stream: Any = None) -> None:
        super().__init__()
        self._mic_stream = mic_stream
        self.latency = latency or DeviceLatency()
        self.xruns = 0
        self._mic_pending = bytearray()
        self._out_pending = bytearray()
        self._waiting = 0  # callbacks in a row that played a frame's rest while the next one waited
        self.phase_shifts = 0  # times the speaker skipped a quiet half frame to wait less
        self._pa = pa
        self._stream = stream
        self.name = name
        self.spec = spec
        self.output_only = output_only
        self._loop: asyncio.AbstractEventLoop | None = None
        self._on_mic: MicCallback | None = None
        self.last_tick: float | None = None
        self.started_at: float | None = None
        self.route: Any = None  # a pulse.PulseRoute for a ``pulse:`` device

    def still_there(self) -> bool:
        """The sink and source this device plays to and records from still exist (blocking: run it in a thread).

        Needed for PulseAudio: when a sink disappears, PortAudio's full-duplex
        stream keeps ticking on the microphone side and plays into nothing.
        """
        if self.route is None:
            return True
        from . import pulse

        return pulse.present(self.route, unknown=True)  # a server too busy to answer has not lost the sink

    def reopen(self, latency: DeviceLatency | None = None) -> "PyAudioDevice":
        """A new device for the same spec (after this one failed, or with ``latency`` after underruns);
        raises DeviceUnavailable."""
        return type(self).open(self.spec, output_only=self.output_only, latency=latency or self.latency)

    @classmethod
    def open(cls, spec: str | int | None = None, output_only: bool = False,
             latency: DeviceLatency | None = None) -> "PyAudioDevice":
        """Open the stream (not yet started) with ``latency``'s buffers; raises DeviceUnavailable."""
        try:
            import pyaudio
        except ImportError as error:
            raise DeviceUnavailable("PyAudio is not installed", no_hardware=True) from error
        from . import pulse

        holder: dict[str, Any] = {}

        def speaker(in_data: bytes | None, frame_count: int, time_info: Any, status: int) -> tuple[bytes, int]:
            device = holder.get("device")
            if device is None:
                return bytes(2 * frame_count), pyaudio.paContinue
            return device._callback(None, frame_count, status), pyaudio.paContinue

        def microphone(in_data: bytes | None, frame_count: int, time_info: Any, status: int) -> tuple[None, int]:
            device = holder.get("device")
            if device is not None:
                device._callback(in_data, 0, status)
            return None, pyaudio.paContinue

        latency = latency or DeviceLatency()
        target = _pulse_route(str(spec)) if pulse.is_pulse_spec(spec) else None
        with quiet_stderr():
            pa = pyaudio.PyAudio()
            try:
                if target is not None:
                    input_index = output_index = _pulse_index(pa)
                    name = f"{target.label} (PulseAudio)"
                else:
                    input_index, output_index = _resolve(pa, spec)
                    name = pa.get_device_info_by_index(output_index)["name"]
                with pulse.route(target, latency.server_ms):
                    common = dict(format=pyaudio.paInt16, channels=1, rate=RATE, start=False,
                                  frames_per_buffer=latency.frames_per_buffer)
                    stream = pa.open(output=True, output_device_index=output_index, stream_callback=speaker, **common)
                    try:
                        mic_stream = None if output_only else pa.open(
                            input=True, input_device_index=input_index, stream_callback=microphone, **common)
                    except BaseException:
                        stream.close()
                        raise
            except DeviceUnavailable:
                pa.terminate()
                raise
            except (OSError, IOError, ValueError) as error:
                pa.terminate()
                raise DeviceUnavailable(f"Audio device {spec if spec is not None else 'default'} cannot be opened ({error})") from error
        device = cls(pa, stream, str(name), spec=spec, output_only=output_only, latency=latency, mic_stream=mic_stream)
        device.route = target
        holder["device"] = device
        return device

    def _callback(self, in_data: bytes | None, frame_count: int, status: int = 0) -> bytes:
        """On a PortAudio thread: whole mic frames to the loop, ``frame_count`` speaker samples from the deque
        (the microphone's stream calls it with ``frame_count`` 0, the speaker's with ``in_data`` None)."""
        self.last_tick = self._clock()
        if status & XRUN_FLAGS:
            self.xruns += 1
        loop, on_mic = self._loop, self._on_mic
        frame_bytes = len(SILENT_FRAME)
        if self.output_only:
            in_data = bytes(2 * frame_count)
        if in_data and loop is not None and on_mic is not None:
            pending = self._mic_pending
            pending += in_data
            while len(pending) >= frame_bytes:
                frame = bytes(pending[:frame_bytes])
                del pending[:frame_bytes]
                try:
                    loop.call_soon_threadsafe(on_mic, frame)
                except RuntimeError:  # the loop is closed: the device is being torn down
                    pending.clear()
                    break
        wanted = 2 * frame_count
        if not wanted:
            return b""
        out = self._out_pending
        if len(out) >= wanted:  # the rest of a frame plays: is the next one waiting meanwhile?
            early = self._playout and self.last_tick - self.played_at >= PHASE_MARGIN and not self._backlog.held
            self._waiting = self._waiting + 1 if early else 0
            if self._waiting >= PHASE_WINDOW and quiet(bytes(out)):
                out.clear()
                self._waiting = 0
                self.phase_shifts += 1
        while len(out) < wanted:
            out += self._next_playout()
        data = bytes(out[:wanted])
        del out[:wanted]
        return data

    @property
    def alive(self) -> bool:
        """The streams still run (PortAudio has not given up on them)."""
        streams = [self._stream, self._mic_stream] if self._mic_stream is not None else [self._stream]
        try:
            return all(stream is not None and stream.is_active() for stream in streams)
        except (OSError, IOError):
            return False

    def start(self, loop: asyncio.AbstractEventLoop, on_mic_frame: MicCallback) -> None:
        self._loop, self._on_mic = loop, on_mic_frame
        self.started_at = time.monotonic()
        from . import pulse

        # libpulse reads PULSE_LATENCY_MSEC when the stream connects to the server, which is when it starts
        # (ALSA's pulse plugin connects it in prepare), not when it opens: without it here the server buffered
        # PortAudio's 3 periods (30 ms for the 20 ms setting) whatever was asked.
        with quiet_stderr(), pulse.route(self.route, self.latency.server_ms):
            for stream in (self._stream, self._mic_stream):
                if stream is not None and not stream.is_active():
                    stream.start_stream()

    def stop(self) -> None:
        self._on_mic = None
        if self._stream is None:
            return
        streams = [stream for stream in (self._mic_stream, self._stream) if stream is not None]
        self._stream = self._mic_stream = None
        pa = self._pa

        def close() -> None:
            # close without stop_stream: Pa_CloseStream discards what is still queued (as Pa_AbortStream does),
            # where Pa_StopStream waits for the callback thread to play it out
            try:
                for stream in streams:
                    try:
                        stream.close()
                    except (OSError, IOError):
                        pass  # a device that disappeared: nothing is left to free
            finally:
                pa.terminate()

        # on a thread of its own, waited for CLOSE_WITHIN: closing talks to the audio server (ALSA's pulse plugin
        # disconnects its stream), and a server that stopped answering (seen once at load 7: the benchmark hung for
        # good at a hang-up) would otherwise hold the caller, the event loop, with it
        closer = threading.Thread(target=close, name=f"close {self.name}", daemon=True)
        with quiet_stderr():
            closer.start()
            closer.join(CLOSE_WITHIN)
        if closer.is_alive():
            log.warning("audio: %s did not close within %g s (the audio server does not answer); "
                        "left closing in the background", self.name, CLOSE_WITHIN)
        self._loop = None
