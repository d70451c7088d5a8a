"""RFC 4733 telephone-event: SDP, sending from the console, receiving in the switch and in the console."""

from __future__ import annotations

import asyncio
import re

import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription

from console.core.errors import InvalidDigitError
from console.media import dtmf, patches
from console.media.call_media import CallMedia, MediaError
from console.media.tracks import PacedAudioTrack
from console.switch.media import MediaRejected, ServiceKind

# An offer as Chrome 120+ makes it (audio part), with our loopback candidate
CHROME_AUDIO = (
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
    "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\n"
    "a=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:13 CN/8000\r\na=rtpmap:110 telephone-event/48000\r\na=rtpmap:126 telephone-event/8000\r\n"
)


def rtpmap(sdp: str) -> dict[int, str]:
    """payload type -> encoding of the first (audio) m-line."""
    audio = sdp.split("m=audio", 1)[1].split("m=video", 1)[0]
    return {int(pt): enc for pt, enc in re.findall(r"a=rtpmap:(\d+) (\S+)", audio)}


def audio_formats(sdp: str) -> list[int]:
    return [int(x) for x in re.search(r"^m=audio \d+ \S+ ([\d ]+)", sdp, re.M).group(1).split()]


# --- the payload, the receiver, the sender schedule (no network) -------------------------

def test_payload_round_trip():
    event = dtmf.unpack(dtmf.pack(11, 800, end=True))
    assert (event.digit, event.end, event.duration, event.volume) == ("#", True, 800, 10)
    assert dtmf.unpack(b"\x01\x02") is None
    assert dtmf.Event(16, False, 10, 0).digit is None  # flash and others: not a digit


def test_end_and_retransmitted_ends_make_one_digit():
    rx = dtmf.EventReceiver()
    got = [rx.receive(1000, dtmf.pack(5, d)) for d in (160, 320, 480)]
    got += [rx.receive(1000, dtmf.pack(5, 640, end=True)) for _ in range(3)]
    got += [rx.receive(5000, dtmf.pack(5, 160))]  # the same key again: a new event
    got += [rx.receive(1000, dtmf.pack(5, 640, end=True))]  # a late retransmission of the first
    assert [d for d in got if d] == ["5", "5"]


def test_long_press_continued_with_a_new_timestamp_is_one_digit():
    rx = dtmf.EventReceiver()
    assert rx.receive(0, dtmf.pack(1, 0xFFFF)) == "1"
    assert rx.receive(0xFFFF, dtmf.pack(1, 480)) is None  # segment 2 of the same press
    assert rx.receive(0xFFFF, dtmf.pack(1, 800, end=True)) is None
    assert rx.receive(0xFFFF + 900, dtmf.pack(1, 160)) == "1"  # after the end: a new press


def test_sender_schedule_tone_three_ends_and_gap():
    tx = dtmf.EventSender(48000)
    tx.insert("4#")  # 100 ms, 70 ms apart
    steps = [tx.next(ts) for ts in range(0, 960 * 30, 960)]
    events = [(i, s) for i, s in enumerate(steps) if s is not None]
    first = [s for _, s in events if s[1] == 0]
    assert [dtmf.unpack(p).duration for _, _, p in first] == [960, 1920, 2880, 3840, 4800, 4800, 4800]
    assert [m for m, _, _ in first] == [True] + [False] * 6
    assert [dtmf.unpack(p).end for _, _, p in first] == [False] * 4 + [True] * 3
    second_start = next(i for i, s in events if s[1] != 0)
    assert second_start == 7 + 4  # 7 packets of "4", then 80 ms (4 packets) of audio
    assert dtmf.unpack(steps[second_start][2]).digit == "#"
    assert tx.sent_digits == 2 and tx.pending == ""


def test_sender_clamps_like_insert_dtmf():
    tx = dtmf.EventSender(8000)
    tx.insert("1", tone_ms=5, gap_ms=0)  # 40 ms and 30 ms at least
    steps = [tx.next(ts) for ts in range(0, 160 * 12, 160)]
    events = [dtmf.unpack(s[2]) for s in steps[:4]]
    assert [(e.duration, e.end) for e in events] == [(160, False)] + [(320, True)] * 3 and steps[4] is None
    tx.insert("2", tone_ms=60000)
    assert tx.pending == "2"


