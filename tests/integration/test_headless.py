"""``anynode-console --headless``, ``events`` and ``ctl`` as a user runs them: separate processes, the embedded
demo switch, the operator logged in automatically.

"`anynode-console --headless` runs the console with no screen for automation and kiosks; `anynode-console ctl
CMD ...` sends one." — and in headless mode the events also go to stdout.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

from .conftest import TIMEOUT

START_TIMEOUT = 60.0  # a cold start imports aiortc and starts the demo switch: slow on a loaded machine


async def cli(*args: str, timeout: float = 30.0) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "console", *args,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode, out.decode(), err.decode()


class Headless:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.events: list[dict] = []

    async def event(self, predicate, timeout: float = TIMEOUT) -> dict:
        for event in self.events:
            if predicate(event):
                return event
        async with asyncio.timeout(timeout):
            while True:
                line = await self.proc.stdout.readline()
                assert line, f"the headless console ended: {(await self.proc.stderr.read()).decode()[-2000:]}"
                self.events.append(json.loads(line))
                if predicate(self.events[-1]):
                    return self.events[-1]


async def test_headless_console_takes_commands_from_ctl_and_prints_events(sock_path, tmp_path):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "console", "--headless", "--socket", str(sock_path), "--device", "null",
        "--config-dir", str(tmp_path / "config"), "--data-dir", str(tmp_path / "data"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    console = Headless(proc)
    try:
        login = await console.event(lambda e: e["type"] == "login" and e["state"] == "SUCCESS", START_TIMEOUT)
        assert login["number"] == "200"

        code, out, _ = await cli("ctl", "--socket", str(sock_path), "dial", "number=9001")
        answer = json.loads(out)
        assert code == 0 and answer["ok"] and answer["result"]["call"] == "k1"
        await console.event(lambda e: e["type"] == "call.answered" and e["call"] == "k1")
        code, out, _ = await cli("ctl", "--socket", str(sock_path), "hold", "slot=1")
        assert code == 0, out
        await console.event(lambda e: e["type"] == "call.state" and e["state"] == "HELD")

        code, out, _ = await cli("ctl", "--socket", str(sock_path), "dtmf", "slot=1", "digits=12X")
        assert code == 1 and json.loads(out)["error"]["code"] == "refused"
        said = await asyncio.wait_for(proc.stderr.readline(), TIMEOUT)  # as the screen's status line would
        assert said.startswith(b"anynode-console --headless: error: send DTMF"), said
        code, out, _ = await cli("ctl", "--socket", str(sock_path), "launch")
        assert code == 1 and json.loads(out)["error"]["code"] == "unknown_command"
        code, _, err = await cli("ctl", "--socket", str(sock_path), "dial", "201")
        assert code == 2 and "KEY=VALUE" in err
        code, _, err = await cli("ctl", "--socket", str(sock_path.with_name("nobody.sock")), "status")
        assert code == 2 and "no console listens" in err

        code, _, err = await cli("--headless", "--socket", str(sock_path), "--device", "null",
                                 "--config-dir", str(tmp_path / "config2"), "--data-dir", str(tmp_path / "data2"),
                                 timeout=START_TIMEOUT)
        assert code == 2 and "another console is listening" in err  # the first keeps its socket

        code, out, _ = await cli("ctl", "--socket", str(sock_path), "hangup", "call=k1")
        assert code == 0, out
        ended = await console.event(lambda e: e["type"] == "call.ended")
        assert ended["cause"] == "hung_up_here"
        seqs = [e["seq"] for e in console.events]
        assert seqs == list(range(1, len(seqs) + 1))  # stdout lost nothing
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 30)
    assert code == 0
    assert not sock_path.exists()
