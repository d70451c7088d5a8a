"""Audio devices: one full-duplex 48 kHz mono s16 stream in 20 ms frames.

A device delivers microphone frames to a callback *on the event loop* and
takes speaker frames through ``play()``, which only queues (a bounded playout
buffer that drops the oldest frame). The hub (hub.py) decides which call the
microphone and speaker belong to; a device knows nothing about calls.

Three kinds:

* NullDevice: no hardware. A virtual 20 ms clock (an asyncio task) pulls one
  speaker frame per tick into a ring that tests read back with ``heard()``,
  and feeds the microphone from an optional source (silence by default).
* WavDevice: a NullDevice whose microphone is a WAV file, looped, and whose
  speaker can be recorded to a WAV file.
* PyAudioDevice (portaudio.py): a real sound card.

``open_device`` (opening.py) picks one and never fails: without a sound card it
returns a NullDevice and logs one line that says so.
"""

from __future__ import annotations

import asyncio
import os
import time
import wave
from collections import deque
from pathlib import Path
from typing import Callable

import numpy as np

from .backlog import HOLD, QUIET_WINDOW, Backlog
from .tones import FRAME_SECONDS, RATE, SILENT_FRAME

MicCallback = Callable[[bytes], None]
PLAYOUT_FRAMES = 5  # 100 ms: the most the speaker may lag behind; older frames are dropped
PLAYOUT_TARGET = 3  # frames kept when the buffer runs long (clock drift between far end and card)

class AudioDevice:
    """The interface; also the bounded playout buffer every implementation shares.

    ``play`` is called on the loop; the device's own clock (a task, or the
    PortAudio thread) takes frames with ``_next_playout`` (deque operations are
    atomic, so the audio thread may call it without touching asyncio).
    """

    name: str = "audio device"
    is_null: bool = False
    watched: bool = False  # a real card the hub's watch checks (failover.py): it has alive, last_tick, started_at
    stalls: bool = False  # its clock may start late or stall (a real card): quiet piles are given back in 200 ms

    def __init__(self, playout_frames: int = PLAYOUT_FRAMES) -> None:
        self._playout: deque[bytes] = deque(maxlen=playout_frames)
        self.frames_played = 0
        self.underruns = 0
        self.dropped = 0
        self.trimmed = 0  # frames given back because no tick of a window needed them (backlog.py)
        self._clock = time.monotonic
        self.played_at = 0.0  # monotonic time of the latest play()
        self._backlog = Backlog(QUIET_WINDOW, hold=HOLD) if self.stalls else Backlog(None)

    def start(self, loop: asyncio.AbstractEventLoop, on_mic_frame: MicCallback) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def play(self, pcm: bytes) -> None:
        """Queue 20 ms of speaker audio (1920 bytes); the oldest queued frame goes if the buffer is full."""
        if len(self._playout) == self._playout.maxlen:
            self.dropped += 1
        self._playout.append(pcm)
        self.played_at = self._clock()

    def flush_playout(self) -> None:
        """Forget queued speaker audio (the speaker changed owner: the old call's frames are stale)."""
        self._playout.clear()
        self._backlog.reset()

    @property
    def queued(self) -> int:
        return len(self._playout)

    def _next_playout(self) -> bytes:
        """The next speaker frame (silence on an underrun), trimming latency nobody needs.

        Frames come in bursts (the jitter buffer, the network, a card that starts late
        or stalls and then pulls on): each burst that comes while the buffer is not
        empty leaves it longer for good, 20 ms more mouth-to-ear per frame. Above
        PLAYOUT_TARGET + 1 at once (the far end's clock runs faster), one is dropped
        now; what no tick needed is given back by the backlog (backlog.py: quiet
        frames within 200 ms, one frame of speech a second).
        """
        queued = len(self._playout)
        if queued > PLAYOUT_TARGET + 1:
            self._playout.popleft()
            self.dropped += 1
        given_back = self._backlog.trim(self._playout)
        self.dropped += given_back
        self.trimmed += given_back
        try:
            pcm = self._playout.popleft()
            self.frames_played += 1
            return pcm
        except IndexError:
            self.underruns += 1
            return SILENT_FRAME

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class NullDevice(AudioDevice):
    """No hardware: a virtual 20 ms clock; the speaker is a ring that tests read back.

    ``mic`` is an optional callable returning the next 20 ms of microphone
    PCM (e.g. ``ToneGenerator(600, -12).frame``); without it the mic is silent.
    """

    name = "silent virtual device"
    is_null = True
    stands_in_for: "WantedDevice | None" = None  # set by open_device when a named device is missing at start

    def __init__(
        self,
        mic: Callable[[], bytes] | None = None,
        ring_seconds: float = 10.0,
        playout_frames: int = PLAYOUT_FRAMES,
    ) -> None:
        super().__init__(playout_frames)
        self._mic = mic
        self._ring: deque[bytes] = deque(maxlen=max(1, int(ring_seconds / FRAME_SECONDS)))
        self._task: asyncio.Task[None] | None = None
        self.ticks = 0

    @property
    def silent(self) -> bool:
        """Nothing is recorded (no microphone source): the silent virtual device, not a WAV file or a test tone."""
        return self._mic is None

    def start(self, loop: asyncio.AbstractEventLoop, on_mic_frame: MicCallback) -> None:
        if self._task is not None and not self._task.done():
            return
        self._task = loop.create_task(self._run(loop, on_mic_frame), name=f"{type(self).__name__} clock")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._close_outputs()

    async def _run(self, loop: asyncio.AbstractEventLoop, on_mic_frame: MicCallback) -> None:
        start = loop.time()
        tick = 0
        while True:
            pcm = self._next_playout()
            self._ring.append(pcm)
            self._heard(pcm)
            mic = self._mic() if self._mic is not None else SILENT_FRAME
            on_mic_frame(mic)
            self.ticks += 1
            tick += 1
            wait = start + tick * FRAME_SECONDS - loop.time()
            if wait < -5 * FRAME_SECONDS:  # the loop stalled: skip ahead rather than burst
                start, tick, wait = loop.time(), 0, 0.0
            await asyncio.sleep(max(wait, 0.0))

    def _heard(self, pcm: bytes) -> None:
        """Hook for subclasses that record the speaker."""

    def _close_outputs(self) -> None:
        """Hook for subclasses with files to close."""

    def heard(self, seconds: float | None = None) -> np.ndarray:
        """The last ``seconds`` (all kept, if None) of what the speaker played, as int16 samples."""
        frames = list(self._ring)
        if seconds is not None:
            frames = frames[-max(1, int(round(seconds / FRAME_SECONDS))) :]
        return np.frombuffer(b"".join(frames), dtype="<i2")


