"""The baseline: bare aiortc peer connections, with no signaling, no switch and no UI.

Only what aiortc itself needs is here: a paced sending track, a reader for
each received track, and SDP handed from one RTCPeerConnection to the other
(in this process, or over a pipe to the far ends in bench/bare_proc.py). The
product's own patches are applied (console.media.patches.apply() and
rtc_configuration()) so that loopback ICE works and the jitter buffer is the
same, exactly as in the product: the baseline differs from the product only
in what the product adds on top.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import av
import numpy as np
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from console.media import patches

from .child import Child
from .common import FrameMeter

RATE = 48000
FRAME = 960
SILENCE = bytes(2 * FRAME)
TIME_BASE = Fraction(1, RATE)
QUEUE_FRAMES = 5


def stereo_frame(pcm: bytes, pts: int) -> av.AudioFrame:
    """Mono s16 PCM as a packed-stereo s16 frame (what the product sends too)."""
    samples = np.repeat(np.frombuffer(pcm, dtype="<i2"), 2).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="stereo")
    frame.sample_rate = RATE
    frame.time_base = TIME_BASE
    frame.pts = pts
    return frame


def mono(frame: av.AudioFrame) -> np.ndarray:
    """A decoded frame (Opus: packed stereo s16) as mono int16 samples."""
    samples = frame.to_ndarray().reshape(-1)
    channels = len(frame.layout.channels)
    if channels == 1:
        return samples.astype(np.int16, copy=False)
    return (samples.reshape(-1, channels).astype(np.int32).sum(axis=1) // channels).astype(np.int16)


async def pace(start: float | None, count: int) -> float:
    """Wait until frame ``count`` of a 20 ms clock that started at ``start`` (now, if None) is due; the start."""
    loop = asyncio.get_running_loop()
    if start is None:
        return loop.time()
    wait = start + count * FRAME / RATE - loop.time()
    if wait > 0:
        await asyncio.sleep(wait)
    return start


class PacedTrack(MediaStreamTrack):
    """20 ms of ``source()`` (mono PCM, None = silence) per 20 ms of real time.

    ``on_sent(time, pcm)`` is told when each frame leaves (the baseline's "mouth").
    ``muted`` sends silence without asking the source (a held call: the console's
    device hub gives an unfocused call silence too).
    """

    kind = "audio"

    def __init__(self, source: Callable[[], bytes | None] | None = None,
                 on_sent: Callable[[float, bytes], None] | None = None) -> None:
        super().__init__()
        self._source = source
        self._on_sent = on_sent
        self._start: float | None = None
        self._count = 0
        self.muted = False

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        loop = asyncio.get_running_loop()
        self._start = await pace(self._start, self._count)
        pcm = (self._source() if self._source is not None and not self.muted else None) or SILENCE
        if self._on_sent is not None:
            self._on_sent(loop.time(), pcm)
        frame = stereo_frame(pcm, self._count * FRAME)
        self._count += 1
        return frame


class QueueTrack(MediaStreamTrack):
    """Sends the frames put in ``queue`` (received elsewhere) as they come: a bare echo or relay.

    Each frame is copied into a fresh one: handing aiortc's decoded frame
    object straight back to an encoder kept a thread busy at 100 % of a core
    (aiortc 1.16 / PyAV 18, measured while writing this benchmark).
    """

    kind = "audio"

    def __init__(self, queue: FrameQueue) -> None:
        super().__init__()
        self._queue = queue
        self._count = 0

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        received = await self._queue.get()
        frame = av.AudioFrame.from_ndarray(received.to_ndarray(), format="s16", layout=received.layout.name)
        frame.sample_rate = received.sample_rate
        frame.time_base = TIME_BASE
        frame.pts = self._count * frame.samples
        self._count += 1
        return frame


class FrameQueue:
    """A bounded queue of frames: the oldest goes when it is full (never an unbounded relay queue)."""

    def __init__(self, size: int = QUEUE_FRAMES) -> None:
        self._frames: deque[Any] = deque(maxlen=size)
        self._ready = asyncio.Event()

    def put(self, frame: Any) -> None:
        self._frames.append(frame)
        self._ready.set()

    async def get(self) -> Any:
        while not self._frames:
            self._ready.clear()
            await self._ready.wait()
        return self._frames.popleft()


def read_track(track: MediaStreamTrack, on_frame: Callable[[Any], None]) -> asyncio.Task[None]:
    """Every received track must be read (aiortc's queue grows otherwise)."""

    async def run() -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            on_frame(frame)

    return asyncio.get_running_loop().create_task(run(), name="bare reader")


class BarePeer(FrameMeter):
    """One RTCPeerConnection: sends ``track`` (a PacedTrack by default), reads and counts what it receives."""

    def __init__(self, track: MediaStreamTrack | None = None,
                 on_frame: Callable[[float, av.AudioFrame], None] | None = None, echo: bool = False) -> None:
        super().__init__()
        patches.apply()
        self.pc = RTCPeerConnection(patches.rtc_configuration())
        self.inbound = FrameQueue()
        self.track = QueueTrack(self.inbound) if echo else track if track is not None else PacedTrack()
        self.on_frame = on_frame
        self.first_frame_at: float | None = None
        self.connected_at: float | None = None
        self.connected = asyncio.Event()
        self._readers: list[asyncio.Task[None]] = []
        self._transceiver: Any = None
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_state)

    def _on_state(self) -> None:
        if self.pc.connectionState == "connected" and not self.connected.is_set():
            self.connected_at = time.perf_counter()
            self.connected.set()

    def _on_track(self, track: MediaStreamTrack) -> None:
        self._readers.append(read_track(track, self._frame))

    def _frame(self, frame: av.AudioFrame) -> None:
        now = time.perf_counter()
        if self.first_frame_at is None:
            self.first_frame_at = now
        self.count(frame)
        self.inbound.put(frame)
        if self.on_frame is not None:
            self.on_frame(asyncio.get_running_loop().time(), frame)

    async def offer(self, direction: str = "sendrecv") -> dict[str, str]:
        if self._transceiver is None:
            self._transceiver = self.pc.addTransceiver(self.track, direction=direction)
        else:
            self._transceiver.direction = direction
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return {"type": "offer", "sdp": self.pc.localDescription.sdp}

    async def accept(self, answer: dict[str, str]) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))

    async def answer(self, offer: dict[str, str]) -> dict[str, str]:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        for transceiver in self.pc.getTransceivers():
            if transceiver.kind == "audio" and transceiver.sender.track is None:
                self.pc.addTrack(self.track)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return {"type": "answer", "sdp": self.pc.localDescription.sdp}

    async def close(self) -> None:
        await self.pc.close()
        self.track.stop()
        for reader in self._readers:
            reader.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
        self._readers.clear()


