"""At the descriptor limit: no log storm, and a console can still log in (issue 13, item 6).

The switch runs in its own process with ``ulimit -n 128``; 300 connections
are opened at once and held for a while. The switch must turn the surplus away
(its max_connections is lowered under the descriptor limit at start), write
a bounded log, and still let a console log in once the crowd is gone.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from .wire import Wire

SWITCH = Path(__file__).with_name("chaos_switch.py")


def low_fd_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))


async def hold(url: str, held: list) -> None:
    try:
        held.append(await connect(url, ping_interval=None, open_timeout=5))
    except Exception:  # noqa: BLE001 - refused, reset or timed out: what the crowd gets
        pass


@pytest.mark.chaos
@pytest.mark.timeout(90)
async def test_a_crowd_at_the_descriptor_limit_causes_no_log_storm(tmp_path):
    log = (tmp_path / "switch.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(SWITCH), json.dumps({"max_media": 10}),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=log, preexec_fn=low_fd_limit)
    held: list = []
    try:
        async with asyncio.timeout(20):
            url = json.loads(await proc.stdout.readline())["url"]
        await asyncio.gather(*(hold(url, held) for _ in range(300)))
        await asyncio.sleep(3.0)  # the crowd stays a while: a storm would be written now
        for ws in held:
            ws.transport.abort()
        held.clear()
        wire = None
        async with asyncio.timeout(20):
            while wire is None:  # the switch notices the aborted sockets in its own time
                try:
                    wire = await Wire.open(url)
                    await wire.login("alice")
                except (ConnectionError, OSError, Exception):  # noqa: BLE001 - still full: try again
                    wire = None
                    await asyncio.sleep(0.2)
        await wire.close()
    finally:
        for ws in held:
            ws.transport.abort()
        proc.kill()
        await proc.wait()
        log.close()
    text = (tmp_path / "switch.log").read_text(errors="replace")
    assert "lowered" in text and "max_connections" in text  # the clamp said so at start
    assert len(text) < 32 * 1024, text[-3000:]