def test_sender_beside_opus_counts_durations_in_the_event_clock():
    """Opus (48000) with telephone-event/8000 (what SIP phones offer): timestamps on the audio's clock,
    durations in 8000 Hz units (RFC 4733 2.5.1.2, "in timestamp units" of the event's payload type)."""
    tx = dtmf.EventSender(48000, 8000)
    tx.insert("4")  # 100 ms
    steps = [tx.next(ts) for ts in range(0, 960 * 10, 960)]
    first = [s for s in steps if s is not None]
    assert {start for _, start, _ in first} == {0}
    assert [dtmf.unpack(p).duration for _, _, p in first] == [160, 320, 480, 640, 800, 800, 800]
    assert [dtmf.unpack(p).end for _, _, p in first] == [False] * 4 + [True] * 3


# --- SDP -------------------------------------------------------------------------------------

async def test_console_offer_lists_telephone_event_after_the_codecs(hub):
    media = CallMedia(hub)
    try:
        sdp = (await media.create_offer())["sdp"]
    finally:
        await media.close()
    assert rtpmap(sdp)[110] == "telephone-event/48000" and rtpmap(sdp)[126] == "telephone-event/8000"
    assert audio_formats(sdp) == [96, 9, 0, 8, 110, 126]
    assert "a=fmtp:126 0-15" in sdp


async def test_switch_answers_telephone_event_at_the_offers_payload_types(plane, hub):
    media = CallMedia(hub)
    try:
        offer = await media.create_offer()
        head, _, rest = offer["sdp"].partition("m=audio")
        tail = rest[rest.index("a=", rest.index("\r\n")):]  # the offer's own attributes after the m-line
        tail = re.sub(r"a=(rtpmap|fmtp|rtcp-fb):\d+ [^\r]*\r\n", "", tail)
        chrome = head + CHROME_AUDIO + tail
        answer = await plane.answer("chrome", {"type": "offer", "sdp": chrome})
        assert audio_formats(answer["sdp"]) == [111, 9, 0, 8, 110, 126]  # red and CN are not answered
        assert rtpmap(answer["sdp"])[110] == "telephone-event/48000"
        assert rtpmap(answer["sdp"])[126] == "telephone-event/8000"
    finally:
        await media.close()


async def test_switch_answers_no_telephone_event_when_the_offer_has_none(plane, hub):
    media = CallMedia(hub)
    try:
        sdp = (await media.create_offer())["sdp"]
        sdp = re.sub(r"a=(rtpmap|fmtp):(110|126) [^\r]*\r\n", "", sdp).replace(" 110 126\r\n", "\r\n", 1)
        answer = await plane.answer("plain", {"type": "offer", "sdp": sdp})
        assert "telephone-event" not in answer["sdp"]
        assert audio_formats(answer["sdp"]) == [96, 9, 0, 8]  # what the switch answered before RFC 4733
    finally:
        await media.close()


async def test_offer_with_only_telephone_event_has_no_codec_in_common(plane, hub):
    media = CallMedia(hub)
    try:
        sdp = (await media.create_offer())["sdp"]
        for codec in ("opus/48000/2", "G722/8000", "PCMU/8000", "PCMA/8000"):
            sdp = sdp.replace(codec, "X-none/8000")
        with pytest.raises(MediaRejected):
            await plane.answer("te-only", {"type": "offer", "sdp": sdp})
    finally:
        await media.close()


# --- on the wire ----------------------------------------------------------------------------------

async def test_digits_sent_by_the_console_reach_the_switch_leg_in_order(calls, plane):
    heard: list[tuple[str, str]] = []
    done = asyncio.Event()
    plane.on_dtmf = lambda leg, digit: (heard.append((leg, digit)), len(heard) == 6 and done.set())
    media, _ = await calls("ivr", ServiceKind.IVR)
    media.send_dtmf("159")
    media.send_dtmf("#*d")
    assert media.dtmf_pending == "159#*D"
    async with asyncio.timeout(10):
        await done.wait()
    assert heard == [("ivr", d) for d in "159#*D"]
    async with asyncio.timeout(2):
        while media.dtmf_pending:
            await asyncio.sleep(0.02)
    assert len(heard) == 6  # the three end packets of each digit made one digit


