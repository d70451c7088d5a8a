"""The log bridge: the client's log records reach the log pane on the loop's thread."""

from __future__ import annotations

import asyncio
import logging
import threading

from console.store.effects import LogBridge
from console.store.state import LogLevel

TIMEOUT = 10.0


async def test_records_from_the_loop_and_from_another_thread_reach_the_writer_on_the_loop():
    lines: list[tuple[LogLevel, str, str, int]] = []
    arrived = asyncio.get_running_loop().create_future()

    def write(level: LogLevel, source: str, text: str) -> None:
        lines.append((level, source, text, threading.get_ident()))
        if text == "from the audio thread" and not arrived.done():
            arrived.set_result(None)

    bridge = LogBridge(write, asyncio.get_running_loop(), ("console.test_bridge",))
    bridge.attach()
    try:
        logger = logging.getLogger("console.test_bridge")
        logger.setLevel(logging.DEBUG)
        logger.warning("a %s warning", "formatted")
        thread = threading.Thread(target=logger.error, args=("from the audio thread",))
        thread.start()
        thread.join(TIMEOUT)
        await asyncio.wait_for(arrived, TIMEOUT)
    finally:
        bridge.detach()
    loop_thread = threading.get_ident()
    assert lines == [(LogLevel.WARNING, "test_bridge", "a formatted warning", loop_thread),
                     (LogLevel.ERROR, "test_bridge", "from the audio thread", loop_thread)]
    logging.getLogger("console.test_bridge").warning("after detach")
    assert len(lines) == 2
