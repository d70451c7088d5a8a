"""The event socket: a Unix socket server that streams the feed's events as JSON lines and takes commands.

Never waits for a reader: each client has a bounded buffer (lines and bytes); a client that lets it fill is
dropped, with one log line saying so, and the console goes on. The number of clients is bounded too (one log
line when the bound trips). The socket is 0600 in a folder of ours; a live socket of another console is never
taken over (:class:`SocketBusyError`), a stale one (nobody listening) is removed. docs/EVENTS.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import stat
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import platformdirs

from .control import ControlTable, ErrorCode, error_answer
from .feed import Event, EventFeed

APP_NAME = "anynode-console"
SOCKET_NAME = "events.sock"
READ_CHUNK = 64 * 1024
WRITE_HIGH_WATER = 64 * 1024  # bytes in a client's transport before lines wait in its bounded queue

log = logging.getLogger("console.integration")


class SocketBusyError(Exception):
    """The socket path is taken: another console listens there, or it is not a socket at all."""


@dataclass(frozen=True)
class StreamLimits:
    max_clients: int = 16
    client_lines: int = 1000  # events and answers waiting for one client before it is dropped
    client_bytes: int = 1 << 20  # the same, in bytes (1 MiB)
    max_line: int = ControlTable.MAX_LINE  # the longest command line a client may send


def default_socket_path() -> Path:
    """``$XDG_RUNTIME_DIR/anynode-console/events.sock`` where there is a runtime folder, else the state folder."""
    if os.environ.get("XDG_RUNTIME_DIR"):
        return platformdirs.user_runtime_path(APP_NAME) / SOCKET_NAME
    return platformdirs.user_state_path(APP_NAME) / SOCKET_NAME


def encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def claim(path: Path) -> None:
    """Make ``path`` free for our socket: refuse a live one or a file that is no socket; remove a stale one."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise SocketBusyError(f"{path} exists and is not a socket: not replacing it")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(str(path))
    except (ConnectionRefusedError, FileNotFoundError):
        path.unlink(missing_ok=True)  # nobody listens: a console that ended without cleaning up
        log.info("events: removed the stale socket %s", path)
        return
    except OSError as exc:  # timed out, no permission: someone is there, or it is not ours to take
        raise SocketBusyError(f"{path} is in use ({exc.strerror or exc})") from None
    finally:
        probe.close()
    raise SocketBusyError(f"another console is listening on {path}")


