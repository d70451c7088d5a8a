"""CallMedia against the real RtcMediaPlane over loopback: what a console hears is what the switch routed."""

from __future__ import annotations

import asyncio
import re

import pytest

from console.media import tones
from console.media.call_media import CallMedia, MediaError
from console.media.devices import NullDevice
from console.media.hub import DeviceHub
from console.media.sinks import LevelMeterSink, VideoSink
from console.switch.media import ServiceKind


def assert_tone(samples, hz, level=None):
    assert len(samples) > 0
    assert tones.dominant_frequency(samples) == pytest.approx(hz, abs=3)
    if level is not None:
        assert tones.level_dbfs(samples) == pytest.approx(level, abs=1.5)


async def quiet(count, quiet_for=0.3, within=3.0):
    """Wait until ``count()`` stops changing for ``quiet_for`` s; fail if that takes longer than ``within``."""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(within):
        last, since = count(), loop.time()
        while loop.time() - since < quiet_for:
            await asyncio.sleep(0.02)
            if count() != last:
                last, since = count(), loop.time()


async def test_tone_service_is_heard_at_1000_hz_minus_12_dbfs(calls):
    media, sink = await calls("c1", ServiceKind.TONE)
    await sink.wait_for(30, timeout=3)
    assert_tone(sink.samples(0.4), 1000, -12)
    assert media.stats["frames_in"] >= 30 and media.stats["frames_out"] > 0


async def test_level_meter_sink_follows_the_tone(calls):
    media, sink = await calls("c1", ServiceKind.TONE)
    meter = LevelMeterSink()
    media.set_audio_element(meter)
    async with asyncio.timeout(3):
        while meter.frames < 10:
            await asyncio.sleep(0.02)
    assert meter.dbfs == pytest.approx(-12, abs=1.5)
    assert meter.peak >= meter.dbfs


async def test_echo_returns_the_microphone(calls):
    hub = DeviceHub(NullDevice(mic=tones.ToneGenerator(750, -12).frame))
    try:
        media, sink = await calls("c1", ServiceKind.ECHO, device_hub=hub)
        hub.focus(media)
        await sink.wait_more(30, timeout=3)
        assert_tone(sink.samples(0.3), 750, -12)
        # the focused call's audio reaches the speaker too
        assert_tone(hub.device.heard(0.2), 750)
    finally:
        hub.stop()


async def test_unfocused_call_sends_silence(calls):
    hub = DeviceHub(NullDevice(mic=tones.ToneGenerator(750, -12).frame))
    try:
        media, sink = await calls("c1", ServiceKind.ECHO, device_hub=hub)
        await sink.wait_for(30, timeout=3)
        assert tones.level_dbfs(sink.samples(0.3)) < -60
    finally:
        hub.stop()


async def test_two_legs_routed_to_each_other_hear_each_other(calls, plane):
    hub_a = DeviceHub(NullDevice(mic=tones.ToneGenerator(600, -12).frame))
    hub_b = DeviceHub(NullDevice(mic=tones.ToneGenerator(900, -12).frame))
    try:
        a, sink_a = await calls("a", "b", device_hub=hub_a)
        b, sink_b = await calls("b", "a", device_hub=hub_b)
        hub_a.focus(a)
        hub_b.focus(b)
        await sink_a.wait_more(25, timeout=3)
        await sink_b.wait_more(25, timeout=3)
        assert_tone(sink_a.samples(0.3), 900, -12)
        assert_tone(sink_b.samples(0.3), 600, -12)
        # the route changes without renegotiation
        plane.route("a", ServiceKind.TONE)
        await sink_a.wait_more(25, timeout=3)
        assert_tone(sink_a.samples(0.2), 1000)
    finally:
        hub_a.stop()
        hub_b.stop()


async def test_hold_stops_frames_and_retrieve_resumes(calls, plane, renegotiate, until):
    media, sink = await calls("c1", ServiceKind.TONE)
    await sink.wait_for(10, timeout=3)
    await renegotiate(media, plane, "c1", "inactive")
    await quiet(lambda: sink.frames)
    await quiet(lambda: plane.stats("c1")["frames_in"])
    await renegotiate(media, plane, "c1", "sendrecv")
    sink.clear()
    await sink.wait_more(15, timeout=2)
    assert_tone(sink.samples(0.2), 1000, -12)
    assert media.stats["stale_dropped"] >= 1  # the frames from before the hold were not played
    # nobody hears c1 (it hears the tone): the switch does not even decode it, so nothing stale is relayed
    assert plane.stats("c1")["decoding"] is False


async def test_ten_hold_retrieve_cycles(calls, plane, renegotiate):
    media, sink = await calls("c1", ServiceKind.TONE)
    for cycle in range(10):
        await sink.wait_more(5, timeout=2)
        await renegotiate(media, plane, "c1", "sendonly" if cycle % 2 else "inactive")
        await quiet(lambda: sink.frames, quiet_for=0.1)
        await renegotiate(media, plane, "c1", "sendrecv")
    await sink.wait_more(10, timeout=2)
    assert_tone(sink.samples(0.2), 1000)
    assert media.connection_state == "connected"