async def test_audio_keeps_flowing_after_digits(calls, plane, until):
    """Event packets replace audio packets; the receiver's jitter buffer must not keep the gap
    they leave as extra delay: every audio packet sent is decoded, a few in flight at most."""
    media, sink = await calls("echo", ServiceKind.ECHO)
    plane.on_dtmf = lambda leg, digit: None
    await sink.wait_for(10, timeout=3)
    media.send_dtmf("1234")
    await until(lambda: not media.dtmf_pending, timeout=5)

    def behind() -> int:
        stats = media.stats
        return stats["frames_out"] - stats["dtmf_packets_out"] - plane.stats("echo")["frames_in"]

    assert media.stats["dtmf_packets_out"] == 4 * 7
    await until(lambda: behind() <= 4, timeout=3)


async def test_bad_digits_and_unconnected_media_are_refused(hub):
    media = CallMedia(hub)
    try:
        with pytest.raises(InvalidDigitError):
            media.send_dtmf("12x")
        with pytest.raises(MediaError, match="connected"):
            media.send_dtmf("1")
    finally:
        await media.close()


async def test_a_flood_of_events_is_bounded_per_leg(hub, renegotiate, caplog):
    """A far end sending events as fast as it can cannot flood the switch (and the consoles behind it)."""
    from console.switch.rtc_plane import RtcMediaPlane

    plane = RtcMediaPlane(connect_timeout=5.0, digit_rate=1.0)  # bursts of 2
    heard: list[str] = []
    plane.on_dtmf = lambda leg, digit: heard.append(digit)
    media = CallMedia(hub, connect_timeout=5.0)
    try:
        plane.route("flood", ServiceKind.IVR)
        await renegotiate(media, plane, "flood")
        await media.wait_connected(5)
        loop = asyncio.get_running_loop()
        started = loop.time()
        media.send_dtmf("0123456789ABCD*#", duration_ms=10, gap_ms=0)  # clamped to 40 ms and 30 ms: ~7 a second
        async with asyncio.timeout(10):
            while len(heard) + plane.stats("flood")["digits_dropped"] < 16:
                await asyncio.sleep(0.02)
        bound = 2 + (loop.time() - started) * 1.0  # the burst, then the rate
        assert 2 <= len(heard) <= bound < 16 and heard == sorted(heard, key="0123456789ABCD*#".index)
        assert plane.stats("flood")["digits_dropped"] == 16 - len(heard)
        assert sum("faster than 1/s" in r.getMessage() for r in caplog.records) == 1  # logged once
    finally:
        await media.close()
        await plane.aclose()


async def test_no_dtmf_while_the_audio_is_held(calls, renegotiate, plane):
    media, _ = await calls("held", ServiceKind.IVR)
    await renegotiate(media, plane, "held", "inactive")
    with pytest.raises(MediaError, match="inactive"):
        media.send_dtmf("1")
    await renegotiate(media, plane, "held", "sendrecv")
    media.send_dtmf("1")
    assert media.dtmf_pending == "1"


async def test_no_dtmf_when_the_answer_has_no_telephone_event(hub, plane):
    media = CallMedia(hub, connect_timeout=5.0)
    try:
        offer = await media.create_offer()
        answer = await plane.answer("no-te", offer)
        answer["sdp"] = re.sub(r"a=(rtpmap|fmtp):(110|126) [^\r]*\r\n", "", answer["sdp"]).replace(" 110 126\r\n", "\r\n", 1)
        await media.accept_answer(answer)
        await media.wait_connected(5)
        with pytest.raises(MediaError, match="telephone-event/48000"):
            media.send_dtmf("1")
    finally:
        await media.close()


async def test_dtmf_to_a_far_end_that_accepts_only_telephone_event_8000_beside_opus(hub):
    """baresip's default answer (Opus, telephone-event/8000): the digits go out as PT 126 with 8000 Hz
    durations and the far end decodes them (the console used to refuse: "did not accept telephone-event/48000")."""
    got: list[str] = []
    done = asyncio.Event()
    media = CallMedia(hub, connect_timeout=5.0)
    far = RTCPeerConnection(patches.rtc_configuration())
    far.on("track", lambda track: asyncio.ensure_future(_drain(track)))
    connected = asyncio.Event()
    far.on("connectionstatechange", lambda: far.connectionState == "connected" and connected.set())
    try:
        offer = await media.create_offer()
        await far.setRemoteDescription(RTCSessionDescription(**offer))
        audio = far.getTransceivers()[0]
        audio.sender.replaceTrack(PacedAudioTrack(lambda: None))
        audio.direction = "sendrecv"
        patches.listen_events(audio.receiver, lambda d: (got.append(d), len(got) == 2 and done.set()))
        await far.setLocalDescription(await far.createAnswer())
        answer = re.sub(r"a=(rtpmap|fmtp):110 [^\r]*\r\n", "", far.localDescription.sdp).replace(" 110 126\r\n", " 126\r\n", 1)
        assert rtpmap(answer)[126] == "telephone-event/8000" and 110 not in rtpmap(answer)
        await media.accept_answer({"type": "answer", "sdp": answer})
        await media.wait_connected(5)
        async with asyncio.timeout(5):
            await connected.wait()
        media.send_dtmf("9#")
        async with asyncio.timeout(10):
            await done.wait()
        assert got == ["9", "#"]
    finally:
        await media.close()
        await far.close()


