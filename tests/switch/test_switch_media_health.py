"""Dead media ends the call with MEDIA on both sides within the grace period (issue 13, item 1).

The real switch with its aiortc plane; the consoles are raw protocol clients
with real CallMedia. One console's media dies three ways: its loop freezes
(a console process sent SIGSTOP), its media is black-holed, its media sockets
are closed. The far end must be told (DISCONNECTED, MEDIA) within the switch's
media_timeout plus a check period, with slack for a loaded machine.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from console.media.call_media import CallMedia
from console.media.devices import NullDevice
from console.media.hub import DeviceHub
from console.switch.demo import demo_config
from console.switch.limits import Limits
from console.switch.server import Switch

from .netem import blackhole, kill_sockets
from .wire import Wire

GRACE = 2.0
SLACK = 4.0  # a loaded 2-core machine: check period, event delivery, far end's socket


@pytest.fixture
async def media_switch():
    switch = await Switch.start(demo_config(limits=Limits(media_timeout=GRACE)))
    yield switch
    await switch.aclose()


@pytest.fixture
async def consoles(media_switch):
    hub = DeviceHub(NullDevice())
    made: list[tuple[Wire, CallMedia]] = []

    async def login(user: str) -> tuple[Wire, CallMedia]:
        wire = await Wire.open(media_switch.url)
        wire.session = await wire.login(user)
        media = CallMedia(hub, connect_timeout=10.0, media_timeout=60.0)  # the client's own check stays out of it
        made.append((wire, media))
        return wire, media

    yield login
    for wire, media in made:
        await media.close()
        await wire.close()
    hub.stop()


async def call_with_media(caller, callee, number: str) -> tuple[str, str]:
    (a_wire, a_media), (b_wire, b_media) = caller, callee
    dialed = await a_wire.request("dial", number=number, sdp=await a_media.create_offer())
    await a_media.accept_answer(dialed["sdp"])
    b = (await b_wire.call(state="OFFERING"))["call"]
    answered = await b_wire.request("answer", call=b, sdp=await b_media.create_offer())
    await b_media.accept_answer(answered["sdp"])
    a = dialed["call"]["call"]
    await a_wire.call(a, "CONNECTED")
    await a_media.wait_connected(10)
    await b_media.wait_connected(10)
    return a, b


@pytest.mark.parametrize("how", ["blackhole", "socket"])
async def test_dead_media_of_one_console_ends_the_call_on_both_sides(consoles, how):
    alice, bob = await consoles("alice"), await consoles("bob")
    a, b = await call_with_media(alice, bob, "202")
    if how == "blackhole":
        blackhole(alice[1])
    else:
        kill_sockets(alice[1])
    async with asyncio.timeout(GRACE + SLACK):
        far = await bob[0].call(b, "DISCONNECTED", timeout=GRACE + SLACK)
    assert far["reason"] == "MEDIA"
    assert (await alice[0].call(a, "DISCONNECTED"))["reason"] == "MEDIA"


@pytest.mark.chaos
async def test_a_frozen_console_is_noticed_and_the_far_end_told(media_switch, consoles):
    bob = await consoles("bob")
    script = Path(__file__).with_name("peer_proc.py")
    proc = await asyncio.create_subprocess_exec(sys.executable, str(script), media_switch.url, "alice", "202",
                                                stdout=asyncio.subprocess.PIPE)
    try:
        b = (await bob[0].call(state="OFFERING", timeout=15))["call"]
        answered = await bob[0].request("answer", call=b, sdp=await bob[1].create_offer())
        await bob[1].accept_answer(answered["sdp"])
        async with asyncio.timeout(20):
            line = (await proc.stdout.readline()).decode()
        assert line.startswith("connected"), line
        await bob[1].wait_connected(10)
        os.kill(proc.pid, signal.SIGSTOP)  # its loop, media and socket stop at once
        far = await bob[0].call(b, "DISCONNECTED", timeout=GRACE + SLACK)
        assert far["reason"] == "MEDIA"
    finally:
        proc.kill()
        await proc.wait()


async def test_a_console_back_from_a_crash_has_the_grace_period_for_its_new_offer():
    """Found driving the switchboard (kill -9 of the console mid-call, started again at once): the calls came
    back and a connected one then ended MEDIA, because the switch counted the silence since the crash
    against the media the restored console was still setting up (docs/PROTOCOL.md, Media health: "while
    the leg's console has no socket (it is away and may restore), the leg is kept; the restore's new offer
    replaces it"). A console that restores gets media_timeout seconds, from its restore, for that offer."""
    grace = 4.0
    switch = await Switch.start(demo_config(limits=Limits(media_timeout=grace)))
    hub = DeviceHub(NullDevice())
    wire = await Wire.open(switch.url)
    again: Wire | None = None
    media = CallMedia(hub, connect_timeout=10.0, media_timeout=60.0)
    fresh = CallMedia(hub, connect_timeout=10.0, media_timeout=60.0)
    try:
        wire.session = await wire.login("alice")
        dialed = await wire.request("dial", number="9001", sdp=await media.create_offer())
        await media.accept_answer(dialed["sdp"])
        call = dialed["call"]["call"]
        await wire.call(call, "CONNECTED")
        await media.wait_connected(10)

        blackhole(media)  # kill -9: the console's media and its socket stop at once
        await wire.close()
        plane = switch.exchange.plane
        async with asyncio.timeout(10):  # the console starts again, most of the grace period later
            while (plane.stats(call) or {}).get("seconds_without_audio", 0.0) < grace - 1.0:
                await asyncio.sleep(0.05)
        again = await Wire.open(switch.url)
        restored = await again.request("restore", identifier=wire.session["identifier"])
        assert [c["state"] for c in restored["calls"]] == ["CONNECTED"]

        # the restored console sets its screen up before it offers new media: the old deadline passes meanwhile
        with pytest.raises(TimeoutError):
            ended = await again.call(call, "DISCONNECTED", timeout=grace / 2)
            pytest.fail(f"the call ended ({ended['reason']}) before the restored console could offer media")
        answer = await again.request("media", call=call, sdp=await fresh.create_offer())
        await fresh.accept_answer(answer["sdp"])
        await fresh.wait_connected(10)
        async with asyncio.timeout(10):  # the tone flows to the restored console and its audio to the switch
            while (plane.stats(call) or {}).get("frames_in", 0) < 50:
                await asyncio.sleep(0.05)
        assert not [f for f in again.pending("call") if f["call"]["state"] == "DISCONNECTED"]
    finally:
        for m in (media, fresh):
            await m.close()
        for w in (wire, again):
            if w is not None:
                await w.close()
        hub.stop()
        await switch.aclose()