async def test_reoffers_keep_payload_types_and_extmap_ids(calls, plane, renegotiate):
    media, _ = await calls("c1", ServiceKind.TONE)
    first = media._pc.localDescription.sdp
    offer, _ = await renegotiate(media, plane, "c1", "inactive", True)
    again, _ = await renegotiate(media, plane, "c1", "sendrecv", True)

    def audio_section(sdp):
        section = sdp.split("m=audio", 1)[1].split("m=video", 1)[0]
        return re.findall(r"^a=(?:rtpmap|extmap):.*$", section, re.MULTILINE), re.search(r"^ (\d+) \S+ ([\d ]+)", section).group(2)

    assert audio_section(first) == audio_section(offer["sdp"]) == audio_section(again["sdp"])
    assert re.findall(r"^a=(?:rtpmap|extmap):.*$", offer["sdp"].split("m=video", 1)[1], re.MULTILINE) == re.findall(
        r"^a=(?:rtpmap|extmap):.*$", again["sdp"].split("m=video", 1)[1], re.MULTILINE
    )


async def test_video_echo_arrives_and_becomes_active(calls):
    changes: list[bool] = []
    local, remote = VideoSink(), VideoSink()
    media, sink = await calls("v1", ServiceKind.ECHO, video=True, on_video_change=changes.append)
    media.set_video_elements(local, remote)
    await remote.wait_for(5, timeout=5)
    await local.wait_for(5, timeout=1)
    assert remote.size == (320, 240) and local.size == (320, 240)
    assert media.video_active and changes == [True]
    assert media.stats["video_frames_in"] >= 5


async def test_video_added_by_reoffer_and_dropped_by_hold(calls, plane, renegotiate):
    changes: list[bool] = []
    remote = VideoSink()
    media, sink = await calls("v1", ServiceKind.ECHO, on_video_change=changes.append)
    media.set_video_elements(None, remote)
    assert not media.video_active
    await renegotiate(media, plane, "v1", "sendrecv", True)
    await remote.wait_for(3, timeout=5)
    assert media.video_active
    await renegotiate(media, plane, "v1", "inactive", True)
    assert not media.video_active and changes == [True, False]


async def test_video_relayed_between_bridged_legs(calls):
    a_remote, b_remote = VideoSink(), VideoSink()
    a, _ = await calls("a", "b", video=True)
    b, _ = await calls("b", "a", video=True)
    a.set_video_elements(None, a_remote)
    b.set_video_elements(None, b_remote)
    await a_remote.wait_for(5, timeout=5)
    await b_remote.wait_for(5, timeout=5)
    assert a.video_active and b.video_active


async def test_answer_that_never_connects_fires_on_failure_once(plane, hub):
    failures: list[str] = []
    fired = asyncio.Event()

    def on_failure() -> None:
        failures.append("x")
        fired.set()

    media = CallMedia(hub, on_failure=on_failure, connect_timeout=1.0)
    try:
        answer = await plane.answer("gone", await media.create_offer())
        await plane.close("gone")  # nobody will ever answer ICE checks
        await media.accept_answer(answer)
        async with asyncio.timeout(3):
            await fired.wait()
        assert media.connection_state != "connected"
    finally:
        await media.close()
    assert failures == ["x"]


async def test_far_end_closing_fires_on_failure(plane, hub):
    fired = asyncio.Event()
    media = CallMedia(hub, on_failure=fired.set, connect_timeout=5.0)
    try:
        answer = await plane.answer("c1", await media.create_offer())
        await media.accept_answer(answer)
        await media.wait_connected(5)
        await plane.wait_connected("c1", 5)  # else the switch's DTLS may still be finishing: no close_notify
        await plane.close("c1")
        async with asyncio.timeout(5):
            await fired.wait()
    finally:
        await media.close()


async def test_an_answer_whose_extmap_has_extension_attributes_connects(plane, hub):
    """RFC 8285 4.1: ``a=extmap:<id> <uri> <extensionattributes>``. liblinphone answers
    ``a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=off``; aiortc's parser refused that line, so
    a call to a linphone phone stayed DIALING (seen in tests/sip/test_linphonec.py)."""
    media = CallMedia(hub)
    try:
        answer = await plane.answer("ext", await media.create_offer())
        sdp = re.sub(r"(a=extmap:\d+ urn:ietf:params:rtp-hdrext:ssrc-audio-level)", r"\1 vad=off", answer["sdp"])
        if sdp == answer["sdp"]:
            sdp = answer["sdp"].replace("a=mid:", "a=extmap:9 urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=off\r\na=mid:", 1)
        assert "vad=off" in sdp
        await media.accept_answer({"type": "answer", "sdp": sdp})
        await media.wait_connected(10)
    finally:
        await media.close()


async def test_bad_input_gets_a_clear_error(plane, hub):
    media = CallMedia(hub)
    try:
        with pytest.raises(ValueError, match="direction"):
            await media.create_offer(direction="sideways")
        with pytest.raises(MediaError, match="no offer"):
            await media.accept_answer({"type": "answer", "sdp": "v=0"})
        await media.create_offer()
        with pytest.raises(MediaError, match="type 'answer'"):
            await media.accept_answer({"type": "offer", "sdp": "v=0"})
        with pytest.raises(MediaError, match="cannot be used"):
            await media.accept_answer({"type": "answer", "sdp": "v=0\r\nnonsense\r\n"})
    finally:
        await media.close()
        await media.close()  # idempotent
    with pytest.raises(MediaError, match="closed"):
        await media.create_offer()
