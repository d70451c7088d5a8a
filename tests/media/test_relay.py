"""The switch relays encoded audio between legs that share a codec: no decode, no re-encode.

What a user cares about: both parties hear each other (tones measured), hold
silences and costs nothing, music on hold and DTMF (RFC 4733) still work, and
a leg moves between relaying and decoding (a service, another codec) without
losing its audio.
"""

from __future__ import annotations

import asyncio

import pytest

from console.media import patches, tones
from console.media.call_media import CallMedia
from console.media.devices import NullDevice
from console.media.hub import DeviceHub
from console.media.sinks import RecordingSink
from console.switch.media import ServiceKind

from .test_call_media import assert_tone, quiet


@pytest.fixture
async def pair(calls):
    """a (600 Hz) and b (900 Hz) routed to each other; yields (a, sink_a, b, sink_b)."""
    hub_a = DeviceHub(NullDevice(mic=tones.ToneGenerator(600, -12).frame))
    hub_b = DeviceHub(NullDevice(mic=tones.ToneGenerator(900, -12).frame))
    try:
        a, sink_a = await calls("a", "b", device_hub=hub_a)
        b, sink_b = await calls("b", "a", device_hub=hub_b)
        hub_a.focus(a)
        hub_b.focus(b)
        yield a, sink_a, b, sink_b
    finally:
        hub_a.stop()
        hub_b.stop()


async def hears(sink, hz, level=None, frames=25):
    await sink.wait_more(frames, timeout=3)
    assert_tone(sink.samples(0.3), hz, level)


async def test_relay_carries_audio_both_ways_without_decoding(pair, plane):
    a, sink_a, b, sink_b = pair
    await hears(sink_a, 900, -12)
    await hears(sink_b, 600, -12)
    for leg in ("a", "b"):
        stats = plane.stats(leg)
        assert stats["mode"] == "relay"
        assert stats["decoding"] is False  # nobody needs this leg's PCM
        assert stats["frames_relayed"] >= 25
    # aiortc's decoder got nothing: the switch's received tracks never yielded a frame
    assert plane.stats("a")["frames_in"] >= 25


async def test_echo_relays_the_callers_own_packets(calls, plane):
    hub = DeviceHub(NullDevice(mic=tones.ToneGenerator(750, -12).frame))
    try:
        media, sink = await calls("e", ServiceKind.ECHO, device_hub=hub)
        hub.focus(media)
        await hears(sink, 750, -12)
        assert plane.stats("e")["mode"] == "relay" and plane.stats("e")["decoding"] is False
    finally:
        hub.stop()


async def test_hold_silences_and_sends_nothing_then_retrieve_relays_again(pair, plane, renegotiate):
    a, sink_a, b, sink_b = pair
    await hears(sink_b, 600)
    # a holds (as the switch's call logic does it: a hears nothing, b hears music)
    plane.route("a", None)
    plane.route("b", ServiceKind.MUSIC)
    await renegotiate(a, plane, "a", "inactive")
    assert plane.stats("a")["mode"] == "idle"
    await quiet(lambda: sink_a.frames)
    sent = plane.stats("a")["frames_out"]
    await quiet(lambda: plane.stats("a")["frames_out"])  # the held leg's track makes no frames at all
    assert plane.stats("a")["frames_out"] - sent <= 2
    await sink_b.wait_more(60, timeout=4)
    notes = {round(tones.dominant_frequency(s)) for s in (sink_b.samples(1.0)[i : i + 4800] for i in range(0, 48000 - 4800, 4800))}
    assert {523, 659, 784} <= {n + d for n in notes for d in (-1, 0, 1)}
    assert plane.stats("b")["mode"] == "paced"
    # retrieve: relayed both ways again
    await renegotiate(a, plane, "a", "sendrecv")
    plane.route("a", "b")
    plane.route("b", "a")
    sink_a.clear()
    sink_b.clear()
    await hears(sink_a, 900, -12)
    await hears(sink_b, 600, -12)
    assert plane.stats("a")["mode"] == plane.stats("b")["mode"] == "relay"


