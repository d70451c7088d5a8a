"""Light load generators for the relay capacity figure: peers that send Opus encoded once and count what
arrives without decoding it, driven by raw protocol clients (no console code).

A console encodes its microphone and decodes what it hears: with the consoles
of every relayed call in the benchmark's process, that process fills the two
cores before the switch does, and the relay ramp measures the load generators.
These peers cost what a WebRTC endpoint costs without a codec (ICE, DTLS,
SRTP, RTP), so the ramp ends where the relay does. The same peers load the
baseline (the bare decoding relay in bench/bare_proc.py).

* :class:`EncodedToneTrack`: 50 Opus packets of a tone, encoded once with
  aiortc's own encoder, sent on a 20 ms clock as ``av.Packet``s (aiortc's
  sender packs a packet a track returns as it is, as the switch's relay does).
* :class:`EncodedPeer`: one RTCPeerConnection with that track; its receiver
  does not decode (``patches.set_decoding``) and counts each packet by RTP
  timestamp (``patches.listen_media``), which is what ``window_figures``
  needs to tell frames that arrived from frames that were sent.
* :class:`RawConsole`: the protocol (docs/PROTOCOL.md) over a websocket:
  token login, ``dial`` and ``answer`` with an offer, results and ``call``
  events.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from fractions import Fraction
from typing import Any

import av
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from console.media import patches
from console.media.tones import ToneGenerator

from .bare import FRAME, RATE, pace, stereo_frame
from .common import FrameMeter

TIME_BASE = Fraction(1, RATE)
LOOP_FRAMES = 50  # one second of tone, sent over and over
TIMEOUT = 30.0


def encoded_tone(hz: float, frames: int = LOOP_FRAMES) -> list[bytes]:
    """``frames`` consecutive 20 ms Opus payloads of a tone at -20 dBFS (48 kHz, as aiortc sends)."""
    from aiortc.codecs.opus import OpusEncoder

    encoder = OpusEncoder()
    tone = ToneGenerator(hz, -20)
    payloads: list[bytes] = []
    for index in range(frames):
        packets, _ = encoder.encode(stereo_frame(tone.frame(), index * FRAME))
        payloads.extend(packets)
    return payloads


class EncodedToneTrack(MediaStreamTrack):
    kind = "audio"

    def __init__(self, payloads: list[bytes]) -> None:
        super().__init__()
        self._payloads = itertools.cycle(payloads)
        self._start: float | None = None
        self._count = 0

    async def recv(self) -> av.Packet:
        if self.readyState != "live":
            raise MediaStreamError
        self._start = await pace(self._start, self._count)
        packet = av.Packet(next(self._payloads))
        packet.pts = self._count * FRAME
        packet.time_base = TIME_BASE
        self._count += 1
        return packet


class EncodedPeer(FrameMeter):
    """Sends an encoded tone, counts the packets it receives (by RTP timestamp), decodes nothing."""

    def __init__(self, payloads: list[bytes]) -> None:
        super().__init__()
        patches.apply()
        self.pc = RTCPeerConnection(patches.rtc_configuration())
        self.track = EncodedToneTrack(payloads)
        self.connected = asyncio.Event()
        self.flowing = asyncio.Event()  # the first packet arrived
        self._transceiver = self.pc.addTransceiver(self.track, direction="sendrecv")
        patches.listen_media(self._transceiver.receiver, self._packet)
        self.pc.on("connectionstatechange", self._on_state)
        self.pc.on("track", lambda track: None)

    def _on_state(self) -> None:
        if self.pc.connectionState == "connected":
            self.connected.set()

    def _packet(self, timestamp: int, payload: bytes, clock_rate: int) -> None:
        self.flowing.set()
        self.frames += 1
        self.last_pts = timestamp * RATE // clock_rate

    async def offer(self, direction: str = "sendrecv") -> dict[str, str]:
        self._transceiver.direction = direction
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return {"type": "offer", "sdp": self.pc.localDescription.sdp}

    async def accept(self, answer: dict[str, str]) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
        patches.set_decoding(self._transceiver.receiver, False)

    async def close(self) -> None:
        await self.pc.close()
        self.track.stop()


class ProtocolError(RuntimeError):
    pass


class RawConsole:
    """A console as the protocol sees it, without the console's code: one websocket, requests and events."""

    def __init__(self) -> None:
        self.ws: Any = None
        self.number = ""
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._calls: dict[str, dict[str, Any]] = {}
        self._incoming: asyncio.Queue[str] = asyncio.Queue()
        self._changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def login(self, url: str, token: str) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(url, ping_interval=None, max_size=2**20, open_timeout=TIMEOUT)
        self._reader = asyncio.get_running_loop().create_task(self._read(), name="raw console reader")
        result = await self.request("login", auth="token", token=token)
        self.number = str(result.get("number") or "")

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                message = json.loads(text)
                if message.get("type") in ("result", "error"):
                    future = self._waiting.pop(message.get("id"), None)
                    if future is not None and not future.done():
                        future.set_result(message)
                elif message.get("type") == "call":
                    call = message["call"]
                    if call["call"] not in self._calls and call.get("state") == "OFFERING":
                        self._incoming.put_nowait(call["call"])
                    self._calls[call["call"]] = call
                    self._changed.set()
        except Exception:  # noqa: BLE001 - the socket closed: every waiter learns it below
            pass
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(ProtocolError("the connection closed"))

    async def request(self, kind: str, **body: Any) -> dict[str, Any]:
        request_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        await self.ws.send(json.dumps({"v": 1, "type": kind, "id": request_id, **body}))
        async with asyncio.timeout(TIMEOUT):
            reply = await future
        if reply["type"] == "error":
            raise ProtocolError(f"{kind}: {reply}")
        return reply

    async def next_incoming(self) -> str:
        async with asyncio.timeout(TIMEOUT):
            return await self._incoming.get()

    async def until_state(self, call: str, state: str) -> None:
        async with asyncio.timeout(TIMEOUT):
            while self._calls.get(call, {}).get("state") != state:
                self._changed.clear()
                await self._changed.wait()

    def state(self, call: str) -> str | None:
        return self._calls.get(call, {}).get("state")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


async def wait_flowing(peers: list[EncodedPeer], timeout: float = TIMEOUT) -> None:
    """Until every peer is connected and has received a packet."""
    async with asyncio.timeout(timeout):
        for peer in peers:
            await peer.connected.wait()
            await peer.flowing.wait()
