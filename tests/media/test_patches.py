"""The aiortc/aioice patches apply, are idempotent, have their effect, and fail loudly on drift."""

from __future__ import annotations

import inspect

import pytest

from console.media import patches


def test_apply_is_idempotent():
    patches.apply()
    import aioice.ice as ice
    import aiortc.rtcrtpreceiver as receiver

    first = (ice.get_host_addresses, receiver.JitterBuffer)
    patches.apply()
    assert (ice.get_host_addresses, receiver.JitterBuffer) == first
    assert patches.applied()


def test_host_addresses_include_loopback():
    patches.apply()
    import aioice.ice as ice

    assert "127.0.0.1" in ice.get_host_addresses(use_ipv4=True, use_ipv6=False)
    assert "127.0.0.1" not in ice.get_host_addresses.__wrapped__(use_ipv4=True, use_ipv6=False)


async def test_gathered_candidates_include_loopback():
    patches.apply()
    from aioice import Connection

    connection = Connection(ice_controlling=True, use_ipv6=False)
    try:
        await connection.gather_candidates()
        hosts = [c.host for c in connection.local_candidates if c.type == "host"]
        assert "127.0.0.1" in hosts
    finally:
        await connection.close()


async def test_rtc_configuration_has_no_public_stun():
    config = patches.rtc_configuration()
    assert config.iceServers == []
    custom = patches.rtc_configuration(["stun:stun.example.org:3478", {"urls": "turn:t.example.org", "username": "u", "credential": "p"}])
    assert [s.urls for s in custom.iceServers] == ["stun:stun.example.org:3478", "turn:t.example.org"]
    with pytest.raises(TypeError):
        patches.rtc_configuration([42])


async def test_receivers_use_the_configured_prefetch():
    patches.apply()
    from aiortc import RTCPeerConnection

    pc = RTCPeerConnection(patches.rtc_configuration())
    try:
        audio = pc.addTransceiver("audio")
        video = pc.addTransceiver("video")
        audio_buffer = audio.receiver._RTCRtpReceiver__jitter_buffer
        video_buffer = video.receiver._RTCRtpReceiver__jitter_buffer
        assert audio_buffer._prefetch == patches.DEFAULT_AUDIO_PREFETCH == 1  # aiortc: 4
        assert audio_buffer.capacity == 16
        assert video_buffer._prefetch == 0 and video_buffer.capacity == 512
        patches.set_audio_prefetch(3)
        assert pc.addTransceiver("audio").receiver._RTCRtpReceiver__jitter_buffer._prefetch == 3
    finally:
        patches.set_audio_prefetch(patches.DEFAULT_AUDIO_PREFETCH)
        await pc.close()


async def test_the_console_retuning_its_prefetch_leaves_the_switch_legs_alone(plane, hub):
    """``--jitter-frames`` is the console's setting: in a process that also runs the embedded switch,
    the console's peer connections take it and the switch's legs keep their own (each per connection)."""
    from console.media.call_media import CallMedia

    def audio_prefetches(pc) -> list[int]:
        return [t.receiver._RTCRtpReceiver__jitter_buffer._prefetch for t in pc.getTransceivers() if t.kind == "audio"]

    patches.set_audio_prefetch(3)  # what the CLI does with --jitter-frames 3
    media = CallMedia(hub, connect_timeout=5)
    try:
        offer = await media.create_offer()
        await plane.answer("prefetch-leg", offer)
        assert audio_prefetches(media._pc) == [3]
        assert audio_prefetches(plane._legs["prefetch-leg"].pc) == [patches.DEFAULT_AUDIO_PREFETCH]
        await plane.close("prefetch-leg")
        own = CallMedia(hub, connect_timeout=5, audio_prefetch=2)  # a call with a setting of its own
        await own.create_offer()
        assert audio_prefetches(own._pc) == [2] and patches.audio_prefetch(own._pc) == 2
        assert patches.audio_prefetch() == 3
        await own.close()
    finally:
        patches.set_audio_prefetch(patches.DEFAULT_AUDIO_PREFETCH)
        await media.close()


def test_prefetch_is_validated():
    with pytest.raises(ValueError):
        patches.set_audio_prefetch(0)
    with pytest.raises(ValueError):
        patches.set_audio_prefetch(9)


def test_fast_audio_level_matches_aiortc():
    """The numpy level gives aiortc's own numbers (the original is kept in aiortc's source)."""
    import math
    import struct

    from console.media.frames import audio_frame
    from console.media.tones import ToneGenerator, silence

    def reference(frame):  # aiortc.rtp.compute_audio_level_dbov, 1.16.0
        rms = 0.0
        for (sample,) in struct.Struct("h").iter_unpack(bytes(frame.planes[0])):
            rms += sample * sample
        rms = math.sqrt(rms / (frame.samples * 32767 * 32767))
        return round(min(max(20 * math.log10(rms), -127), 0)) if rms > 0 else -127

    for pcm in (ToneGenerator(440, -3).frame(), ToneGenerator(1000, -40).frame(), silence()):
        frame = audio_frame(pcm)
        assert patches._fast_audio_level_dbov(frame) == reference(frame)
    patches.apply()
    import aiortc.rtp as rtp

    assert rtp.compute_audio_level_dbov is patches._fast_audio_level_dbov