class BarePair:
    """Two peers in this process; ``far`` answers with a tone/silence track or echoes what it hears."""

    def __init__(self, near: BarePeer, echo: bool = False) -> None:
        self.near = near
        self.far = BarePeer(echo=echo)

    async def connect(self, timeout: float = 10.0) -> None:
        await self.near.accept(await self.far.answer(await self.near.offer()))
        async with asyncio.timeout(timeout):
            await self.near.connected.wait()
            await self.far.connected.wait()

    async def close(self) -> None:
        await self.near.close()
        await self.far.close()


class BareFarEnds(Child):
    """Bare far ends in their own process (bench/bare_proc.py), as the switch is in its own."""

    def __init__(self) -> None:
        super().__init__("bench.bare_proc")

    async def call(self, peer: BarePeer, leg: str, mode: str = "echo", relay_to: str | None = None,
                   direction: str = "sendrecv") -> None:
        """Offer ``peer``'s media to far end ``leg`` (echo, or relay to leg ``relay_to``) and apply its answer."""
        offer = await peer.offer(direction)
        reply = await self.ask(op="answer", leg=leg, sdp=offer["sdp"], mode=mode, relay_to=relay_to)
        await peer.accept({"type": "answer", "sdp": reply["sdp"]})

    async def hang_up(self, leg: str) -> None:
        await self.ask(op="close", leg=leg)

    async def stats(self) -> dict[str, Any]:
        return await self.ask(op="stats")

    async def websocket_server(self) -> str:
        return (await self.ask(op="ws"))["url"]
