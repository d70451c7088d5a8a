"""Chaos: the switch is killed (kill -9) mid-call and started again on the same port (issue 13, item 7).

The consoles (real WebRtcInstance with auto-reconnect, signaling only) notice
the loss, try to restore, learn the new switch does not know their session,
and must then end their calls locally (never stay CONNECTED with no switch
behind them) and log in again. The switch runs in its own process
(tests/switch/chaos_switch.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from console.webrtc import CALL_STATES, LOGIN_STATES
from console_harness import Console, connect_pair

S, L = CALL_STATES, LOGIN_STATES
SWITCH = Path(__file__).parents[1] / "switch" / "chaos_switch.py"


async def start_switch(port: int = 0) -> tuple[asyncio.subprocess.Process, str, int]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(SWITCH), json.dumps({"port": port, "media": False}),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    async with asyncio.timeout(20):
        started = json.loads(await proc.stdout.readline())
    return proc, started["url"], started["port"]


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


@pytest.mark.chaos
@pytest.mark.timeout(90)
async def test_a_killed_switch_leaves_no_ghost_calls_and_the_consoles_log_in_again():
    proc, url, port = await start_switch()
    op, alice = Console(url, {"auto_reconnect": True}), Console(url, {"auto_reconnect": True})
    try:
        await op.login("operator", "operator")
        await alice.login("alice", "alice")
        out, inc = await connect_pair(op, alice)
        os.kill(proc.pid, signal.SIGKILL)
        await proc.wait()
        restarted, url2, _ = await start_switch(port)
        assert url2 == url
        try:
            for console, call in ((op, out), (alice, inc)):
                await console.login_state(L.LOGIN_RESTORE_FAILED, timeout=30)
                await console.until(lambda call=call: call.get_state() is S.DISCONNECTED, "the call to end", 5)
            await op.login("operator", "operator")
            await alice.login("alice", "alice")
            again = op.dial("201")
            ringing = await alice.next_incoming(timeout=10)
            ringing.accept()
            await op.call_state(again, S.RINGING, timeout=10)
        finally:
            await stop(restarted)
    finally:
        await op.close()
        await alice.close()
        await stop(proc)
