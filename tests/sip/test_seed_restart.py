"""The console killed mid-call (SIGKILL: no BYE, no un-REGISTER) and started again: ``try_restore_login`` with the
identifier the first process reported re-registers the same RFC 5626 instance and re-INVITEs the call with a
fresh offer (a new peer connection: ICE and DTLS from scratch); baresip and the console hear each other again."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from test_calls import wait_for_calls
from test_media import baresip_heard

HERE = Path(__file__).parent
TIMEOUT = 30.0


class ConsoleProcess:
    def __init__(self, *args: str) -> None:
        self.args = args
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[dict] = []

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, str(HERE / "console_proc.py"), *self.args, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL, start_new_session=True)

    async def until(self, predicate, what: str, timeout: float = TIMEOUT, seen: bool = False) -> dict:
        """The next line meeting ``predicate`` (``seen``: or the latest such line already read)."""
        assert self.proc is not None and self.proc.stdout is not None
        if seen:
            for item in reversed(self.lines):
                if predicate(item):
                    return item
        try:
            async with asyncio.timeout(timeout):
                while True:
                    line = await self.proc.stdout.readline()
                    if not line:
                        raise AssertionError(f"the console exited before {what}; said {self.lines[-10:]}")
                    item = json.loads(line)
                    self.lines.append(item)
                    if predicate(item):
                        return item
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}; said {self.lines[-10:]}") from None

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()


async def test_console_killed_mid_call_and_restarted_brings_registration_and_call_back(kamailio, baresip):
    url = f"sip+ws://127.0.0.1:{kamailio.ws_port}"
    first = ConsoleProcess(url, "login", "1000", "secret1000", "1001", "600")
    second = ConsoleProcess()
    try:
        await first.start()
        await first.until(lambda i: i.get("call") == "CONNECTED", "the call to connect")
        await first.until(lambda i: abs(i.get("heard", 0) - 1000) < 20, "baresip's tone")
        saved = await first.until(lambda i: i.get("calls") == 1 and "identifier" in i, "an identifier with the call", seen=True)
        hz, _ = await asyncio.to_thread(baresip_heard, baresip)
        assert abs(hz - 600) < 20
        await first.kill()

        second.args = (url, "restore", saved["identifier"], "700")
        await second.start()
        await second.until(lambda i: i.get("login") == "SUCCESS", "the restore to register")
        await second.until(lambda i: i.get("call") == "CONNECTED", "the restored call")
        await second.until(lambda i: abs(i.get("heard", 0) - 1000) < 20 and i["level"] > -35, "baresip's tone again")

        async def baresip_hears_700() -> None:
            while True:
                hz, level = await asyncio.to_thread(baresip_heard, baresip)
                if abs(hz - 700) < 20 and level > -30:
                    return
                await asyncio.sleep(0.2)
        await asyncio.wait_for(baresip_hears_700(), TIMEOUT)
        assert (await wait_for_calls(baresip, 1)).count("sip:") == 1  # the same call, not a second one
        await asyncio.to_thread(baresip.command, "hangup")
        ended = await second.until(lambda i: i.get("call") == "DISCONNECTED", "baresip's BYE")
        assert ended["reason"] == "SUCCESS"
    finally:
        await first.kill()
        await second.kill()
