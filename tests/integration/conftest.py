"""The event stream against the real embedded switch: real consoles (Controller + WebRtcInstance) over real
websockets, the real socket server on a Unix socket in a short private folder (a socket path has ~107 bytes)."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import pytest

from console.integration.service import EventService
from console.integration.stream import StreamLimits
from console.store import Controller, client_factory

from store_wait import TIMEOUT, until  # noqa: F401 - the tests import until from here



@pytest.fixture
def sock_path():
    folder = Path(tempfile.mkdtemp(prefix="ev", dir="/tmp"))
    try:
        yield folder / "events.sock"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
async def consoles(switch):
    """``await consoles("alice")``: a console (Controller) logged in to ``switch``; all closed at the end."""
    made: list[Controller] = []

    async def make(username: str) -> Controller:
        controller = Controller(client_factory(device=None), media=False)
        made.append(controller)
        controller.login(switch.url, username, username)
        await until(controller, lambda s: s.login.logged_in)
        return controller

    yield make
    for controller in made:
        await controller.aclose()


@pytest.fixture
async def serve(sock_path):
    """``await serve(controller, limits)``: the controller's event service on ``sock_path``; closed at the end."""
    started: list[EventService] = []

    async def start(controller: Controller, limits: StreamLimits = StreamLimits()) -> EventService:
        service = await EventService(controller, sock_path, limits).start()
        started.append(service)
        return service

    yield start
    for service in started:
        await service.aclose()


class SocketClient:
    """A client of the socket in this process: sends commands, reads lines, awaits answers and events."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.events: list[dict] = []
        self.answers: dict[object, dict] = {}
        self.anonymous: list[dict] = []  # answers with no id (bad JSON, too long)
        self._next = 0

    @classmethod
    async def connect(cls, path: Path) -> SocketClient:
        reader, writer = await asyncio.open_unix_connection(str(path), limit=1 << 22)
        return cls(reader, writer)

    async def read_one(self, timeout: float = TIMEOUT) -> dict | None:
        line = await asyncio.wait_for(self.reader.readline(), timeout)
        if not line:
            return None
        message = json.loads(line)
        if "type" in message:
            self.events.append(message)
        elif message.get("id") is None:
            self.anonymous.append(message)
        else:
            self.answers[message["id"]] = message
        return message

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def command(self, cmd: str, timeout: float = TIMEOUT, **args) -> dict:
        self._next += 1
        request_id = self._next
        await self.send_raw(json.dumps({"id": request_id, "cmd": cmd, "args": args}).encode() + b"\n")
        async with asyncio.timeout(timeout):
            while request_id not in self.answers:
                if await self.read_one(timeout) is None:
                    raise AssertionError(f"the socket closed before the answer to {cmd}")
        return self.answers[request_id]

    async def event(self, predicate: Callable[[dict], bool], timeout: float = TIMEOUT) -> dict:
        for event in self.events:
            if predicate(event):
                return event
        async with asyncio.timeout(timeout):
            while True:
                message = await self.read_one(timeout)
                if message is None:
                    raise AssertionError("the socket closed before the awaited event")
                if "type" in message and predicate(message):
                    return message

    async def anonymous_answer(self, timeout: float = TIMEOUT) -> dict:
        async with asyncio.timeout(timeout):
            while not self.anonymous:
                if await self.read_one(timeout) is None:
                    raise AssertionError("the socket closed before the answer")
        return self.anonymous.pop(0)

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass
