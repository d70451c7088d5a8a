"""One console's WebSocket as the switch sees it: an ordered outbox and a rate limit.

The call logic never awaits a socket: it hands frames to :meth:`Connection.send`,
which queues them for a writer task. A bounded queue protects the switch from a
console that stops reading (the connection is dropped, its session survives).
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
from console.switch.model import Session

log = logging.getLogger(__name__)

OUTBOX = 4096  # frames queued for one console before it is considered stuck
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
    def __init__(self, ws: ServerConnection):
        self.ws = ws
        self.session: Session | None = None
        self.bucket = TokenBucket()
        self.closing = False
        self.done = asyncio.Event()  # set once the connection handler has returned
        self._deferred: list[Message] | None = None
        self._queue: asyncio.Queue[str | _Close | None] = asyncio.Queue(maxsize=OUTBOX)
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
        """Drop the TCP connection at once, as a network failure would."""
        self.closing = True
        self.ws.transport.abort()

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
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            log.warning("console at %s does not read its frames; dropping the connection", self.ws.remote_address)
            self.abort()

    async def _write(self) -> None:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            try:
                if isinstance(item, _Close):
                    await self.ws.close(item.code, item.reason)
                    return
                await self.ws.send(item)
            except ConnectionClosed:
                return
