"""Where a call's decoded media can go: objects with ``write(frame)``.

CallMedia writes every decoded remote frame to the call's audio element and
video elements (independent of focus). These are the elements the apps and
tests use: a recorder for analysis, a level meter for the UI, a video frame
counter. ``write`` runs on the loop and must not block.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque

import av
import numpy as np

from .frames import MonoConverter
from .tones import FRAME_SAMPLES, RATE, level_dbfs


class _Counter:
    """A frame counter that can be awaited: ``await counter.wait_for(n, timeout)``."""

    def __init__(self) -> None:
        self.frames = 0
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []

    def _count(self) -> None:
        self.frames += 1
        if self._waiters:
            still = []
            for target, future in self._waiters:
                if future.done():
                    continue
                if self.frames >= target:
                    future.set_result(None)
                else:
                    still.append((target, future))
            self._waiters = still

    async def wait_for(self, total: int, timeout: float = 5.0) -> None:
        """Return once ``frames >= total``; raise TimeoutError after ``timeout`` seconds."""
        if self.frames >= total:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((total, future))
        try:
            async with asyncio.timeout(timeout):
                await future
        finally:
            future.cancel()

    async def wait_more(self, count: int, timeout: float = 5.0) -> None:
        """Return once ``count`` more frames arrived than now."""
        await self.wait_for(self.frames + count, timeout)


class RecordingSink(_Counter):
    """Keeps the last ``seconds`` of received audio as 48 kHz mono s16 for analysis."""

    def __init__(self, seconds: float = 10.0) -> None:
        super().__init__()
        self._ring: deque[bytes] = deque(maxlen=max(1, int(seconds * RATE / FRAME_SAMPLES)))
        self._convert = MonoConverter()
        self.last_pts: int | None = None

    def write(self, frame: av.AudioFrame) -> None:
        self._ring.append(self._convert(frame))
        self.last_pts = frame.pts
        self._count()

    def samples(self, seconds: float | None = None) -> np.ndarray:
        """The last ``seconds`` (everything kept, if None) as int16 samples."""
        data = np.frombuffer(b"".join(self._ring), dtype="<i2")
        if seconds is not None:
            data = data[-int(seconds * RATE) :]
        return data

    def clear(self) -> None:
        self._ring.clear()


class LevelMeterSink:
    """The level of the audio as it arrives, for a UI meter: ``dbfs`` (last frame) and a decaying ``peak``."""

    FLOOR = -90.0

    def __init__(self, decay_db_per_frame: float = 0.5) -> None:
        self._convert = MonoConverter()
        self.dbfs = self.FLOOR
        self.peak = self.FLOOR
        self._decay = decay_db_per_frame
        self.frames = 0

    def write(self, frame: av.AudioFrame) -> None:
        level = level_dbfs(self._convert(frame))
        self.dbfs = max(level, self.FLOOR) if not math.isinf(level) else self.FLOOR
        self.peak = max(self.dbfs, self.peak - self._decay)
        self.frames += 1


class VideoSink(_Counter):
    """Counts received video frames and remembers the last one's size."""

    def __init__(self) -> None:
        super().__init__()
        self.size: tuple[int, int] | None = None
        self.last: av.VideoFrame | None = None

    def write(self, frame: av.VideoFrame) -> None:
        self.size = (frame.width, frame.height)
        self.last = frame
        self._count()