async def test_console_receives_rfc4733_digits(hub):
    """A far end (a bare aiortc answerer, as a SIP gateway would be) sends events; on_digits gets each once."""
    got: list[str] = []
    done = asyncio.Event()
    media = CallMedia(hub, connect_timeout=5.0, on_digits=lambda d: (got.append(d), len(got) == 3 and done.set()))
    far = RTCPeerConnection(patches.rtc_configuration())
    far.on("track", lambda track: asyncio.ensure_future(_drain(track)))
    connected = asyncio.Event()
    far.on("connectionstatechange", lambda: far.connectionState == "connected" and connected.set())
    try:
        offer = await media.create_offer()
        await far.setRemoteDescription(RTCSessionDescription(**offer))
        audio = far.getTransceivers()[0]
        audio.sender.replaceTrack(PacedAudioTrack(lambda: None))
        audio.direction = "sendrecv"
        await far.setLocalDescription(await far.createAnswer())
        await media.accept_answer({"type": "answer", "sdp": far.localDescription.sdp})
        async with asyncio.timeout(5):
            await connected.wait()
        patches.send_events(audio).insert("7*A")
        async with asyncio.timeout(10):
            await done.wait()
        await asyncio.sleep(0)  # nothing else queued: the ends are not reported again
        assert got == ["7", "*", "A"]
        assert media.stats["digits_in"] == 3
    finally:
        await media.close()
        await far.close()


async def _drain(track):
    try:
        while True:
            await track.recv()
    except Exception:
        return


def test_event_patches_fail_loudly_on_drift(monkeypatch):
    import inspect

    monkeypatch.setattr(inspect, "getsource", lambda obj: "nothing recognisable")
    with pytest.raises(patches.PatchError, match="_handle_rtp_packet.*aiortc==1.16.0"):
        patches._patch_event_receive()
    with pytest.raises(patches.PatchError, match="_send_rtp"):
        patches._patch_event_send()
    with pytest.raises(patches.PatchError, match="find_common_codecs"):
        patches._patch_event_codecs()


def test_event_patches_are_in_place():
    patches.apply()
    import aiortc.rtcpeerconnection as peer
    from aiortc.codecs import CODECS
    from aiortc.rtcdtlstransport import RTCDtlsTransport
    from aiortc.rtcrtpreceiver import RTCRtpReceiver

    assert hasattr(peer.find_common_codecs, "__wrapped__")
    assert hasattr(RTCRtpReceiver._handle_rtp_packet, "__wrapped__")
    assert hasattr(RTCDtlsTransport._send_rtp, "__wrapped__")
    events = [c for c in CODECS["audio"] if c.mimeType == "audio/telephone-event"]
    assert [(c.clockRate, c.payloadType) for c in events] == [(48000, 110), (8000, 126)]


async def test_calls_that_used_dtmf_leave_no_peer_connection_behind(hub, renegotiate):
    """The listeners and senders attached to aiortc's objects must not keep them alive."""
    import gc

    from console.switch.rtc_plane import RtcMediaPlane

    def live() -> int:
        gc.collect()
        return sum(1 for obj in gc.get_objects() if isinstance(obj, RTCPeerConnection))

    baseline = live()
    plane = RtcMediaPlane(connect_timeout=5.0)
    done = asyncio.Event()
    plane.on_dtmf = lambda leg, digit: done.set()
    for i in range(3):
        media = CallMedia(hub, connect_timeout=5.0, on_digits=lambda d: None)
        plane.route(f"d{i}", ServiceKind.IVR)
        await renegotiate(media, plane, f"d{i}")
        await media.wait_connected(5)
        done.clear()
        media.send_dtmf("5")
        async with asyncio.timeout(5):
            await done.wait()
        await media.close()
        await plane.close(f"d{i}")
    await plane.aclose()
    del media, plane
    assert live() == baseline
