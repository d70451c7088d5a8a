"""Fixtures: a real switch on 127.0.0.1 port 0 with a recording media plane, and raw clients."""

from __future__ import annotations

import logging
from typing import Callable

import pytest

from console.switch.demo import demo_config
from console.switch.media import MediaRejected, MediaUnavailable, ServiceKind
from console.switch.server import Switch

from .wire import Wire

ANSWER = {"type": "answer", "sdp": "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=fake answer\r\n"}


def offer(note: str = "ok") -> dict:
    """An SDP offer; the fake plane refuses ``unavailable`` (EQUIPMENT) and ``reject`` (MEDIA)."""
    return {"type": "offer", "sdp": f"v=0\r\ns={note}\r\n"}


class FakePlane:
    """A media plane that records what each leg hears and what DTMF it got."""

    def __init__(self) -> None:
        self.on_failure: Callable[[str], None] | None = None
        self.on_dtmf: Callable[[str, str], None] | None = None
        self.routes: dict[str, str | ServiceKind | None] = {}
        self.digits: dict[str, str] = {}
        self.offers: dict[str, list[dict]] = {}
        self.closed: list[str] = []

    async def answer(self, leg: str, offer: dict) -> dict:
        if "unavailable" in offer["sdp"]:
            raise MediaUnavailable("max_media reached")
        if "reject" in offer["sdp"]:
            raise MediaRejected("no common codec")
        self.offers.setdefault(leg, []).append(offer)
        return ANSWER

    def route(self, leg: str, hears: str | ServiceKind | None) -> None:
        self.routes[leg] = hears

    def dtmf(self, leg: str, digits: str) -> None:
        self.digits[leg] = self.digits.get(leg, "") + digits

    def console_back(self, leg: str) -> None:
        pass

    def has_media(self, leg: str) -> bool:
        return leg in self.offers

    async def close(self, leg: str) -> None:
        self.closed.append(leg)

    async def aclose(self) -> None:
        pass


@pytest.fixture
def plane() -> FakePlane:
    return FakePlane()


@pytest.fixture
async def start(plane, caplog):
    """``await start(**config_overrides)`` -> a running switch; all are closed after the test."""
    caplog.set_level(logging.INFO, logger="console.switch")
    switches: list[Switch] = []

    async def _start(**overrides) -> Switch:
        overrides.setdefault("ring_timeout", 3.0)
        overrides.setdefault("session_lifetime", 3.0)
        switch = await Switch.start(demo_config(**overrides), media=plane)
        switches.append(switch)
        return switch

    yield _start
    for switch in switches:
        await switch.aclose()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, f"the switch logged errors: {[r.getMessage() for r in errors]}"


@pytest.fixture
async def switch(start) -> Switch:
    return await start()


@pytest.fixture
async def clients(switch):
    """``await clients.login("alice")`` -> a logged-in Wire; all are closed after the test."""
    opened: list[Wire] = []

    class Clients:
        async def open(self, target: Switch | None = None) -> Wire:
            wire = await Wire.open((target or switch).url)
            opened.append(wire)
            return wire

        async def login(self, username: str, target: Switch | None = None, **extra) -> Wire:
            wire = await self.open(target)
            wire.session = (await wire.login(username, **extra))
            return wire

    yield Clients()
    for wire in opened:
        await wire.close()


async def connect_call(caller: Wire, callee: Wire, number: str) -> tuple[str, str]:
    """caller dials number, callee answers; returns (caller's call id, callee's call id)."""
    dialed = await caller.request("dial", number=number)
    a = dialed["call"]["call"]
    b = (await callee.call(state="OFFERING"))["call"]
    await callee.request("answer", call=b)
    await caller.call(a, "CONNECTED")
    await callee.call(b, "CONNECTED")
    return a, b
