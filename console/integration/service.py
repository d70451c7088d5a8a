"""One console's event service: the feed, the command table and the socket, started and closed together;
and the stdout writer of the headless console. What the CLI wires around a controller (docs/EVENTS.md)."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING

from console.store.effects.log_bridge import LogBridge

from .control import ControlTable
from .feed import Event, EventFeed
from .hooks import Hooks, start_hooks
from .stats_feed import StatsPublisher
from .stream import EventServer, StreamLimits, encode

if TYPE_CHECKING:
    from console.persist import CallRecords
    from console.persist.hooks_config import HooksConfig
    from console.store import Controller

log = logging.getLogger("console.integration")


class EventService:
    """The feed of ``controller``'s store and, with a ``path``, the socket serving it and taking commands;
    with ``records``, a ``stats`` event (today's figures, ``service_level_s``) after every call that ends;
    with ``hooks``, the configured webhooks and screen pop hear the feed (README "Screen pop and webhooks")."""

    def __init__(self, controller: Controller, path: Path | str | None, limits: StreamLimits = StreamLimits(),
                 records: CallRecords | None = None, service_level_s: float = 20,
                 hooks: HooksConfig | None = None) -> None:
        self.controller = controller
        self.feed = EventFeed(controller.store, wall=controller.wall)
        self.stats = StatsPublisher(self.feed, records, service_level_s, controller.wall,
                                     keeper=controller.record_keeper) if records else None
        self.control = ControlTable(controller)
        self.server = EventServer(self.feed, self.control, path, limits) if path is not None else None
        self._bridge: LogBridge | None = None
        self._hooks_config = hooks
        self.hooks: Hooks | None = None

    async def start(self, *, to_log_pane: bool = False) -> EventService:
        """Start the socket (SocketBusyError, OSError if it cannot be had). ``to_log_pane``: the service's
        own log lines (a client dropped) go to the console's log, not to stderr under a screen."""
        if to_log_pane:
            self._bridge = LogBridge(lambda level, source, text: self.controller.note(text, level, source),
                                     asyncio.get_running_loop(), ("console.integration",))
            self._bridge.attach()
        if self.server is not None:
            await self.server.start()
        if self._hooks_config is not None and self.hooks is None:
            self.hooks = start_hooks(self._hooks_config, self.feed.add_sink)  # their senders run on this loop
        return self

    async def aclose(self) -> None:
        if self.hooks is not None:
            await self.hooks.aclose()
            self.hooks = None
        if self.server is not None:
            await self.server.aclose()
        self.feed.close()
        if self._bridge is not None:
            self._bridge.detach()
            self._bridge = None


class StdoutSink:
    """The headless console's events on stdout, one JSON line each, without ever blocking the console.

    A pipe or a socket is written through an asyncio transport; past ``limit`` bytes unwritten (the reader
    stopped reading) events are dropped and counted, with one log line when it starts and one when it ends.
    A regular file (``> events.jsonl``) or a terminal is written directly: they do not stop reading (and a
    terminal is shared with stderr: it is not made non-blocking under it).
    """

    def __init__(self, stream: IO[bytes] | None = None, limit: int = 1 << 20) -> None:
        self.stream = stream if stream is not None else sys.stdout.buffer
        self.limit = limit
        self.dropped = 0
        self._transport: asyncio.WriteTransport | None = None

    async def start(self) -> StdoutSink:
        fd = self.stream.fileno()
        mode = os.fstat(fd).st_mode
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):  # a reader that may stop reading: never wait for it
            self.stream.flush()
            loop = asyncio.get_running_loop()
            # a duplicate of the descriptor: closing the transport leaves stdout itself open
            self._transport, _ = await loop.connect_write_pipe(asyncio.Protocol, os.fdopen(os.dup(fd), "wb"))
        return self

    def __call__(self, event: Event) -> None:
        line = encode(event)
        if self._transport is None:
            self.stream.write(line)
            self.stream.flush()
            return
        if self._transport.is_closing():
            return
        if self._transport.get_write_buffer_size() + len(line) > self.limit:
            if not self.dropped:
                log.warning("events: stdout is not being read; dropping events until it is")
            self.dropped += 1
            return
        if self.dropped:
            log.warning("events: stdout is read again; %d events were dropped", self.dropped)
            self.dropped = 0
        self._transport.write(line)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
