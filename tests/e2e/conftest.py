"""End-to-end fixtures: the real switch on 127.0.0.1 port 0 and real consoles over real websockets."""

from __future__ import annotations

import dataclasses

import pytest

from console_harness import Console


@pytest.fixture
async def make_switch():
    """Start switches with the demo directory and overrides (short timers for tests); all closed at the end."""
    from console.switch.demo import demo_config
    from console.switch.media import NullMediaPlane
    from console.switch.server import Switch

    started = []

    async def start(media=None, **overrides):
        """``media``: None for a signaling-only switch, or a MediaPlane (e.g. RtcMediaPlane) for real media."""
        config = demo_config(**overrides)
        switch = await Switch.start(config, media=media if media is not None else NullMediaPlane())
        started.append(switch)
        return switch

    yield start
    for switch in started:
        await switch.aclose()


@pytest.fixture
async def switch(make_switch):
    return await make_switch(ring_timeout=1.0, session_lifetime=1.0)


@pytest.fixture
async def consoles(switch):
    """Make consoles logged in to ``switch``: ``await consoles("alice")`` logs in alice/alice."""
    made: list[Console] = []

    async def make(username: str | None = None, password: str | None = None, number: str | None = None, url: str | None = None, **kwargs):
        console = Console(url or switch.url, kwargs)
        made.append(console)
        if username is not None:
            await console.login(username, password or username, number)
        return console

    yield make
    for console in made:
        await console.close()


def replace(config, **changes):
    return dataclasses.replace(config, **changes)
