"""The embedded switch as most tests start it: the demo's users on a free port, closed afterwards."""

from __future__ import annotations

import contextlib
from typing import Any, AsyncIterator


@contextlib.asynccontextmanager
async def running_switch(**options: Any) -> AsyncIterator[Any]:
    """``demo_config(port=0, media=False, **options)`` served until the block ends (e.g. ``queues=(...)``)."""
    from console.switch.demo import demo_config
    from console.switch.server import Switch

    sw = await Switch.start(demo_config(**{"port": 0, "media": False, **options}))
    try:
        yield sw
    finally:
        await sw.aclose()
