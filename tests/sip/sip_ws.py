"""SIP over WebSocket (RFC 7118): a thin asyncio driver around the sans-I/O :class:`UserAgent`.

One task reads frames and feeds them to the agent, one wakes the agent's
timers; both end with the connection (the reader stops the timer task when the
connection is lost, so a reconnect never leaves one ticking); every call into the agent is followed by a flush of what it wants to
send. Events go to a bounded queue (oldest dropped when full, and logged).
The stack-level tests in tests/sip drive the agent through it against real
Kamailio (the console itself reaches SIP through console/core/client/sipwire.py
over console/net/websocket.py); it knows nothing of calls or the seed API.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Callable, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from console.core.sip.agent import UserAgent
from console.core.sip.events import Event, FlowFailed, MessageRejected
from console.core.sip.message import MAX_MESSAGE

log = logging.getLogger(__name__)
SUBPROTOCOL = "sip"
MAX_EVENTS = 256
TIMER_TICK = 0.5  # longest sleep between timer checks: commands can add deadlines
T = TypeVar("T")


class SipTransportError(ConnectionError):
    """The WebSocket to the SIP server could not be opened, or was lost."""


class SipWebSocket:
    def __init__(self, agent: UserAgent, url: str, *, ssl_context: ssl.SSLContext | None = None,
                 open_timeout: float = 10.0):
        self.agent = agent
        self.url = url
        self._ssl = ssl_context
        self._open_timeout = open_timeout
        self._ws: ClientConnection | None = None
        self._tasks: list[asyncio.Task] = []
        self._events: asyncio.Queue[Event] = asyncio.Queue(MAX_EVENTS)
        self.closed = asyncio.Event()

    async def connect(self) -> None:
        """Open the WebSocket (again, after :meth:`close`: the agent and its calls carry over)."""
        self.closed.clear()
        try:
            self._ws = await connect(self.url, subprotocols=[SUBPROTOCOL], ssl=self._ssl,  # type: ignore[list-item]
                                     open_timeout=self._open_timeout, max_size=MAX_MESSAGE, compression=None)
        except (OSError, asyncio.TimeoutError, InvalidHandshake, InvalidURI) as exc:
            raise SipTransportError(f"cannot open {self.url}: {exc or type(exc).__name__}") from None
        if self._ws.subprotocol != SUBPROTOCOL:
            await self._ws.close()
            raise SipTransportError(f"{self.url} did not accept the 'sip' WebSocket subprotocol")
        self._tasks = [asyncio.create_task(self._read(), name=f"sip reader {self.url}"),
                       asyncio.create_task(self._timers(), name=f"sip timers {self.url}")]

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def run(self, command: Callable[..., T], *args, **kwargs) -> T:
        """Call an agent command with the current time and send what it produced."""
        result = command(*args, self.now(), **kwargs)
        await self._flush()
        return result

    async def next_event(self, timeout: float) -> Event:
        return await asyncio.wait_for(self._events.get(), timeout)

    async def expect(self, kind: type[T], timeout: float, where: Callable[[T], bool] = lambda e: True) -> T:
        """The next event of ``kind`` meeting ``where`` (others are skipped, MessageRejected is logged)."""
        async with asyncio.timeout(timeout):
            while True:
                event = await self._events.get()
                if isinstance(event, kind) and where(event):
                    return event

    async def close(self) -> None:
        """Drop the connection without un-REGISTER or BYE (what a network cut or a crash does)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._ws is not None:
            await self._ws.close()
            self._ws = None
        self._tasks = []
        self.closed.set()

    async def _flush(self) -> None:
        dead = False
        for event in self.agent.events():
            if isinstance(event, MessageRejected):
                log.warning("SIP from %s refused: %s (answered %s)", self.url, event.detail, event.status)
            elif isinstance(event, FlowFailed):
                log.warning("no keep-alive pong from %s: dropping the connection", self.url)
                dead = True
            if self._events.full():
                dropped = self._events.get_nowait()
                log.warning("SIP event queue full, dropped %r", dropped)
            self._events.put_nowait(event)
        if self._ws is None:
            return
        if dead:
            await self._ws.close()  # the reader sees the close and reports the connection lost
            return
        for data in self.agent.data_to_send():
            try:
                await self._ws.send(data.decode("utf-8", errors="replace"))
            except ConnectionClosed:
                break

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                self.agent.receive(frame, self.now())
                await self._flush()
        except ConnectionClosed:
            pass
        finally:
            for task in self._tasks:
                if task is not asyncio.current_task():
                    task.cancel()  # the timers serve this connection: they end with it
            self.agent.connection_lost(self.now())
            await self._flush()
            self.closed.set()

    async def _timers(self) -> None:
        while True:
            deadline = self.agent.next_deadline()
            delay = TIMER_TICK if deadline is None else min(TIMER_TICK, max(0.0, deadline - self.now()))
            await asyncio.sleep(delay)
            self.agent.on_timer(self.now())
            await self._flush()
