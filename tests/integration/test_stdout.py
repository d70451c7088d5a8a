"""The headless console's stdout never blocks it: a pipe nobody reads costs events (counted, logged once),
never time; a file gets every line."""

from __future__ import annotations

import asyncio
import json
import logging
import os

from console.integration.service import StdoutSink


def event(seq: int) -> dict:
    return {"v": 1, "seq": seq, "time": "2026-12-06T22:30:00.000Z", "type": "filler", "padding": "x" * 500}


async def test_a_pipe_nobody_reads_drops_events_instead_of_waiting(caplog):
    read_end, write_end = os.pipe()
    stream = os.fdopen(write_end, "wb")
    sink = await StdoutSink(stream, limit=16 * 1024).start()
    pipe = None
    try:
        with caplog.at_level(logging.WARNING, logger="console.integration"):
            for seq in range(1, 1001):  # 500 kB into a 64 kB pipe and a 16 kB buffer: it cannot all fit
                sink(event(seq))  # returns at once every time: nothing here awaits the reader
            assert sink.dropped > 0
            said = [r.getMessage() for r in caplog.records]
            assert said == ["events: stdout is not being read; dropping events until it is"]
            reader = asyncio.StreamReader()
            loop = asyncio.get_running_loop()
            pipe, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                                   os.fdopen(read_end, "rb"))
            got = b""
            async with asyncio.timeout(10):
                while sink._transport.get_write_buffer_size():  # the reader reads again: the backlog drains
                    got += await reader.read(1 << 16)
            sink(event(1001))
            assert "events were dropped" in caplog.records[-1].getMessage()
    finally:
        sink.close()
        stream.close()
        if pipe is not None:
            pipe.close()
    lines = [json.loads(line) for line in got.splitlines()]
    seqs = [e["seq"] for e in lines]
    assert seqs == sorted(seqs) and seqs[0] == 1  # what went out went out whole and in order


async def test_a_file_gets_every_line(tmp_path):
    path = tmp_path / "events.jsonl"
    with open(path, "wb") as stream:
        sink = await StdoutSink(stream, limit=1024).start()
        for seq in range(1, 201):
            sink(event(seq))
    assert [json.loads(line)["seq"] for line in path.read_text().splitlines()] == list(range(1, 201))
