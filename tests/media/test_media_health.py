"""Dead media is noticed on the console side too (issue 13, item 1): the rule, and CallMedia using it."""

from __future__ import annotations

import asyncio

import pytest

from console.media.call_media import CallMedia
from console.media.health import MediaHealth

from .conftest import negotiate


def test_silence_while_audio_should_flow_is_dead_after_the_grace_period():
    health = MediaHealth(timeout=2)
    assert health.check(100) is None and health.silent_for(100) == 0  # nothing expected yet
    health.expect(True, 100)
    health.frame(101)
    assert health.check(102.9) is None and health.silent_for(102.5) == pytest.approx(1.5)
    assert "no audio" in health.check(103.1)
    health.expect(False, 103.2)  # on hold, inactive: no audio is expected, so none is missing
    assert health.check(200) is None and health.silent_for(200) == 0
    health.expect(True, 200)
    assert health.check(201.9) is None and health.check(202.1) is not None


@pytest.mark.parametrize("state", ["failed", "closed"])
def test_a_failed_or_closed_connection_is_dead_at_once(state):
    health = MediaHealth(timeout=60)
    health.connection("connected")
    assert health.check(0) is None
    health.connection(state)
    assert state in health.check(0)


def blackhole(media: CallMedia, *, inbound: bool = True, outbound: bool = True) -> None:
    """Drop this console's UDP traffic (aiortc/aioice internals: the test plays the network)."""
    for transceiver in media._pc.getTransceivers():  # noqa: SLF001 - the test stands in for the network
        ice = transceiver.sender.transport.transport
        for protocol in ice._connection._protocols:  # noqa: SLF001
            if outbound:
                protocol.transport.sendto = lambda *args, **kwargs: None
            if inbound:
                protocol.datagram_received = lambda *args, **kwargs: None


async def test_call_media_reports_no_audio_and_fails_after_the_grace_period(plane, hub):
    failed = asyncio.Event()
    media = CallMedia(hub, connect_timeout=5.0, media_timeout=1.0, on_failure=failed.set)
    try:
        plane.route("x", None)  # the switch sends silence: audio still flows
        await negotiate(media, plane, "x")
        await media.wait_connected(5.0)
        await plane.wait_connected("x", 5.0)
        assert media.seconds_without_audio < 1.0
        blackhole(media, outbound=False)  # nothing reaches us any more
        async with asyncio.timeout(1.0 + 3.0):
            await failed.wait()
        assert media.seconds_without_audio > 1.0
    finally:
        await media.close()
    assert media.seconds_without_audio == 0.0


async def test_held_media_is_not_dead(plane, hub):
    failed = asyncio.Event()
    media = CallMedia(hub, connect_timeout=5.0, media_timeout=0.5, on_failure=failed.set)
    try:
        await negotiate(media, plane, "h")
        await media.wait_connected(5.0)
        await negotiate(media, plane, "h", "inactive")
        blackhole(media, outbound=False)
        with pytest.raises(TimeoutError):  # 4 grace periods on hold without a word
            async with asyncio.timeout(2.0):
                await failed.wait()
        assert media.seconds_without_audio == 0.0
    finally:
        await media.close()
