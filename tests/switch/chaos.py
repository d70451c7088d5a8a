"""Chaos fixtures: the switch and the attacker in their own processes, a bystander call measured here."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any, AsyncIterator

from console.media.call_media import CallMedia
from console.media.devices import NullDevice
from console.media.hub import DeviceHub
from console.media.tones import ToneGenerator

from .wire import Wire

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


class SwitchProcess:
    def __init__(self, proc: asyncio.subprocess.Process, url: str, port: int):
        self.proc, self.url, self.port = proc, url, port

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def kill9(self) -> None:
        os.kill(self.pid, signal.SIGKILL)


@contextlib.asynccontextmanager
async def switch_process(source: str | None = None, **options: Any) -> AsyncIterator[SwitchProcess]:
    """The switch in its own process; ``source``: another source tree's ``console`` (a before/after figure)."""
    env = {**os.environ, **({"CHAOS_SWITCH_SRC": source} if source else {})}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(HERE / "chaos_switch.py"), json.dumps(options),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=str(source or ROOT), env=env)
    try:
        async with asyncio.timeout(20):
            started = json.loads(await proc.stdout.readline())
        yield SwitchProcess(proc, started["url"], started["port"])
    finally:
        if proc.returncode is None:
            proc.stdin.close()
            try:
                async with asyncio.timeout(10):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def start_attack(mode: str, url: str, seconds: float) -> asyncio.Task[dict]:
    """Start the attacker for ``seconds``; returns once it attacks, with a task that ends with its counts."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(HERE / "chaos_attacker.py"), mode, url, str(seconds),
        stdout=asyncio.subprocess.PIPE, cwd=str(ROOT))
    try:
        async with asyncio.timeout(30):
            started = await proc.stdout.readline()
        assert started.strip() == b"started", started
    except BaseException:
        proc.kill()
        await proc.wait()
        raise

    async def finish() -> dict:
        try:
            async with asyncio.timeout(seconds + 30):
                out, _ = await proc.communicate()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        return json.loads(out.decode().strip().splitlines()[-1])

    return asyncio.get_running_loop().create_task(finish())


async def attack(mode: str, url: str, seconds: float) -> dict:
    """Run the attacker for ``seconds``; returns its counts."""
    return await (await start_attack(mode, url, seconds))


class CountingSink:
    def __init__(self) -> None:
        self.frames = 0

    def write(self, frame: Any) -> None:
        self.frames += 1


class Bystander:
    """alice calls bob through the switch; both hear each other's tone; frames per second at both ends."""

    def __init__(self, url: str):
        self.url = url
        self.sinks = (CountingSink(), CountingSink())
        self.hubs = (DeviceHub(NullDevice(mic=ToneGenerator(440, -20).frame)),
                     DeviceHub(NullDevice(mic=ToneGenerator(660, -20).frame)))
        self.media = tuple(CallMedia(hub, connect_timeout=10) for hub in self.hubs)
        self.wires: list[Wire] = []

    async def start(self) -> None:
        alice, bob = await Wire.open(self.url), await Wire.open(self.url)
        self.wires = [alice, bob]
        await alice.login("alice")
        await bob.login("bob")
        for media, sink, hub in zip(self.media, self.sinks, self.hubs):
            media.set_audio_element(sink)
            hub.focus(media)
        dialed = await alice.request("dial", number="202", sdp=await self.media[0].create_offer())
        await self.media[0].accept_answer(dialed["sdp"])
        b = (await bob.call(state="OFFERING", timeout=10))["call"]
        answered = await bob.request("answer", call=b, sdp=await self.media[1].create_offer())
        await self.media[1].accept_answer(answered["sdp"])
        for media in self.media:
            await media.wait_connected(10)

    async def fps(self, window: float) -> tuple[float, float]:
        """Frames per second each end received over ``window`` seconds."""
        loop = asyncio.get_running_loop()
        before, start = [s.frames for s in self.sinks], loop.time()
        await asyncio.sleep(window)  # a measuring window, not a wait for a state
        took = loop.time() - start
        return tuple((s.frames - b) / took for s, b in zip(self.sinks, before))  # type: ignore[return-value]

    async def close(self) -> None:
        for media in self.media:
            await media.close()
        for wire in self.wires:
            await wire.close()
        for hub in self.hubs:
            hub.stop()