async def test_rfc4733_digits_arrive_while_relaying(pair, plane, until):
    a, sink_a, b, sink_b = pair
    heard: list[tuple[str, str]] = []
    plane.on_dtmf = lambda leg, digit: heard.append((leg, digit))
    await hears(sink_b, 600)
    a.send_dtmf("42#")
    await until(lambda: len(heard) >= 3, timeout=5)
    assert heard == [("a", "4"), ("a", "2"), ("a", "#")]
    assert plane.stats("a")["mode"] == "relay"
    await hears(sink_b, 600, -12)  # the audio goes on after the digits


async def test_relay_to_decode_and_back(pair, plane):
    """A route to a service and back: the leg leaves the relay for a paced track and returns."""
    a, sink_a, b, sink_b = pair
    await hears(sink_a, 900)
    plane.route("a", ServiceKind.TONE)
    sink_a.clear()
    await hears(sink_a, 1000, -12)
    assert plane.stats("a")["mode"] == "paced"
    plane.route("a", "b")
    sink_a.clear()
    await hears(sink_a, 900, -12)
    assert plane.stats("a")["mode"] == "relay"


async def test_legs_with_different_codecs_are_decoded_and_reencoded(calls, plane, renegotiate):
    """b offers no Opus: a's packets cannot be relayed to b, so the switch decodes a for b (and b for a)."""
    hub_a = DeviceHub(NullDevice(mic=tones.ToneGenerator(600, -12).frame))
    hub_b = DeviceHub(NullDevice(mic=tones.ToneGenerator(900, -12).frame))
    b = CallMedia(hub_b, connect_timeout=5.0)
    try:
        a, sink_a = await calls("a", "b", device_hub=hub_a)
        hub_a.focus(a)
        sink_b = RecordingSink()
        b.set_audio_element(sink_b)
        plane.route("b", "a")
        offer = await b.create_offer(direction="sendrecv")
        offer = {**offer, "sdp": offer["sdp"].replace("opus/48000/2", "X-none/48000/2").replace("G722/8000", "X-none/8000")}
        answer = await plane.answer("b", offer)
        assert "opus" not in answer["sdp"].lower()
        await b.accept_answer(answer)
        await b.wait_connected(5.0)
        hub_b.focus(b)
        await hears(sink_b, 600)
        await hears(sink_a, 900)
        for leg in ("a", "b"):
            assert plane.stats(leg)["mode"] == "paced"
            assert plane.stats(leg)["decoding"] is True
    finally:
        await b.close()
        hub_a.stop()
        hub_b.stop()


async def test_decoding_can_be_switched_off_and_on():
    from aiortc import RTCPeerConnection

    patches.apply()
    pc = RTCPeerConnection(patches.rtc_configuration())
    try:
        receiver = pc.addTransceiver("audio").receiver
        assert patches.decoding(receiver)
        patches.set_decoding(receiver, False)
        assert not patches.decoding(receiver)
        patches.set_decoding(receiver, True)
        assert patches.decoding(receiver)
    finally:
        await pc.close()



async def test_a_listener_makes_a_relayed_leg_decode(pair, plane, until):
    """A recorder or a mixer in the switch needs a leg's PCM: the leg decodes while the relay goes on."""
    a, sink_a, b, sink_b = pair
    await hears(sink_b, 600)
    assert plane.stats("a")["decoding"] is False
    assert plane.stats("a")["frames_decoded"] == 0  # relayed only: aiortc's decoder never ran
    plane.listen("a", "recorder")
    assert plane.stats("a")["decoding"] is True
    await until(lambda: plane.stats("a")["frames_decoded"] >= 20, timeout=3)
    assert plane.stats("b")["mode"] == "relay"  # b still gets a's packets as they are
    await hears(sink_b, 600, -12)
    plane.listen("a", "recorder", on=False)
    assert plane.stats("a")["decoding"] is False
    await quiet(lambda: plane.stats("a")["frames_decoded"])


async def test_transfer_relays_the_new_talker(pair, calls, plane):
    """a talked to b; the switch joins a to c instead (a transfer): a hears c, relayed, at once."""
    a, sink_a, b, sink_b = pair
    hub_c = DeviceHub(NullDevice(mic=tones.ToneGenerator(1200, -12).frame))
    try:
        c, sink_c = await calls("c", "a", device_hub=hub_c)
        hub_c.focus(c)
        await hears(sink_a, 900)
        plane.route("a", "c")
        sink_a.clear()
        await hears(sink_a, 1200, -12)
        await hears(sink_c, 600, -12)
        assert plane.stats("a")["mode"] == "relay"
    finally:
        hub_c.stop()
