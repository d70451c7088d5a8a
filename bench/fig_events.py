"""Event latency: a state change dispatched in the console's store -> its event line read by a socket client.

The console side: a (display-only) Controller's Store with a call on it, the EventFeed subscribed to it and
the EventServer on a Unix socket, one client (an asyncio reader in this process) subscribed with the
``subscribe`` command. Each sample dispatches one CallChanged (the call goes HELD, then CONNECTED again) and
times until the client has read the call.state line: reduce, the feed's diff, the event's JSON, the client's
bounded queue, the socket, the read.

Baseline, the same physical steps with nothing of the console: a bare asyncio Unix server and the same
client; each sample json.dumps the same event dict, writes the line to the client's transport, and times
until the client has read it. The difference is what the store, the feed and the per-client queue cost.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable

from console.core.enums import CALL_STATES, Direction
from console.integration.control import ControlTable
from console.integration.feed import EventFeed
from console.integration.stream import EventServer
from console.store import Controller
from console.store import events as ev

from .common import Budget, Figure, Scale, summary

S = CALL_STATES


async def _read_until(reader: asyncio.StreamReader, wanted: bytes) -> None:
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("the socket closed")
        if wanted in line:
            return


async def _timed(reader: asyncio.StreamReader, change: Callable[[int, CALL_STATES], None], repeats: int,
                 budget: Budget) -> list[float]:
    """Milliseconds from ``change(attempt, state)`` (HELD and CONNECTED in turn) to the line with that state
    read from ``reader``; the first attempt warms up, and the budget stops the run after two."""
    times: list[float] = []
    for attempt in range(repeats + 1):
        if attempt > 1 and budget.expired():
            break
        state = S.HELD if attempt % 2 == 0 else S.CONNECTED
        start = time.perf_counter()
        change(attempt, state)
        await _read_until(reader, f'"state":"{state.name}"'.encode())
        if attempt > 0:
            times.append(1000 * (time.perf_counter() - start))
    return times


async def console_latencies(folder: Path, repeats: int, budget: Budget) -> list[float]:
    controller = Controller()  # display-only: its store and its actions, no client
    store = controller.store
    store.dispatch(ev.CallAdded(key="k1", direction=Direction.IN, state=S.CONNECTED, at=0.0, wall=0.0,
                                call_id="c1", remote_number="201", remote_name="Alice", local_number="200"))
    feed = EventFeed(store)
    server = await EventServer(feed, ControlTable(controller), folder / "console.sock").start()
    reader, writer = await asyncio.open_unix_connection(str(folder / "console.sock"))
    writer.write(b'{"id": 1, "cmd": "subscribe"}\n')
    await _read_until(reader, b'"subscribed":true')
    def change(attempt: int, state: CALL_STATES) -> None:
        store.dispatch(ev.CallChanged("k1", state, float(attempt), call_id="c1", remote_number="201",
                                      remote_name="Alice"))

    try:
        return await _timed(reader, change, repeats, budget)
    finally:
        writer.close()
        await server.aclose()
        feed.close()


async def bare_latencies(folder: Path, repeats: int, budget: Budget) -> list[float]:
    connected: asyncio.Future[asyncio.StreamWriter] = asyncio.get_running_loop().create_future()

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connected.set_result(writer)  # the connection stays open: ``out`` below holds its writer

    path = folder / "bare.sock"
    server = await asyncio.start_unix_server(accept, str(path))
    reader, client_writer = await asyncio.open_unix_connection(str(path))
    out = await connected
    event = {"v": 1, "seq": 0, "time": "2026-12-06T22:30:00.123Z", "type": "call.state", "call": "k1",
             "call_id": "c1", "state": "", "reason": None, "direction": "in", "number": "201", "name": "Alice",
             "local_number": "200", "slot": 1}
    def write(attempt: int, state: CALL_STATES) -> None:
        event.update(seq=attempt, state=state.name)
        out.write((json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode())

    try:
        return await _timed(reader, write, repeats, budget)
    finally:
        client_writer.close()
        out.close()
        server.close()


async def run(scale: Scale) -> Figure:
    repeats = scale.pick(200, 2000)
    figure = Figure("events", "Event latency (store dispatch -> event line at a socket client)")
    folder = Path(tempfile.mkdtemp(prefix="bench-ev", dir="/tmp"))
    try:
        ours = await console_latencies(folder, repeats, Budget(scale.pick(5, 20)))
        bare = await bare_latencies(folder, repeats, Budget(scale.pick(5, 20)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    figure.add("event_latency", "state change -> event line read by a subscriber", "ms", summary(ours, 3),
               summary(bare, 3), "bare asyncio Unix server: json.dumps + write -> line read",
               note="one subscriber in this process; the console's store, feed and per-client queue on top")
    figure.details = {"console_ms_p90": sorted(ours)[int(0.9 * len(ours))] if ours else None,
                      "bare_ms_p90": sorted(bare)[int(0.9 * len(bare))] if bare else None,
                      "samples": {"console": len(ours), "bare": len(bare)}}
    figure.notes.append("Both sides run in this process on one event loop; the client reads with asyncio.")
    return figure
