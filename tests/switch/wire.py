"""A raw protocol client for the switch tests: no console code, just frames.

It keeps every frame it receives in arrival order; ``request`` waits for the
reply with its id, ``event`` for the first not-yet-taken event that matches,
so a test states what it expects and never sleeps.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

TIMEOUT = 3.0


class WireError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Wire:
    def __init__(self, ws: ClientConnection):
        self.ws = ws
        self.ids = itertools.count(1)
        self.frames: list[dict] = []
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self._changed = asyncio.Condition()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def open(cls, url: str, source: str | None = None) -> Wire:
        """``source``: the client socket's address (127.0.0.x on loopback), to play another host."""
        local = {"local_addr": (source, 0)} if source else {}
        return cls(await connect(url, max_size=None, ping_interval=None, **local))

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                frame = json.loads(text)
                async with self._changed:
                    self.frames.append(frame)
                    self._changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self.closed.set()
            async with self._changed:
                self._changed.notify_all()

    async def send(self, frame: dict | str | bytes) -> None:
        await self.ws.send(json.dumps(frame) if isinstance(frame, dict) else frame)

    async def ask(self, type_: str, **body: Any) -> dict:
        """Send a request; return its reply frame (``result`` or ``error``)."""
        request_id = next(self.ids)
        await self.send({"v": 1, "type": type_, "id": request_id, **body})
        return await self.take(lambda f: f.get("type") in ("result", "error") and f.get("id") == request_id)

    async def request(self, type_: str, **body: Any) -> dict:
        """Send a request; return the result body, or raise :class:`WireError`."""
        reply = await self.ask(type_, **body)
        if reply["type"] == "error":
            raise WireError(reply["code"], reply["message"])
        return reply

    async def take(self, match, timeout: float = TIMEOUT) -> dict:
        """Remove and return the first received frame for which ``match(frame)`` is true."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                while True:
                    for i, frame in enumerate(self.frames):
                        if match(frame):
                            return self.frames.pop(i)
                    if self.closed.is_set():
                        raise ConnectionError(f"connection closed ({self.close_code}) before a matching frame")
                    await self._changed.wait()

    async def event(self, type_: str, timeout: float = TIMEOUT, **fields: Any) -> dict:
        return await self.take(lambda f: f.get("type") == type_ and all(f.get(k) == v for k, v in fields.items()), timeout)

    async def call(self, call_id: str | None = None, state: str | None = None, timeout: float = TIMEOUT) -> dict:
        """The next ``call`` event (for ``call_id``, in ``state``); returns the call object."""
        def match(f: dict) -> bool:
            c = f.get("call")
            return (
                f.get("type") == "call"
                and (call_id is None or c.get("call") == call_id)
                and (state is None or c.get("state") == state)
            )
        return (await self.take(match, timeout))["call"]

    def pending(self, type_: str | None = None) -> list[dict]:
        return [f for f in self.frames if type_ is None or f.get("type") == type_]

    async def login(self, username: str, password: str | None = None, **extra: Any) -> dict:
        return await self.request("login", auth="password", username=username, password=password or username, **extra)

    async def wait_closed(self, timeout: float = TIMEOUT) -> int | None:
        async with asyncio.timeout(timeout):
            await self.closed.wait()
        return self.close_code

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