def test_drift_fails_loudly(monkeypatch):
    """A changed internal raises PatchError with a message, instead of silently doing nothing."""
    import aiortc.jitterbuffer
    import aiortc.rtcrtpreceiver as receiver

    monkeypatch.setattr(receiver, "JitterBuffer", aiortc.jitterbuffer.JitterBuffer)
    monkeypatch.setattr(inspect, "getsource", lambda obj: "nothing recognisable")
    with pytest.raises(patches.PatchError, match="no longer builds the audio JitterBuffer.*aiortc==1.16.0"):
        patches._patch_jitter_buffer()
    with pytest.raises(patches.PatchError, match="127.0.0.1"):
        patches._patch_loopback()


async def test_close_right_after_connect_leaves_no_rtcp_tasks():
    """One side closes the moment the other reports connected, while its own connect is still
    running: without the patch, the late connect starts RTCP tasks that never end."""
    import asyncio

    from aiortc import RTCPeerConnection

    from console.media.tracks import PacedAudioTrack

    patches.apply()
    from aiortc import RTCPeerConnection as Pc

    assert hasattr(Pc._RTCPeerConnection__connect, "__wrapped__")
    baseline = len(asyncio.all_tasks())
    for _ in range(5):
        offerer, answerer = RTCPeerConnection(patches.rtc_configuration()), RTCPeerConnection(patches.rtc_configuration())
        offerer.addTrack(PacedAudioTrack(lambda: None))
        answerer.on("track", lambda track: None)
        connected = asyncio.Event()
        offerer.on("connectionstatechange", lambda pc=offerer: pc.connectionState == "connected" and connected.set())
        await offerer.setLocalDescription(await offerer.createOffer())
        await answerer.setRemoteDescription(offerer.localDescription)
        answerer.addTrack(PacedAudioTrack(lambda: None))
        await answerer.setLocalDescription(await answerer.createAnswer())
        await offerer.setRemoteDescription(answerer.localDescription)
        async with asyncio.timeout(5):
            await connected.wait()
        await answerer.close()
        await offerer.close()
    async with asyncio.timeout(5):
        while len(asyncio.all_tasks()) > baseline:
            await asyncio.sleep(0.02)


def test_the_pins_and_the_start_up_check_agree():
    """aioice is patched by source text like aiortc: pyproject pins both exactly, the installed versions are
    the pinned ones, and the check at start names the same versions."""
    import tomllib
    from importlib.metadata import version
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]
    pins = dict(dep.split("==", 1) for dep in project["dependencies"] if "==" in dep)
    assert pins["aiortc"] == patches.AIORTC_VERSION == version("aiortc")
    assert pins["aioice"] == patches.AIOICE_VERSION == version("aioice")
    patches.check_versions()  # the installed ones pass
    patches.apply()
    import aioice.ice as ice

    assert "127.0.0.1" in ice.get_host_addresses(use_ipv4=True, use_ipv6=False)  # the patch still applies


def test_another_aioice_fails_loudly_at_start(monkeypatch):
    import aioice

    monkeypatch.setattr(aioice, "__version__", "0.14.0")
    with pytest.raises(patches.PatchError, match=r"aioice is 0\.14\.0.*aioice==0\.13\.0"):
        patches.check_versions()


def test_the_turn_tls_patch_still_applies_and_fails_loudly_on_drift(monkeypatch):
    """turns: with the console's CA file (tests/net/test_turn.py shows its effect) relies on aioice's
    relayed_candidate passing ssl=turn_ssl to turn.create_turn_endpoint."""
    patches.apply()
    import aioice.turn as turn

    assert turn.create_turn_endpoint.__wrapped__ is not None  # applied
    monkeypatch.setattr(inspect, "getsource", lambda obj: "nothing recognisable")
    with pytest.raises(patches.PatchError, match="relayed_candidate.*aioice==0.13.0"):
        patches._patch_turn_tls()


def test_rtc_configuration_relay_policy():
    from aiortc import RTCIceTransportPolicy

    assert patches.rtc_configuration([], "relay").iceTransportPolicy is RTCIceTransportPolicy.RELAY
    assert patches.rtc_configuration([]).iceTransportPolicy is RTCIceTransportPolicy.ALL
    with pytest.raises(ValueError, match="all, relay"):
        patches.rtc_configuration([], "nohost")
