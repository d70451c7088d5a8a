"""An attacker in its own process: ``python chaos_attacker.py MODE URL SECONDS``; it stops by itself.

* ``fuzz``: 4 connections send the switch fuzzer's random bad frames as fast as
  the switch answers (tests/switch/test_switch_fuzz.py's generator, seeded).
* ``guess``: 12 connections guess passwords of the demo users without pause.
* ``slowread``: 16 connections that never read flood requests whose answers
  the switch must queue; each reconnects when the switch cuts it off.

Prints one JSON line of counts at the end.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed, InvalidHandshake  # noqa: E402

from tests.switch.test_switch_fuzz import Fuzzer  # noqa: E402

USERS = ("operator", "alice", "bob", "carol", "guest")
counts = {"frames": 0, "connections": 0, "refused": 0}


async def fuzz(url: str, seed: int, until: float) -> None:
    rng = random.Random(seed)
    fuzzer = Fuzzer(rng, ["c1", "c2"])
    while time.monotonic() < until:
        try:
            async with connect(url, ping_interval=None, max_size=None, open_timeout=5) as ws:
                counts["connections"] += 1
                await ws.send(json.dumps({"v": 1, "type": "login", "id": 1, "auth": "password",
                                          "username": "guest", "password": "guest", "number": f"29{seed}"}))
                await asyncio.wait_for(ws.recv(), 5)
                while time.monotonic() < until:
                    _, frame = fuzzer.frame()
                    await ws.send(frame)
                    counts["frames"] += 1
                    await asyncio.wait_for(ws.recv(), 5)
        except (ConnectionClosed, OSError, InvalidHandshake, asyncio.TimeoutError):
            counts["refused"] += 1


async def guess(url: str, seed: int, until: float) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        try:
            async with connect(url, ping_interval=None, open_timeout=5) as ws:
                counts["connections"] += 1
                request = 0
                while time.monotonic() < until:
                    request += 1
                    await ws.send(json.dumps({"v": 1, "type": "login", "id": request, "auth": "password",
                                              "username": rng.choice(USERS), "password": f"guess{rng.random()}"}))
                    counts["frames"] += 1
                    await asyncio.wait_for(ws.recv(), 10)
        except (ConnectionClosed, OSError, InvalidHandshake, asyncio.TimeoutError):
            counts["refused"] += 1


async def slowread(url: str, seed: int, until: float) -> None:
    payload = json.dumps({"v": 1, "type": "\u4e2d" * 4000, "id": 1}, ensure_ascii=False)
    while time.monotonic() < until:
        try:
            ws = await connect(url, ping_interval=None, open_timeout=5)
        except (OSError, InvalidHandshake, asyncio.TimeoutError):
            counts["refused"] += 1
            await asyncio.sleep(0.1)
            continue
        counts["connections"] += 1
        ws.transport.pause_reading()
        try:
            while time.monotonic() < until:
                await asyncio.wait_for(ws.send(payload), 2)
                counts["frames"] += 1
        except (ConnectionClosed, OSError, asyncio.TimeoutError):
            counts["refused"] += 1
        finally:
            ws.transport.abort()


async def main(mode: str, url: str, seconds: float) -> None:
    print("started", flush=True)  # imports done: the attack begins now
    until = time.monotonic() + seconds
    attack, width = {"fuzz": (fuzz, 4), "guess": (guess, 12), "slowread": (slowread, 16)}[mode]
    await asyncio.gather(*(attack(url, seed, until) for seed in range(width)))
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
