"""Bare far ends in their own process: ``python -m bench.bare_proc``.

The baseline's counterpart of bench/switch_proc.py. JSON-line requests:

* ``{"op": "answer", "leg": ID, "sdp": OFFER, "mode": "echo"|"relay", "relay_to": ID}``:
  answer an offer on leg ID's RTCPeerConnection (created on first use, re-offers reuse it);
  the leg sends back what it receives (echo) or what leg ``relay_to`` receives (relay),
  as the frames arrive, through a bounded queue. Nothing else: no routing, no pacing,
  no services, no hold logic.
* ``{"op": "close", "leg": ID}``
* ``{"op": "ws"}``: start a bare websockets server that answers every text frame with a
  small JSON result (the baseline for logins); returns its URL
* ``{"op": "stats"}``: RSS, legs, frame counters, tasks, fds, websocket connections
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription

from console.media import patches

from .bare import FrameQueue, QueueTrack, read_track
from .child import serve_lines
from .common import fd_count, rss_kib, thread_count
from .switch_proc import raise_fd_limit


class FarEnd:
    def __init__(self, leg: str, source: FrameQueue, inbound: FrameQueue) -> None:
        self.leg = leg
        self.pc = RTCPeerConnection(patches.rtc_configuration())
        self.track = QueueTrack(source)
        self.inbound = inbound
        self.frames_in = 0
        self.readers: list[asyncio.Task[None]] = []
        self.pc.on("track", lambda track: self.readers.append(read_track(track, self._frame)))

    def _frame(self, frame: Any) -> None:
        self.frames_in += 1
        self.inbound.put(frame)

    async def close(self) -> None:
        await self.pc.close()
        self.track.stop()
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)


class FarEnds:
    def __init__(self) -> None:
        patches.apply()
        self.legs: dict[str, FarEnd] = {}
        self.queues: dict[str, FrameQueue] = {}
        self.ws_connections = 0
        self.ws_server: Any = None

    def queue(self, leg: str) -> FrameQueue:
        return self.queues.setdefault(leg, FrameQueue())

    async def answer(self, leg: str, sdp: str, mode: str, relay_to: str | None) -> dict[str, Any]:
        far = self.legs.get(leg)
        if far is None:
            source = self.queue(leg) if mode == "echo" else self.queue(str(relay_to))
            far = self.legs[leg] = FarEnd(leg, source, self.queue(leg))
        pc = far.pc
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        for transceiver in pc.getTransceivers():
            if transceiver.kind == "audio" and transceiver.sender.track is None:
                pc.addTrack(far.track)
        await pc.setLocalDescription(await pc.createAnswer())
        return {"sdp": pc.localDescription.sdp}

    async def close(self, leg: str) -> dict[str, Any]:
        far = self.legs.pop(leg, None)
        self.queues.pop(leg, None)
        if far is not None:
            await far.close()
        return {}

    async def websocket(self) -> dict[str, Any]:
        from websockets.asyncio.server import serve

        async def handler(ws: Any) -> None:
            self.ws_connections += 1
            try:
                async for text in ws:
                    request = json.loads(text)
                    await ws.send(json.dumps({"v": 1, "type": "result", "id": request.get("id")}))
            except Exception:  # noqa: BLE001 - a client that went away
                pass
            finally:
                self.ws_connections -= 1

        if self.ws_server is None:
            self.ws_server = await serve(handler, "127.0.0.1", 0, ping_interval=20, ping_timeout=20)
        port = self.ws_server.sockets[0].getsockname()[1]
        return {"url": f"ws://127.0.0.1:{port}"}

    def stats(self) -> dict[str, Any]:
        return {
            "legs": len(self.legs),
            "frames_in": {leg: far.frames_in for leg, far in self.legs.items()},
            "ws_connections": self.ws_connections,
            "rss_kib": rss_kib(),
            "tasks": len(asyncio.all_tasks()),
            "fds": fd_count(),
            "threads": thread_count(),
        }

    async def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request["op"]
        if op == "answer":
            return await self.answer(request["leg"], request["sdp"], request.get("mode", "echo"), request.get("relay_to"))
        if op == "close":
            return await self.close(request["leg"])
        if op == "ws":
            return await self.websocket()
        if op == "stats":
            return self.stats()
        raise ValueError(f"unknown op {op!r}")

    async def aclose(self) -> None:
        for leg in list(self.legs):
            await self.close(leg)
        if self.ws_server is not None:
            self.ws_server.close()
            await self.ws_server.wait_closed()


async def run() -> None:
    raise_fd_limit()
    ends = FarEnds()
    try:
        await serve_lines(ends.handle, {"pid": os.getpid()})
    finally:
        await ends.aclose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(run())
