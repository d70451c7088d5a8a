"""The media tracks both sides send, and the task that consumes a received track.

aiortc pulls a sending track by awaiting ``recv()``; the track must pace
itself (return one frame per 20 ms of real time) and must never block the
loop. Our sending tracks keep a virtual clock and only ever sleep until the
next tick; what they send comes from a plain callable that returns at once
(a mic queue, a relay queue, a tone generator). When the callable has nothing,
the track sends silence, so the far end always hears a steady 20 ms stream.

Every received track must be read, or aiortc's queue grows without bound
(media-facts: 35 MiB in 30 s); ``consume`` is the one reader per track.
"""

from __future__ import annotations

import asyncio
import logging
import math
from fractions import Fraction
from typing import Callable

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from .frames import audio_frame
from .tones import FRAME_SAMPLES, FRAME_SECONDS, SILENT_FRAME

VIDEO_CLOCK = 90000
VIDEO_TIME_BASE = Fraction(1, VIDEO_CLOCK)
MAX_LAG_TICKS = 5  # after a stall longer than this, skip ahead instead of sending a burst

log = logging.getLogger(__name__)


class _Clock:
    """A virtual clock: ``await tick()`` returns the next tick number on time, without drift."""

    def __init__(self, period: float) -> None:
        self.period = period
        self._start: float | None = None
        self._tick = 0

    def shift(self, seconds: float) -> None:
        """Move the coming ticks ``seconds`` later (negative: sooner); their numbers stay as they are."""
        if self._start is not None:
            self._start += seconds

    async def tick(self) -> int:
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
            return 0
        self._tick += 1
        due = self._start + self._tick * self.period
        wait = due - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        elif -wait > MAX_LAG_TICKS * self.period:
            # The loop stalled: resume from now, keeping timestamps in step with real time.
            self._tick = math.floor((loop.time() - self._start) / self.period)
        return self._tick


class PacedAudioTrack(MediaStreamTrack):
    """20 ms frames of 48 kHz mono s16 from ``source()`` (None = silence), on a virtual clock.

    Frames leave as stereo with both channels equal (see frames.audio_frame: it keeps the level).

    ``source`` is called once per frame on the event loop and must return at
    once. :meth:`pause` stops the frames while the direction sends nothing
    (aiortc would read and discard them: a held call would cost a frame every
    20 ms); the timestamps resume from the time that passed, so the receiver
    sees a jump after a hold, which is how stale frames are recognised after a
    retrieve.
    """

    kind = "audio"

    def __init__(self, source: Callable[[], bytes | None]) -> None:
        super().__init__()
        self._source = source
        self._clock = _Clock(FRAME_SECONDS)
        self._running = asyncio.Event()
        self._running.set()
        self.frames_sent = 0

    def pause(self, paused: bool) -> None:
        """Paused: ``recv`` waits (no frames at all) until resumed or stopped."""
        if paused:
            self._running.clear()
        else:
            self._running.set()

    def stop(self) -> None:
        super().stop()
        self._running.set()

    def shift(self, seconds: float) -> None:
        """Send the coming frames ``seconds`` later (negative: sooner), to follow a sound card's clock (hub.py);
        timestamps go on counting frames."""
        self._clock.shift(seconds)

    async def recv(self) -> av.AudioFrame:
        if not self._running.is_set():
            await self._running.wait()
        if self.readyState != "live":
            raise MediaStreamError
        tick = await self._clock.tick()
        try:
            pcm = self._source()
        except Exception:  # a broken source must not end the call's audio
            log.exception("audio source failed; sending silence")
            pcm = None
        if pcm is None or len(pcm) != len(SILENT_FRAME):
            pcm = SILENT_FRAME
        self.frames_sent += 1
        return audio_frame(pcm, pts=tick * FRAME_SAMPLES, stereo=True)


def bars_frame(width: int, height: int, offset: int) -> av.VideoFrame:
    """A yuv420p frame of vertical grey bars shifted by ``offset`` pixels (cheap: no colour conversion)."""
    x = (np.arange(width) + offset) % width
    luma_row = (16 + (x * 8 // width) * 30).astype(np.uint8)
    planes = np.empty((height * 3 // 2, width), dtype=np.uint8)
    planes[:height] = luma_row
    planes[height:] = 128
    return av.VideoFrame.from_ndarray(planes, format="yuv420p")


class PacedVideoTrack(MediaStreamTrack):
    """Video at ``fps`` from ``source()`` (None = repeat the last frame, or black at first).

    Each returned frame is a fresh copy with its own timestamp, so one source
    frame can feed several senders (a relay, an echo) without sharing state.
    """

    kind = "video"

    def __init__(
        self,
        source: Callable[[int], av.VideoFrame | None],
        fps: float = 15.0,
        size: tuple[int, int] = (320, 240),
        on_frame: Callable[[av.VideoFrame], None] | None = None,
    ) -> None:
        super().__init__()
        self._source = source
        self._clock = _Clock(1.0 / fps)
        self._size = size
        self._on_frame = on_frame
        self._last: av.VideoFrame | None = None
        self.frames_sent = 0

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        tick = await self._clock.tick()
        try:
            frame = self._source(tick)
        except Exception:
            log.exception("video source failed")
            frame = None
        if frame is not None:
            self._last = frame
        if self._last is None:
            self._last = bars_frame(*self._size, 0)
        out = av.VideoFrame.from_ndarray(self._last.to_ndarray(format="yuv420p"), format="yuv420p")
        out.pts = round(tick * self._clock.period * VIDEO_CLOCK)
        out.time_base = VIDEO_TIME_BASE
        self.frames_sent += 1
        if self._on_frame is not None:
            self._on_frame(out)
        return out


def synthetic_video(width: int = 320, height: int = 240, speed: int = 4) -> Callable[[int], av.VideoFrame]:
    """A source of moving bars for PacedVideoTrack: what the console sends when there is no camera."""

    def source(tick: int) -> av.VideoFrame:
        return bars_frame(width, height, tick * speed)

    return source


def consume(
    track: MediaStreamTrack,
    handle: Callable[[av.AudioFrame | av.VideoFrame], None],
    name: str,
    on_end: Callable[[], None] | None = None,
) -> asyncio.Task[None]:
    """Start the task that reads ``track`` until it ends, passing each frame to ``handle``.

    ``handle`` runs on the loop and must not block; an exception in it is
    logged and the frame dropped, the reading goes on.
    """

    async def run() -> None:
        try:
            while True:
                try:
                    frame = await track.recv()
                except MediaStreamError:
                    return
                try:
                    handle(frame)
                except Exception:
                    log.exception("%s: frame handler failed", name)
        finally:
            if on_end is not None:
                on_end()

    return asyncio.get_running_loop().create_task(run(), name=name)


async def cancel_tasks(tasks: list[asyncio.Task] | set[asyncio.Task]) -> None:
    """Cancel and await tasks (never from inside one of them)."""
    current = asyncio.current_task()
    pending = [t for t in tasks if t is not current and not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)

