"""RtcMediaPlane on its own terms: limits, bad offers, restore, services, failure, clean shutdown."""

from __future__ import annotations

import asyncio
import re

import pytest

from console.media import tones
from console.media.call_media import CallMedia
from console.switch.media import MediaRejected, MediaUnavailable, ServiceKind
from console.switch.rtc_plane import RtcMediaPlane


async def test_max_media_limits_legs_but_not_reoffers(hub, renegotiate):
    plane = RtcMediaPlane(max_media=1)
    first, second = CallMedia(hub), CallMedia(hub)
    try:
        await renegotiate(first, plane, "a")
        with pytest.raises(MediaUnavailable):
            await plane.answer("b", await second.create_offer())
        assert not plane.has_media("b") and plane.has_media("a")
        await renegotiate(first, plane, "a", "inactive")  # a re-offer needs no new media
        await plane.close("a")
        await plane.close("a")  # idempotent
        assert not plane.has_media("a")
    finally:
        await first.close()
        await second.close()
        await plane.aclose()


@pytest.mark.parametrize(
    "offer",
    [
        None,
        "not a dict",
        {"type": "answer", "sdp": "v=0"},
        {"type": "offer"},
        {"type": "offer", "sdp": ""},
        {"type": "offer", "sdp": "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 97\r\n"},
        {"type": "offer", "sdp": "garbage\r\nm=audio x\r\n"},
        {"type": "offer", "sdp": "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 96\r\n" + "a=x\r\n" * 20000},
    ],
)
async def test_bad_offers_are_rejected(plane, offer):
    with pytest.raises(MediaRejected):
        await plane.answer("x", offer)
    assert not plane.has_media("x") and plane.leg_count == 0


async def test_offer_without_a_common_codec_is_rejected(plane, hub):
    media = CallMedia(hub)
    try:
        offer = await media.create_offer()
        sdp = offer["sdp"].replace("opus/48000/2", "G729/8000").replace("PCMU/8000", "G728/8000").replace("PCMA/8000", "iLBC/8000").replace("G722/8000", "GSM/8000")
        with pytest.raises(MediaRejected):
            await plane.answer("x", {"type": "offer", "sdp": sdp})
        assert plane.leg_count == 0
    finally:
        await media.close()


async def test_route_before_media_applies_once_negotiated(calls, plane):
    plane.route("late", ServiceKind.TONE)
    assert not plane.has_media("late")
    media, sink = await calls("late", ServiceKind.TONE)
    await sink.wait_for(20, timeout=3)
    assert tones.dominant_frequency(sink.samples(0.2)) == pytest.approx(1000, abs=3)


async def test_silence_when_routed_nowhere(calls):
    media, sink = await calls("quiet", None)
    await sink.wait_for(20, timeout=3)
    assert tones.level_dbfs(sink.samples(0.2)) == float("-inf")


async def test_music_on_hold_plays_the_arpeggio(calls):
    media, sink = await calls("m1", ServiceKind.MUSIC)
    await sink.wait_for(60, timeout=4)  # 1.2 s: every note at least once
    samples = sink.samples(1.0)
    notes = {round(tones.dominant_frequency(samples[i : i + 4800])) for i in range(0, len(samples) - 4800, 4800)}
    assert {523, 659, 784} <= {n + d for n in notes for d in (-1, 0, 1)}
    assert tones.level_dbfs(samples) == pytest.approx(-18, abs=1.5)


async def test_ivr_plays_back_dtmf_digits_in_order(calls, plane):
    media, sink = await calls("ivr", ServiceKind.IVR)
    await sink.wait_for(15, timeout=3)  # the prompt
    start = sink.frames
    plane.dtmf("ivr", "159")
    plane.dtmf("ivr", "#*0")
    plane.dtmf("other", "1")  # not an IVR leg: ignored
    await sink.wait_for(start + 6 * 10 + 10, timeout=4)
    heard = sink.samples((sink.frames - start + 5) * 0.02)
    assert tones.decode_dtmf(heard) == "159#*0"


async def test_restore_from_a_new_connection_replaces_the_old_one(calls, plane, hub, renegotiate):
    old, old_sink = await calls("r1", ServiceKind.TONE)
    fresh = CallMedia(hub, connect_timeout=5)
    try:
        offer = await fresh.create_offer()
        assert re.search(r"a=ice-ufrag:(\S+)", offer["sdp"]).group(1) != re.search(r"a=ice-ufrag:(\S+)", old._pc.localDescription.sdp).group(1)
        await fresh.accept_answer(await plane.answer("r1", offer))
        sink = type(old_sink)()
        fresh.set_audio_element(sink)
        await sink.wait_for(20, timeout=4)
        assert tones.dominant_frequency(sink.samples(0.2)) == pytest.approx(1000, abs=3)
        assert plane.leg_count == 1
        async with asyncio.timeout(5):
            while old.connection_state != "closed":  # the switch closed the old connection
                await asyncio.sleep(0.02)
    finally:
        await fresh.close()


async def test_leg_that_never_connects_reports_failure(hub):
    plane = RtcMediaPlane(connect_timeout=0.5)
    failed = asyncio.Event()
    legs: list[str] = []
    plane.on_failure = lambda leg: (legs.append(leg), failed.set())
    media = CallMedia(hub)
    try:
        await plane.answer("lost", await media.create_offer())  # the answer never reaches the console
        async with asyncio.timeout(3):
            await failed.wait()
        assert legs == ["lost"]
    finally:
        await media.close()
        await plane.aclose()
    assert plane.leg_count == 0


async def test_answer_after_shutdown_is_refused(hub):
    plane = RtcMediaPlane()
    await plane.aclose()
    media = CallMedia(hub)
    try:
        with pytest.raises(MediaUnavailable):
            await plane.answer("x", await media.create_offer())
    finally:
        await media.close()
