"""The switch in its own process: ``python -m bench.switch_proc '{"max_media": 400}'``.

Starts :class:`console.switch.server.Switch` with the demo directory and the
given overrides (``user_max_calls`` sets every demo user's call limit) (the aiortc media plane unless ``"media": false``), prints
``{"url": ..., "pid": ...}`` and then answers JSON-line requests on stdin:

* ``{"op": "stats"}``: sessions, legs, media legs and their frame counters, RSS, tasks, fds
* ``{"op": "quit"}``: shut the switch down and exit

The parent measures the process's CPU and memory from /proc; see bench/child.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import resource
import sys
from typing import Any

from .child import Child, serve_lines
from .common import fd_count, rss_kib, thread_count


def raise_fd_limit() -> None:
    """A thousand consoles need a thousand sockets: lift the soft limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class LagMonitor:
    """How late this process's event loop wakes a 10 ms sleeper, since the last ``take()``."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._task = asyncio.get_running_loop().create_task(self._run(), name="bench lag monitor")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(0.01)
            self.samples.append(1000.0 * (loop.time() - start - 0.01))
            if len(self.samples) > 100_000:
                del self.samples[:50_000]

    def take(self) -> dict[str, float | None]:
        samples, self.samples = sorted(self.samples), []
        if not samples:
            return {"p50_ms": None, "p99_ms": None, "max_ms": None}
        pick = lambda share: round(samples[min(len(samples) - 1, int(share * len(samples)))], 2)
        return {"p50_ms": pick(0.5), "p99_ms": pick(0.99), "max_ms": round(samples[-1], 2)}


def media_stats(switch: Any) -> dict[str, Any]:
    """Frame counters of every media leg, through the plane's public ``stats(leg)``."""
    plane = switch.plane
    if not hasattr(plane, "stats"):
        return {"legs": 0}
    frames_in: dict[str, int] = {}
    dropped = 0
    for leg_id in list(switch.exchange.legs):
        stats = plane.stats(leg_id)
        if stats is None:
            continue
        frames_in[leg_id] = stats["frames_in"]
        dropped += stats["relay_dropped"]
    return {"legs": getattr(plane, "leg_count", len(frames_in)), "frames_in": frames_in, "relay_dropped": dropped}


async def run(overrides: dict[str, Any]) -> None:
    from console.switch.demo import demo_config
    from console.switch.server import Switch

    from console.switch.limits import Limits
    from console.switch.queue_config import QueueConfig

    raise_fd_limit()
    limits = Limits(**overrides.pop("limits", {}))
    overrides["queues"] = tuple(QueueConfig(**q) for q in overrides.get("queues", []))  # [[switch.queues]] tables
    config = demo_config(limits=limits, **{k: v for k, v in overrides.items() if k != "user_max_calls"})
    if "user_max_calls" in overrides:  # the demo users may hold 8 calls each; some benchmarks need more
        users = tuple(dataclasses.replace(u, max_calls=overrides["user_max_calls"]) for u in config.users)
        config = dataclasses.replace(config, users=users)
    switch = await Switch.start(config)
    lag = LagMonitor()

    async def handle(request: dict[str, Any]) -> dict[str, Any]:
        if request["op"] == "stats":
            return {
                **switch.stats(),
                "media": media_stats(switch),
                "rss_kib": rss_kib(),
                "tasks": len(asyncio.all_tasks()),
                "fds": fd_count(),
                "threads": thread_count(),
                "loop_lag": lag.take(),
            }
        raise ValueError(f"unknown op {request['op']!r}")

    try:
        await serve_lines(handle, {"url": switch.url, "pid": os.getpid()})
    finally:
        await switch.aclose()


class SwitchProcess(Child):
    """The parent's handle: ``async with SwitchProcess(max_media=400) as switch: switch.url``."""

    def __init__(self, **overrides: Any) -> None:
        overrides.setdefault("session_lifetime", 600.0)
        overrides.setdefault("ring_timeout", 30.0)
        # a benchmark is a crowd from one address on purpose: lift the limits that protect against one
        overrides.setdefault("limits", {"max_connections": 4096, "max_connections_per_address": 4096,
                                        "login_queue": 64, "max_sessions_per_user": 64})
        super().__init__("bench.switch_proc", json.dumps(overrides))

    @property
    def url(self) -> str:
        return self.hello["url"]

    async def stats(self) -> dict[str, Any]:
        return await self.ask(op="stats")


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(run(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}))
