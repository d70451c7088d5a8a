"""run_switch: the `anynode-console switch --config FILE` entry point serves until cancelled."""

from __future__ import annotations

import asyncio
import logging
import re

from console.switch.config import hash_password
from console.switch.server import run_switch

from .wire import Wire


class UrlCatcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.url = asyncio.get_running_loop().create_future()

    def emit(self, record: logging.LogRecord) -> None:
        found = re.search(r"(wss?://\S+)", record.getMessage())
        if found and not self.url.done():
            self.url.set_result(found.group(1))


async def test_run_switch_serves_a_config_file_until_cancelled(tmp_path):
    (tmp_path / "switch.toml").write_text(
        '[switch]\nmedia = false\n[[users]]\nusername = "op"\nnumber = "100"\n'
        f'password = "{hash_password("pw", n=1024)}"\n'
    )
    catcher = UrlCatcher()
    logger = logging.getLogger("console.switch.server")
    logger.addHandler(catcher)
    logger.setLevel(logging.INFO)
    task = asyncio.create_task(run_switch(str(tmp_path / "switch.toml")))
    try:
        url = await asyncio.wait_for(catcher.url, 5)
        wire = await Wire.open(url)
        assert (await wire.login("op", "pw"))["number"] == "100"
        task.cancel()
        assert (await wire.event("logged_out"))["reason"] == "shutdown"
        await wire.close()
    finally:
        task.cancel()
        logger.removeHandler(catcher)
        await asyncio.gather(task, return_exceptions=True)
