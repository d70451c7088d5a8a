"""The switch in its own process for the chaos tests: ``python chaos_switch.py '{"port": 0, "limits": {...}}'``.

Prints ``{"url": ..., "port": ...}`` once listening; stops cleanly when stdin
closes (or dies with the test's kill -9).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path

# the repository, installed or not; CHAOS_SWITCH_SRC runs another tree's switch (bench: before/after)
sys.path.insert(0, os.environ.get("CHAOS_SWITCH_SRC") or str(Path(__file__).resolve().parents[2]))

from console.switch.demo import demo_config  # noqa: E402
from console.switch.server import Switch  # noqa: E402

try:
    from console.switch.limits import Limits  # noqa: E402
except ImportError:  # a tree from before the limits existed
    Limits = None  # type: ignore[assignment,misc]


async def main() -> None:
    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    limits = options.pop("limits", {})
    if Limits is not None:
        options["limits"] = Limits(**limits)
    switch = await Switch.start(demo_config(**options))
    print(json.dumps({"url": switch.url, "port": switch.port}), flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.buffer.read1(4096) else None)
    await stop.wait()
    await switch.aclose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="switch %(name)s %(message)s")
    asyncio.run(main())