def bind_private(path: Path) -> socket.socket:
    """A listening Unix socket at ``path``, mode 0600 from the start (umask 0177 around bind), folder 0700."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    claim(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        sock.bind(str(path))
    except OSError:
        sock.close()
        raise
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    sock.listen(16)
    sock.setblocking(False)
    return sock


class _Client:
    """One connection: a bounded queue of lines to write, a writer task, and the commands it reads."""

    def __init__(self, server: EventServer, number: int, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.number = number
        self.reader = reader
        self.writer = writer
        self.queue: deque[bytes] = deque()
        self.queued_bytes = 0
        self.wake = asyncio.Event()
        self.subscribed = False
        self.closed = False
        self.ending = False  # the client closed its side: write what it is owed, then close

    def push(self, line: bytes) -> None:
        if self.closed:
            return
        limits = self.server.limits
        if len(self.queue) >= limits.client_lines or self.queued_bytes + len(line) > limits.client_bytes:
            self.server.drop(self, f"it fell behind ({len(self.queue)} lines, {self.queued_bytes} bytes unread)")
            return
        transport = self.writer.transport
        if transport.is_closing():  # gone: its reader has not noticed yet
            self.server.drop(self, None)
            return
        if not self.queue and transport.get_write_buffer_size() + len(line) <= WRITE_HIGH_WATER:
            transport.write(line)  # the socket keeps up: straight out, no hop through the writer task
            return
        self.queue.append(line)
        self.queued_bytes += len(line)
        self.wake.set()

    def subscribe(self) -> None:
        self.subscribed = True
        self.server.changed()

    async def write_loop(self) -> None:
        """Writes what is queued; ends once the client has said all it will (``ending``) and has its answers."""
        try:
            while not self.closed:
                await self.wake.wait()
                self.wake.clear()
                if self.closed:
                    return
                if self.queue:
                    batch = b"".join(self.queue)
                    self.queue.clear()
                    self.queued_bytes = 0
                    self.writer.write(batch)
                    await self.writer.drain()  # waits while the kernel's buffer is full; the queue bounds the rest
                if self.ending and not self.queue:
                    return
        except (ConnectionError, OSError):
            self.server.drop(self, None)

    async def read_loop(self) -> None:
        """Commands, one per line; a line longer than the bound is answered once and skipped to its end."""
        buffer = b""
        skipping = False
        max_line = self.server.limits.max_line
        while not self.closed:
            try:
                data = await self.reader.read(READ_CHUNK)
            except (ConnectionError, OSError):
                return
            if not data:
                return
            buffer += data
            while not self.closed:
                end = buffer.find(b"\n")
                if end < 0:
                    if len(buffer) > max_line:
                        if not skipping:
                            self.push(encode(error_answer(None, ErrorCode.TOO_LONG,
                                                          f"a command line is at most {max_line} bytes")))
                        skipping, buffer = True, b""
                    break
                line, buffer = buffer[:end], buffer[end + 1:]
                if skipping:  # the end of the line that was too long
                    skipping = False
                    continue
                if len(line) > max_line:
                    self.push(encode(error_answer(None, ErrorCode.TOO_LONG,
                                                  f"a command line is at most {max_line} bytes")))
                    continue
                if line.strip():
                    self.push(encode(self.server.answer(line, self)))


class EventServer:
    """Serves ``feed`` (and, with ``control``, the commands) on the Unix socket at ``path``."""

    def __init__(self, feed: EventFeed, control: ControlTable | None, path: Path | str,
                 limits: StreamLimits = StreamLimits()) -> None:
        self.feed = feed
        self.control = control
        self.path = Path(path)
        self.limits = limits
        self._server: asyncio.AbstractServer | None = None
        self._clients: dict[int, _Client] = {}
        self._next = 1
        self._full = False  # the client bound has tripped (logged once until a place frees)
        self._inode: int | None = None
        self._remove_sink = None
        self._tasks: set[asyncio.Task] = set()
        self._waiters: list[tuple[Callable[[EventServer], bool], asyncio.Future[None]]] = []
        self.dropped = 0  # clients dropped for falling behind

    @property
    def clients(self) -> int:
        return len(self._clients)

    @property
    def subscribers(self) -> int:
        return sum(1 for c in self._clients.values() if c.subscribed)

    async def until(self, predicate: Callable[[EventServer], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate(server)`` holds (clients came, subscribed, left or were dropped)."""
        if predicate(self):
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            await asyncio.wait_for(future, timeout)
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)

    def changed(self) -> None:
        for predicate, future in list(self._waiters):
            if not future.done() and predicate(self):
                future.set_result(None)

    async def start(self) -> EventServer:
        sock = bind_private(self.path)
        self._inode = os.stat(self.path).st_ino
        self._server = await asyncio.start_unix_server(self._serve, sock=sock, limit=self.limits.max_line)
        self._remove_sink = self.feed.add_sink(self._on_event)
        log.info("events: listening on %s", self.path)
        return self

    async def aclose(self) -> None:
        if self._remove_sink is not None:
            self._remove_sink()
            self._remove_sink = None
        if self._server is not None:
            self._server.close()
        for client in list(self._clients.values()):
            self._close(client)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None
        with contextlib.suppress(OSError):  # only our own socket: another console may have taken the path since
            if self._inode is not None and os.stat(self.path).st_ino == self._inode:
                self.path.unlink()

    # -- events out --------------------------------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        targets = [c for c in self._clients.values() if c.subscribed]
        if not targets:
            return
        line = encode(event)
        for client in targets:
            client.push(line)

    def answer(self, line: bytes, client: _Client) -> dict[str, Any]:
        if self.control is None:
            return error_answer(None, ErrorCode.UNKNOWN_COMMAND, "this socket takes no commands")
        return self.control.handle(line, subscribe=client.subscribe)

    # -- clients ------------------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        if len(self._clients) >= self.limits.max_clients:
            if not self._full:
                self._full = True
                log.warning("events: refusing clients: %d are connected (the most this console serves)",
                            len(self._clients))
            writer.write(encode(error_answer(None, ErrorCode.BUSY, f"this console serves at most "
                                                                   f"{self.limits.max_clients} clients")))
            writer.transport.abort() if writer.transport.get_write_buffer_size() else writer.close()
            self._tasks.discard(task)  # type: ignore[arg-type]
            return
        number, self._next = self._next, self._next + 1
        client = _Client(self, number, reader, writer)
        self._clients[number] = client
        self.changed()
        writer.transport.set_write_buffer_limits(high=WRITE_HIGH_WATER)
        pump = asyncio.create_task(client.write_loop(), name=f"events client {number} writer")
        self._tasks.add(pump)
        graceful = False
        try:
            await client.read_loop()
            if not client.closed:  # the client has said all it will: its answers go out, then the connection ends
                client.ending = True
                client.wake.set()
                await asyncio.wait_for(pump, 5.0)
                graceful = not client.closed
        except (Exception, asyncio.CancelledError):
            pass
        finally:
            self._close(client, graceful)
            pump.cancel()
            self._tasks.discard(pump)
            if task is not None:
                self._tasks.discard(task)

    def drop(self, client: _Client, why: str | None) -> None:
        """End a client's connection; ``why`` is logged (one line) when the console chose to drop it."""
        if client.closed:
            return
        if why is not None:
            self.dropped += 1
            log.warning("events: dropped client %d: %s", client.number, why)
        self._close(client)

    def _close(self, client: _Client, graceful: bool = False) -> None:
        client.closed = True
        client.queue.clear()
        client.wake.set()
        if self._clients.pop(client.number, None) is not None:
            if graceful:
                client.writer.close()
            else:  # whatever it had not read yet is dropped with it: nothing waits for a reader
                client.writer.transport.abort()
        if self._full and len(self._clients) < self.limits.max_clients:
            self._full = False
        self.changed()
