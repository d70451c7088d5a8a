"""CallRecorder: one call's audio, both directions, into a stereo WAV file.

Left channel = what this console sends (the microphone as sent: silence while
muted, held or not focused), right channel = what the far end sends us (as
decoded). 48 kHz, 16 bit, 2 channels.

The sending track's clock paces the file: each frame the track sends writes
one stereo frame, taking the received audio that arrived meanwhile (or
silence when none did). Received audio waits in a bounded buffer
(RECEIVED_BUFFER_FRAMES, oldest dropped), so a stalled network never grows it.

A recording is bounded: ``max_seconds`` (at 192 kB/s, one hour is about
690 MB); when it trips the file is closed, the log says so, and ``on_stop``
is called with the reason. The file is created 0600 (O_EXCL: never overwrites
another file). ``sent`` and ``received`` run on the loop; the writes are
small and buffered. Every second (SYNC_FRAMES) the header is made to say how
much is there and the bytes go to the operating system, so a console killed
mid-recording leaves a valid WAV (see :mod:`.wavfile`).
"""

from __future__ import annotations

import logging
import os
from enum import StrEnum
from pathlib import Path
from typing import Callable

import numpy as np

from console.core.errors import MediaError

from .tones import FRAME_SAMPLES, RATE
from .wavfile import WavWriter

FRAME_BYTES = FRAME_SAMPLES * 2  # one 20 ms frame, mono s16
RECEIVED_BUFFER_FRAMES = 10  # at most 200 ms of received audio waits for the next sent frame
DEFAULT_MAX_SECONDS = 3600.0
BYTES_PER_SECOND = RATE * 2 * 2
SYNC_FRAMES = 50  # the header is brought up to date every second

log = logging.getLogger(__name__)


class StopReason(StrEnum):
    STOPPED = "stopped"  # the operator (or the API) stopped it
    LIMIT = "limit"  # max_seconds reached
    ENDED = "ended"  # the call's media closed
    FAILED = "failed"  # the file could not be written


class CallRecorder:
    """See the module docstring. Create it, feed it, ``stop()`` it (idempotent)."""

    def __init__(self, path: str | Path, max_seconds: float = DEFAULT_MAX_SECONDS,
                 on_stop: Callable[[StopReason], None] | None = None) -> None:
        if not max_seconds > 0:
            raise ValueError(f"max_seconds must be positive, not {max_seconds!r}")
        self.path = Path(path)
        self.max_seconds = float(max_seconds)
        self._max_frames = max(1, int(max_seconds * RATE / FRAME_SAMPLES))
        self._on_stop = on_stop
        self._received = bytearray()
        self.frames = 0
        self.received_dropped = 0
        self.stop_reason: StopReason | None = None
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise MediaError(f"cannot record to {self.path}: {exc.strerror or exc}") from exc
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            file = os.fdopen(fd, "wb")
        except OSError as exc:
            os.close(fd)
            raise MediaError(f"cannot record to {self.path}: {exc.strerror or exc}") from exc
        try:
            self._wav = WavWriter(file, 2, RATE, 2)
        except OSError as exc:
            file.close()
            raise MediaError(f"cannot record to {self.path}: {exc.strerror or exc}") from exc

    @property
    def active(self) -> bool:
        return self.stop_reason is None

    @property
    def seconds(self) -> float:
        return self.frames * FRAME_SAMPLES / RATE

    def received(self, pcm: bytes) -> None:
        """Decoded far-end audio (48 kHz mono s16, any length)."""
        if not self.active:
            return
        self._received += pcm
        excess = len(self._received) - RECEIVED_BUFFER_FRAMES * FRAME_BYTES
        if excess > 0:
            excess += (-excess) % FRAME_BYTES
            del self._received[:excess]
            self.received_dropped += excess // FRAME_BYTES

    def sent(self, pcm: bytes | None) -> None:
        """One 20 ms frame we send (None: silence); writes one stereo frame."""
        if not self.active:
            return
        left = pcm if pcm is not None and len(pcm) == FRAME_BYTES else bytes(FRAME_BYTES)
        if len(self._received) >= FRAME_BYTES:
            right = bytes(self._received[:FRAME_BYTES])
            del self._received[:FRAME_BYTES]
        else:
            right = bytes(FRAME_BYTES)
        stereo = np.column_stack((np.frombuffer(left, "<i2"), np.frombuffer(right, "<i2"))).tobytes()
        try:
            self._wav.write(stereo)
            if (self.frames + 1) % SYNC_FRAMES == 0:
                self._wav.sync()
        except OSError as exc:
            log.warning("recording %s failed: %s", self.path, exc.strerror or exc)
            self.stop(StopReason.FAILED)
            return
        self.frames += 1
        if self.frames >= self._max_frames:
            log.warning("recording %s stopped: it reached its limit of %g s", self.path, self.max_seconds)
            self.stop(StopReason.LIMIT)

    def stop(self, reason: StopReason = StopReason.STOPPED) -> None:
        """Close the file (its header then holds the length); tell ``on_stop`` once."""
        if not self.active:
            return
        self.stop_reason = reason
        try:
            self._wav.close()
        except OSError as exc:
            log.warning("recording %s could not be closed: %s", self.path, exc.strerror or exc)
        if self._on_stop is not None:
            try:
                self._on_stop(reason)
            except Exception:  # noqa: BLE001 - a listener's failure must not break the media path
                log.exception("recording on_stop callback failed")
