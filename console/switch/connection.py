"""One console's WebSocket as the switch sees it: an ordered outbox and a rate limit.

The call logic never awaits a socket: it hands frames to :meth:`Connection.send`,
which queues them for a writer task. The queue is bounded in frames and in
bytes (``Limits.outbox_frames``, ``Limits.outbox_bytes``): a console that stops
reading is cut off (its session survives for restore) before it can make the
switch hold more than that for it.
While a request is handled, frames for this console are held back, so the
``result`` always comes first, then the events the request caused.
"""

from __future__ import annotations

import asyncio
import logging
import time

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from console.core.enums import LogoutReason
from console.core.protocol import Message, MsgType, encode
from console.switch.limits import Limits, TripLog
from console.switch.model import Session

log = logging.getLogger(__name__)

RATE = 200.0  # frames per second a console may send, sustained
BURST = 400.0


class TokenBucket:
    """Generous flood protection: ``rate`` frames a second, bursts up to ``burst``."""

    def __init__(self, rate: float | None = None, burst: float | None = None):
        self.rate, self.burst = rate or RATE, burst or BURST
        self.tokens = self.burst
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class _Close:
    def __init__(self, code: int, reason: str):
        self.code, self.reason = code, reason


class Connection:
    def __init__(self, ws: ServerConnection, limits: Limits | None = None, trips: TripLog | None = None):
        self.ws = ws
        self.limits = limits or Limits()
        self.trips = trips or TripLog(log)
        self.session: Session | None = None
        self.logged_in = False  # once true, the login deadline no longer applies
        self.opened = time.monotonic()
        self.address = _address(ws)
        self.bucket = TokenBucket()
        self.closing = False
        self.done = asyncio.Event()  # set once the connection handler has returned
        self.queued_bytes = 0
        self.fragments_since: float | None = None  # when an unfinished fragmented message was first seen
        self._deferred: list[Message] | None = None
        self._queue: asyncio.Queue[str | _Close | None] = asyncio.Queue(maxsize=self.limits.outbox_frames)
        self._writer = asyncio.get_running_loop().create_task(self._write())

    def send(self, msg: Message) -> None:
        """Queue a frame (an event); held back while a request of this console is handled."""
        if self.closing:
            return
        if self._deferred is not None:
            self._deferred.append(msg)
        else:
            self._put(encode(msg))

    def begin_request(self) -> None:
        self._deferred = []

    def end_request(self, reply: Message, *, close: bool = False) -> None:
        """Send the request's reply, then the events it caused; optionally close (1000) after."""
        held, self._deferred = self._deferred or [], None
        if self.closing:
            return
        self._put(encode(reply))
        for msg in held:
            self._put(encode(msg))
        if close:
            self.close()

    def logged_out(self, reason: LogoutReason) -> None:
        """The switch ends the session: say why, then close."""
        if self.closing:
            return
        for msg in self._deferred or []:
            self._put(encode(msg))
        self._deferred = None
        self._put(encode(Message(MsgType.LOGOUT_EVENT, None, {"reason": str(reason)})))
        self.close()

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close once everything queued so far is sent."""
        if not self.closing:
            self._put(_Close(code, reason))
            self.closing = True

    def abort(self) -> None:
        """Drop the TCP connection at once, as a network failure would; forget what was queued."""
        self.closing = True
        self.ws.transport.abort()
        while not self._queue.empty():
            self._queue.get_nowait()
        self.queued_bytes = 0

    async def finish(self) -> None:
        """The socket is gone: stop the writer."""
        self.closing = True
        try:
            self._queue.put_nowait(None)
        except asyncio.QueueFull:
            self._writer.cancel()
        try:
            await asyncio.wait_for(self._writer, 5)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            pass

    def _put(self, item: str | _Close) -> None:
        if self.closing and not isinstance(item, _Close):
            return
        size = len(item) if isinstance(item, str) else 0
        if self.queued_bytes + size > self.limits.outbox_bytes:
            self._slow_reader(f"{self.queued_bytes + size} bytes queued")
            return
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self._slow_reader(f"{self._queue.qsize()} frames queued")
            return
        self.queued_bytes += size

    def _slow_reader(self, what: str) -> None:
        self.trips.trip("outbox", "console at %s does not read its frames (%s); dropping the connection",
                        self.address, what)
        self.abort()

    async def _write(self) -> None:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            if isinstance(item, str):
                self.queued_bytes -= len(item)
            try:
                if isinstance(item, _Close):
                    await self.ws.close(item.code, item.reason)
                    return
                await self.ws.send(item)
            except ConnectionClosed:
                return


def _address(ws: ServerConnection) -> str:
    remote = ws.remote_address
    return str(remote[0]) if isinstance(remote, tuple) and remote else str(remote)
