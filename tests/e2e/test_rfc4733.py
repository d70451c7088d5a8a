"""RFC 4733 digits through the real switch: the IVR reports them, another console gets them as `dtmf` events."""

from __future__ import annotations

import asyncio

import pytest

from console.media.call_media import CallMedia
from console.media.devices import NullDevice
from console.media.hub import DeviceHub
from console.switch.rtc_plane import RtcMediaPlane
from switch.wire import Wire


@pytest.fixture
async def media_switch(make_switch):
    return await make_switch(media=RtcMediaPlane(connect_timeout=5.0), ring_timeout=5.0, session_lifetime=30.0)


@pytest.fixture
async def media_factory():
    hub = DeviceHub(NullDevice())
    made: list[CallMedia] = []

    def make() -> CallMedia:
        media = CallMedia(hub, connect_timeout=5.0)
        made.append(media)
        return media

    yield make
    for media in made:
        await media.close()
    hub.stop()


@pytest.fixture
async def wires(media_switch):
    opened: list[Wire] = []

    async def login(user: str) -> Wire:
        wire = await Wire.open(media_switch.url)
        opened.append(wire)
        await wire.login(user)
        return wire

    yield login
    for wire in opened:
        await wire.close()


async def test_rfc4733_digits_reach_the_ivr_and_are_reported_on_the_callers_call(wires, media_factory):
    alice = await wires("alice")
    media = media_factory()
    dialed = await alice.request("dial", number="9002", sdp=await media.create_offer())
    call = dialed["call"]["call"]
    await media.accept_answer(dialed["sdp"])
    await alice.call(call, "CONNECTED")
    await media.wait_connected(5)
    media.send_dtmf("42#")
    media.send_dtmf("7")
    reported = ""
    while len(reported) < 4:
        event = await alice.event("dtmf", timeout=10)
        assert event["call"] == call  # the caller's own call, not the IVR's leg
        reported += event["digits"]
    assert reported == "42#7"
    async with asyncio.timeout(3):
        while media.dtmf_pending:
            await asyncio.sleep(0.02)
    with pytest.raises(TimeoutError):
        await alice.event("dtmf", timeout=0.5)  # the repeated end packets made no extra digits


async def test_rfc4733_digits_reach_the_other_console_as_dtmf_events(wires, media_factory):
    alice, bob = await wires("alice"), await wires("bob")
    a_media, b_media = media_factory(), media_factory()
    dialed = await alice.request("dial", number="202", sdp=await a_media.create_offer())
    a_call = dialed["call"]["call"]
    await a_media.accept_answer(dialed["sdp"])
    b_call = (await bob.call(state="OFFERING"))["call"]
    answered = await bob.request("answer", call=b_call, sdp=await b_media.create_offer())
    await b_media.accept_answer(answered["sdp"])
    await alice.call(a_call, "CONNECTED")
    await a_media.wait_connected(5)
    a_media.send_dtmf("1*9")
    got = ""
    while len(got) < 3:
        event = await bob.event("dtmf", timeout=10)
        assert event["call"] == b_call
        got += event["digits"]
    assert got == "1*9"
    assert not alice.pending("dtmf")  # a console-to-console call reports nothing to the sender
