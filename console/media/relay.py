"""RelayAudioTrack: the switch's sending audio track, which relays encoded audio when it can.

A switch leg hears one thing at a time (console/switch/rtc_plane.py). The
track sends it in one of three modes, and always as encoded payloads
(``av.Packet``: aiortc's sender packs them as they are, see patches.py):

* ``RELAY``: another leg's encoded packets, forwarded as they arrive (no
  decode, no re-encode, no clock of our own: the talker's device clock drives
  the sending). When nothing arrives for ``FILL_AFTER`` frames, encoded
  silence fills in on a 20 ms clock, so the far end keeps a steady stream; a
  packet arriving after its time was filled is dropped, not sent late.
* ``PACED``: 20 ms frames of PCM from ``source()`` (a service, a decoded relay
  when the codecs differ, silence), encoded here, on a 20 ms virtual clock.
* ``IDLE``: nothing at all (the leg's direction does not send: a held call
  costs nothing).

The timestamps are one timeline across modes: a relayed packet advances it by
the talker's own timestamp step, a paced frame by 20 ms, and a resume after a
pause by the time that passed (a receiver sees the jump after a hold, which is
how stale frames are recognised after a retrieve).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from enum import Enum
from fractions import Fraction
from typing import Any, Callable

import av
from aiortc.codecs import get_encoder
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from .frames import audio_frame
from .tones import FRAME_SAMPLES, FRAME_SECONDS, RATE, SILENT_FRAME

FILL_AFTER = 5  # frames without a relayed packet before silence fills in
RELAY_QUEUE = 4  # relayed packets waiting at most (the sender normally takes each at once); the oldest goes
MAX_LAG_TICKS = 5  # a paced clock this late resumes from now
MAX_STEP_FRAMES = 10  # a talker's timestamp step larger than this is a pause: the elapsed time counts instead
TIME_BASE = Fraction(1, RATE)

log = logging.getLogger(__name__)


class Mode(Enum):
    IDLE = "idle"
    PACED = "paced"
    RELAY = "relay"


def same_codec(a: Any, b: Any) -> bool:
    """Whether payloads of codec ``a`` can be sent as codec ``b`` (RTCRtpCodecParameters)."""
    return (
        a is not None and b is not None and a.mimeType.lower() == b.mimeType.lower()
        and a.clockRate == b.clockRate and (a.channels or 1) == (b.channels or 1)
    )


class RelayAudioTrack(MediaStreamTrack):
    kind = "audio"

    def __init__(self, source: Callable[[], bytes | None]) -> None:
        super().__init__()
        self._source = source
        self.mode = Mode.PACED
        self.codec: Any = None
        self._encoder: Any = None
        self._silence: bytes | None = None
        self._encoded = 0  # samples given to the encoder (its own, contiguous timeline)
        self._queue: deque[tuple[int, bytes, int]] = deque()
        self._waiter: asyncio.Future[bool] | None = None
        self._pts = -FRAME_SAMPLES  # the last timestamp sent (48 kHz)
        self._sent_at: float | None = None
        self._due: float | None = None  # the paced clock's next tick
        self._talker: tuple[int, int] | None = None  # the last relayed packet's (timestamp, clock rate)
        self._talker_pts = 0  # ... and its timestamp on our timeline
        self._talker_id: str | None = None
        self._filled = 0  # silent frames filled in since the last relayed packet
        self.frames_sent = 0
        self.frames_relayed = 0
        self.relay_dropped = 0

    # --- control (the plane) ------------------------------------------------------

    def set_codec(self, codec: Any) -> None:
        """The codec the leg sends (the first negotiated); the encoder follows it."""
        if same_codec(codec, self.codec):
            return
        self.codec = codec
        self._encoder = None
        self._encoded = 0
        self._silence = None

    def set_mode(self, mode: Mode, talker: str | None = None) -> None:
        """``talker`` names whose packets RELAY forwards: a new talker starts its own timestamp mapping."""
        if mode is self.mode and talker == self._talker_id:
            return
        self.mode = mode
        self._talker_id = talker
        self._queue.clear()
        self._talker = None
        self._filled = 0
        self._due = None
        self._wake(True)

    def push(self, timestamp: int, payload: bytes, clock_rate: int) -> None:
        """A relayed packet (RELAY mode only; ignored otherwise)."""
        if self.mode is not Mode.RELAY:
            return
        if len(self._queue) >= RELAY_QUEUE:
            self._queue.popleft()
            self.relay_dropped += 1
        self._queue.append((timestamp, payload, clock_rate))
        self._wake(True)

    # --- aiortc's side ------------------------------------------------------------

    async def recv(self) -> av.Packet:
        loop = asyncio.get_running_loop()
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            mode = self.mode
            if mode is Mode.IDLE:
                await self._wait(None)
                continue
            if mode is Mode.RELAY:
                if self._queue:
                    packet = self._relayed(*self._queue.popleft(), loop.time())
                    if packet is not None:
                        return packet
                    continue
                last = self._sent_at if self._sent_at is not None else loop.time()
                gap = FILL_AFTER if self._filled == 0 else 1  # then every 20 ms while nothing comes
                if await self._wait(last + gap * FRAME_SECONDS) or self.mode is not Mode.RELAY:
                    continue
                self._filled += 1
                if self._filled > MAX_STEP_FRAMES:
                    self._talker = None  # a pause, not jitter: the talker's next packet starts afresh
                packet = self._paced(None, loop.time(), resumed=self._sent_at is None)
            else:
                now = loop.time()
                resumed = self._due is None or now - self._due > MAX_LAG_TICKS * FRAME_SECONDS
                if resumed:
                    self._due = now
                elif self._due > now:
                    # the mode may change while we wait (set_mode clears _due) even when the deadline won
                    if await self._wait(self._due) or self.mode is not mode or self._due is None:
                        continue
                self._due += FRAME_SECONDS
                try:
                    pcm = self._source()
                except Exception:  # a broken source must not end the call's audio
                    log.exception("audio source failed; sending silence")
                    pcm = None
                packet = self._paced(pcm, loop.time(), resumed)
            if packet is not None:
                return packet

    def stop(self) -> None:
        super().stop()
        self._wake(False)

    # --- internals ------------------------------------------------------------------

    def _wake(self, value: bool) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(value)

    async def _wait(self, deadline: float | None) -> bool:
        """Until woken (True: a packet, a mode change) or ``deadline`` passes (False)."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiter = waiter
        timer = None if deadline is None else loop.call_at(deadline, _settle, waiter)
        try:
            return await waiter
        finally:
            if timer is not None:
                timer.cancel()
            if self._waiter is waiter:
                self._waiter = None

    def _advance(self, now: float, frames: int | None) -> int:
        """The next timestamp: ``frames`` after the last, or as many as the time since it (a resume)."""
        if frames is None:
            frames = 1 if self._sent_at is None else max(1, round((now - self._sent_at) / FRAME_SECONDS))
        self._pts += frames * FRAME_SAMPLES
        self._sent_at = now
        return self._pts

    def _relayed(self, timestamp: int, payload: bytes, clock_rate: int, now: float) -> av.Packet | None:
        """The packet for a talker's packet on our timeline, or None for one that comes too late
        (its time was filled with silence already) or twice."""
        pts = None
        if self._talker is not None and self._talker[1] == clock_rate:
            delta = (timestamp - self._talker[0]) & 0xFFFFFFFF
            if delta >= 1 << 31:
                delta -= 1 << 32
            pts = self._talker_pts + round(delta * RATE / clock_rate)
            ahead = pts - self._pts
            if -MAX_STEP_FRAMES * FRAME_SAMPLES < ahead <= 0:
                self.relay_dropped += 1
                return None
            if not 0 < ahead <= MAX_STEP_FRAMES * FRAME_SAMPLES:
                pts = None
        if pts is None:  # the first packet, a new talker, or a jump: continue our timeline from the time passed
            pts = self._advance(now, None)
        else:
            self._pts, self._sent_at = pts, now
        self._talker = (timestamp, clock_rate)
        self._talker_pts = pts
        self._filled = 0
        self.frames_relayed += 1
        return self._packet(payload, pts)

    def _paced(self, pcm: bytes | None, now: float, resumed: bool) -> av.Packet | None:
        payload = self._encode(pcm)
        if payload is None:
            return None
        return self._packet(payload, self._advance(now, None if resumed else 1))

    def _encode(self, pcm: bytes | None) -> bytes | None:
        if self.codec is None:
            return None
        if pcm is None or len(pcm) != len(SILENT_FRAME):
            if self._silence is None:
                self._silence = _silence(self.codec)
            return self._silence
        if self._encoder is None:
            self._encoder = get_encoder(self.codec)
        payloads, _ = self._encoder.encode(audio_frame(pcm, pts=self._encoded, stereo=True))
        self._encoded += FRAME_SAMPLES
        return payloads[0] if payloads else None

    def _packet(self, payload: bytes, pts: int) -> av.Packet:
        packet = av.Packet(payload)
        packet.pts = pts
        packet.time_base = TIME_BASE
        self.frames_sent += 1
        return packet


def _settle(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)


def _silence(codec: Any) -> bytes:
    """One encoded 20 ms of silence in ``codec`` (from a fresh encoder past its start-up)."""
    encoder = get_encoder(codec)
    payload = b""
    for i in range(3):
        payloads, _ = encoder.encode(audio_frame(SILENT_FRAME, pts=i * FRAME_SAMPLES, stereo=True))
        if payloads:
            payload = payloads[0]
    return payload
