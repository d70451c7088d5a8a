"""RelayAudioTrack alone: the timeline it gives relayed, filled and paced frames, and IDLE's silence."""

from __future__ import annotations

import asyncio

import pytest
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from console.media import tones
from console.media.relay import FILL_AFTER, Mode, RelayAudioTrack

OPUS = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=96)
STEP = 960


def track(source=lambda: None) -> RelayAudioTrack:
    made = RelayAudioTrack(source)
    made.set_codec(OPUS)
    return made


async def test_relayed_packets_keep_the_talkers_steps_and_payloads():
    relay = track()
    relay.set_mode(Mode.RELAY)
    for i, payload in enumerate((b"a", b"b", b"d")):
        relay.push(1000 + STEP * (i + (i == 2)), payload, 48000)  # the third packet skips one (lost upstream)
    got = [await relay.recv() for _ in range(3)]
    assert [bytes(p) for p in got] == [b"a", b"b", b"d"]
    assert [p.pts - got[0].pts for p in got] == [0, STEP, 3 * STEP]
    assert relay.frames_relayed == 3 and relay.frames_sent == 3


async def test_a_gap_is_filled_with_silence_and_the_late_packet_dropped():
    relay = track()
    relay.set_mode(Mode.RELAY)
    relay.push(0, b"a", 48000)
    first = await relay.recv()
    async with asyncio.timeout(2):
        filled = await relay.recv()  # nothing comes: after FILL_AFTER frames, silence
    assert bytes(filled) != b"a" and filled.pts == first.pts + STEP
    relay.push(STEP, b"late", 48000)  # its time was filled: dropped
    relay.push(2 * STEP, b"next", 48000)
    async with asyncio.timeout(2):
        after = await relay.recv()
    assert bytes(after) == b"next" and after.pts == first.pts + 2 * STEP
    assert relay.relay_dropped == 1
    assert FILL_AFTER >= 2


async def test_idle_makes_nothing_until_the_mode_changes():
    relay = track(lambda: tones.ToneGenerator(1000, -12).frame())
    relay.set_mode(Mode.IDLE)
    pending = asyncio.ensure_future(relay.recv())
    relay.push(0, b"ignored", 48000)
    await asyncio.sleep(0)  # let recv reach its wait
    assert not pending.done()
    relay.set_mode(Mode.PACED)
    async with asyncio.timeout(2):
        packet = await pending
    assert len(bytes(packet)) > 10  # an encoded tone, not the ignored relay payload
    relay.stop()


async def test_paced_frames_are_20_ms_apart_on_the_timeline():
    relay = track()
    relay.set_mode(Mode.PACED)
    got = [await relay.recv() for _ in range(4)]
    assert [p.pts - got[0].pts for p in got] == [0, STEP, 2 * STEP, 3 * STEP]


async def test_stop_ends_a_waiting_recv():
    from aiortc.mediastreams import MediaStreamError

    relay = track()
    relay.set_mode(Mode.IDLE)
    pending = asyncio.ensure_future(relay.recv())
    await asyncio.sleep(0)
    relay.stop()
    with pytest.raises(MediaStreamError):
        async with asyncio.timeout(2):
            await pending


def test_relay_patches_fail_loudly_on_drift(monkeypatch):
    """The relay relies on aiortc packing the av.Packet a track returns and on the receiver's jitter
    buffer: if either moves, apply() says so instead of relaying nothing."""
    import inspect

    from console.media import patches

    monkeypatch.setattr(inspect, "getsource", lambda obj: "nothing recognisable")
    with pytest.raises(patches.PatchError, match="packs the av.Packet.*aiortc==1.16.0"):
        patches._check_encoded_send()
    with pytest.raises(patches.PatchError, match="JitterBuffer"):
        patches._patch_jitter_buffer()


async def test_a_new_talker_starts_its_own_timestamp_mapping():
    """A transfer: the next talker's timestamps have nothing to do with the last one's; none of its
    packets may be taken for late ones."""
    relay = track()
    relay.set_mode(Mode.RELAY, "x")
    relay.push(100_000, b"x1", 48000)
    first = await relay.recv()
    relay.set_mode(Mode.RELAY, "y")
    relay.push(100_000 - STEP, b"y1", 48000)  # behind x's last timestamp
    async with asyncio.timeout(2):
        got = await relay.recv()
    assert bytes(got) == b"y1" and got.pts > first.pts
    assert relay.relay_dropped == 0
