"""The switch in its own process for the chaos tests: ``python chaos_switch.py '{"port": 0, "limits": {...}}'``.

Prints ``{"url": ..., "port": ...}`` once listening; stops cleanly when stdin
closes (or dies with the test's kill -9).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, installed or not

from console.switch.demo import demo_config  # noqa: E402
from console.switch.limits import Limits  # noqa: E402
from console.switch.server import Switch  # noqa: E402


async def main() -> None:
    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    limits = Limits(**options.pop("limits", {}))
    switch = await Switch.start(demo_config(limits=limits, **options))
    print(json.dumps({"url": switch.url, "port": switch.port}), flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.buffer.read1(4096) else None)
    await stop.wait()
    await switch.aclose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="switch %(name)s %(message)s")
    asyncio.run(main())