def load_wav_mono48k(path: str | os.PathLike[str], max_seconds: float = 600.0) -> bytes:
    """A sound file (WAV or anything PyAV reads) as 48 kHz mono s16, at most ``max_seconds``."""
    import av

    chunks: list[bytes] = []
    limit = int(max_seconds * RATE) * 2
    size = 0
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(bytes(out.planes[0])[: out.samples * 2])
                size += out.samples * 2
            if size >= limit:
                break
        for out in resampler.resample(None):
            chunks.append(bytes(out.planes[0])[: out.samples * 2])
    data = b"".join(chunks)[:limit]
    if len(data) < len(SILENT_FRAME):
        raise ValueError(f"{path}: no audio in the file")
    return data


class WavDevice(NullDevice):
    """Microphone from a sound file (looped, resampled to 48 kHz mono); speaker optionally to a WAV file."""

    def __init__(
        self,
        mic_path: str | os.PathLike[str],
        record_path: str | os.PathLike[str] | None = None,
        ring_seconds: float = 10.0,
        playout_frames: int = PLAYOUT_FRAMES,
    ) -> None:
        self._pcm = load_wav_mono48k(mic_path)
        self._position = 0
        super().__init__(mic=self._next_mic, ring_seconds=ring_seconds, playout_frames=playout_frames)
        self.name = f"file {Path(mic_path).name}"
        self._record_path = record_path
        self._writer: wave.Wave_write | None = None

    def _next_mic(self) -> bytes:
        size = len(SILENT_FRAME)
        data = self._pcm
        end = self._position + size
        if end <= len(data):
            chunk = data[self._position : end]
        else:
            chunk = data[self._position :] + data[: end - len(data)]
            while len(chunk) < size:  # a file shorter than one frame
                chunk += data[: size - len(chunk)]
        self._position = end % len(data)
        return chunk

    def _heard(self, pcm: bytes) -> None:
        if self._record_path is None:
            return
        if self._writer is None:
            self._writer = wave.open(str(self._record_path), "wb")
            self._writer.setnchannels(1)
            self._writer.setsampwidth(2)
            self._writer.setframerate(RATE)
        self._writer.writeframes(pcm)

    def _close_outputs(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
