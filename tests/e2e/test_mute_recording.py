"""Mute and recording (issue 11), end to end: real consoles, the real switch, real aiortc; what people hear."""

from __future__ import annotations

import asyncio
import wave

import numpy as np
import pytest

from console.media.sinks import RecordingSink
from console.media.tones import level_dbfs, tone_present
from console.switch.rtc_plane import RtcMediaPlane
from console.webrtc import CALL_STATES
from media_harness import RATE, hears, media_console, media_dial

S = CALL_STATES


@pytest.fixture
async def media_switch(make_switch):
    return await make_switch(media=RtcMediaPlane(connect_timeout=5.0), ring_timeout=5.0, session_lifetime=30.0)


async def pair(switch, a_hz: float, b_hz: float):
    alice, _ = await media_console(switch, "alice", mic_hz=a_hz)
    bob, _ = await media_console(switch, "bob", mic_hz=b_hz)
    call, a_sink = media_dial(alice, "202")
    incoming = await bob.next_incoming()
    b_sink = RecordingSink()
    incoming.set_audio_element(b_sink)
    incoming.answer()
    await alice.call_state(call, S.CONNECTED)
    await bob.call_state(incoming, S.CONNECTED)
    return alice, bob, call, incoming, a_sink, b_sink


async def quiet(sink: RecordingSink, what: str, below: float = -60.0, frames: int = 15, timeout: float = 5.0) -> None:
    """Wait until the last 0.3 s the sink received (frames still arriving) is below ``below`` dBFS."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await sink.wait_more(frames, timeout)
                if level_dbfs(sink.samples(0.3)) < below:
                    return
    except TimeoutError:
        raise AssertionError(f"{what}: still {level_dbfs(sink.samples(0.3)):.1f} dBFS") from None


async def test_a_muted_call_sends_silence_and_stays_connected_then_unmute_brings_the_tone_back(media_switch):
    alice, bob, call, incoming, a_sink, b_sink = await pair(media_switch, 600, 900)
    await hears(b_sink, 600, "alice at bob before mute")
    call.set_mute(True)
    assert call.is_muted()
    await quiet(b_sink, "bob still hears alice while she is muted")
    await b_sink.wait_more(25)  # frames keep arriving: muted, not held
    assert level_dbfs(b_sink.samples(0.4)) < -60
    assert call.get_state() is S.CONNECTED and incoming.get_state() is S.CONNECTED
    await hears(a_sink, 900, "bob still heard at alice while she is muted")
    call.set_mute(False)
    assert not call.is_muted()
    await hears(b_sink, 600, "alice again at bob after unmute")
    assert call.get_state() is S.CONNECTED
    await alice.close(); await bob.close()


async def test_mute_on_an_ended_call_is_refused(media_switch):
    alice, bob, call, incoming, _, _ = await pair(media_switch, 600, 900)
    call.disconnect()
    await alice.call_state(call, S.DISCONNECTED)
    call.set_mute(True)
    await alice.until(lambda: any("set_mute" in e for e in alice.errors), "the refusal")
    assert not call.is_muted()
    await alice.close(); await bob.close()


def wav_channels(path) -> tuple[np.ndarray, np.ndarray]:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, RATE)
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    return data[:, 0], data[:, 1]


async def test_a_recording_holds_both_directions_one_per_channel(media_switch, tmp_path):
    alice, bob, call, incoming, a_sink, b_sink = await pair(media_switch, 600, 900)
    await hears(a_sink, 900, "bob at alice")
    stops = alice.recordings.setdefault(call, [])
    path = tmp_path / "call.wav"
    call.start_recording(path)
    assert call.is_recording() and call.get_recording_path() == str(path)
    await a_sink.wait_more(60)  # 1.2 s of the call
    call.stop_recording()
    await alice.until(lambda: (None, "stopped") in stops, "the recording handler to report the stop")
    assert not call.is_recording()
    assert (path.stat().st_mode & 0o777) == 0o600
    left, right = wav_channels(path)
    assert left.size > RATE  # more than a second
    tail_l, tail_r = left[-RATE // 2:], right[-RATE // 2:]
    assert tone_present(tail_l, RATE, 600) and not tone_present(tail_l, RATE, 900), "left = alice (us)"
    assert tone_present(tail_r, RATE, 900) and not tone_present(tail_r, RATE, 600), "right = bob (far end)"
    await alice.close(); await bob.close()


async def test_a_recording_stops_at_its_limit_and_says_so(media_switch, tmp_path):
    alice, bob, call, incoming, a_sink, _ = await pair(media_switch, 600, 900)
    stops = alice.recordings.setdefault(call, [])
    path = tmp_path / "short.wav"
    call.start_recording(path, max_seconds=0.5)
    await alice.until(lambda: (None, "limit") in stops, "the limit to stop the recording")
    left, _ = wav_channels(path)
    assert left.size == 25 * 960  # exactly the limit: 25 frames of 20 ms
    assert call.get_state() is S.CONNECTED
    call.start_recording(path)  # an existing file is never overwritten
    await alice.until(lambda: any("start_recording" in e for e in alice.errors), "the refusal")
    await alice.close(); await bob.close()
