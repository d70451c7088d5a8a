"""Real audio and video through the real switch: tones measured by FFT, hold by frames that stop and resume."""

from __future__ import annotations

import asyncio
import wave

import pytest

from console.media.devices import NullDevice, WavDevice
from console.media.sinks import RecordingSink, VideoSink
from console.media.tones import dominant_frequency, level_dbfs, sine, tone_present, to_pcm
from console.switch.media import TONE_HZ, NullMediaPlane
from console.switch.rtc_plane import RtcMediaPlane
from console.webrtc import CALL_STATES, DISC_REASON
from console_harness import Console
from media_harness import RATE, hears, media_console, media_dial

S = CALL_STATES


@pytest.fixture
async def media_switch(make_switch):
    return await make_switch(media=RtcMediaPlane(connect_timeout=5.0), ring_timeout=5.0, session_lifetime=30.0)


async def silent_for(sink: RecordingSink, frames: int = 10, within: float = 0.4) -> bool:
    """True if fewer than ``frames`` frames arrived in ``within`` seconds (frames stopped)."""
    try:
        await sink.wait_more(frames, within)
    except (TimeoutError, asyncio.TimeoutError):
        return True
    return False


async def test_the_tone_service_arrives_at_its_frequency_and_level(media_switch):
    op, device = await media_console(media_switch, "operator")
    call, sink = media_dial(op, "9001")
    await op.call_state(call, S.CONNECTED)
    samples = await hears(sink, TONE_HZ, "the 1000 Hz tone")
    assert abs(dominant_frequency(samples, RATE) - TONE_HZ) < 5
    assert -15 < level_dbfs(samples) < -9
    # the focused call also reaches the speaker
    heard = device.heard(0.3)
    assert tone_present(heard, RATE, TONE_HZ)
    await op.close()


async def test_echo_returns_what_the_wav_microphone_says(media_switch, tmp_path):
    path = tmp_path / "mic.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1); wav.setsampwidth(2); wav.setframerate(16000)
        wav.writeframes(to_pcm(sine(700, -10, 16000 * 2, rate=16000)))
    device = WavDevice(str(path))
    op = Console(media_switch.url, {"device": device})
    await op.login("operator", "operator")
    call, sink = media_dial(op, "9000")
    await op.call_state(call, S.CONNECTED)
    samples = await hears(sink, 700, "the echoed 700 Hz")
    assert abs(dominant_frequency(samples, RATE) - 700) < 5
    await op.close()


async def test_two_consoles_hear_each_other_and_hold_stops_the_frames(media_switch):
    alice, _ = await media_console(media_switch, "alice", mic_hz=600)
    bob, _ = await media_console(media_switch, "bob", mic_hz=900)
    call, a_sink = media_dial(alice, "202")
    incoming = await bob.next_incoming()
    b_sink = RecordingSink()
    incoming.set_audio_element(b_sink)
    incoming.answer()
    await alice.call_state(call, S.CONNECTED)
    await hears(a_sink, 900, "bob at alice")
    await hears(b_sink, 600, "alice at bob")
    for cycle in range(10):
        call.hold()
        await alice.call_state(call, S.HELD)
        await bob.call_state(incoming, S.HOLDING)
        assert await silent_for(a_sink), f"cycle {cycle}: alice still receives while holding"
        samples = await hears(b_sink, 523.25, "music on hold at bob") if cycle == 0 else b_sink.samples(0.3)
        assert not tone_present(b_sink.samples(0.2), RATE, 600), f"cycle {cycle}: bob still hears alice"
        call.retrieve()
        await alice.call_state(call, S.CONNECTED)
        await hears(a_sink, 900, f"cycle {cycle}: bob again at alice")
        await hears(b_sink, 600, f"cycle {cycle}: alice again at bob")
    await alice.close(); await bob.close()


async def test_only_the_focused_call_reaches_the_speaker(media_switch):
    op, device = await media_console(media_switch, "operator")
    alice, _ = await media_console(media_switch, "alice", mic_hz=600)
    bob, _ = await media_console(media_switch, "bob", mic_hz=900)
    sinks = {}
    calls = {}
    for number, console in (("201", alice), ("202", bob)):
        calls[number], sinks[number] = media_dial(op, number)
        incoming = await console.next_incoming()
        incoming.set_audio_element(RecordingSink())
        incoming.answer()
        await op.call_state(calls[number], S.CONNECTED)
    calls["9001"], sinks["9001"] = media_dial(op, "9001")
    await op.call_state(calls["9001"], S.CONNECTED)
    expected = {"201": 600, "202": 900, "9001": TONE_HZ}
    for number in ("9001", "201", "202", "9001"):
        if calls[number].get_state() is S.HELD:
            calls[number].retrieve()
            await op.call_state(calls[number], S.CONNECTED)
        await hears(sinks[number], expected[number], f"{number} in its sink")
        await op.measured(lambda: tone_present(device.heard(0.3), RATE, expected[number]), f"{number} at the speaker")
        heard = device.heard(0.3)
        for other, hz in expected.items():
            if other != number:
                assert not tone_present(heard, RATE, hz, min_share=0.1), f"{other} mixed into {number}"
        assert [c for c in calls.values() if c.get_state() is S.CONNECTED] == [calls[number]]
    for c in (op, alice, bob):
        await c.close()


async def test_video_between_two_consoles(media_switch):
    alice, _ = await media_console(media_switch, "alice", mic_hz=600)
    bob, _ = await media_console(media_switch, "bob", mic_hz=900)
    media_events = []
    call = alice.watch(alice.inst.create_outgoing_call())
    a_local, a_remote = VideoSink(), VideoSink()
    call.set_media_state_handler(lambda c: media_events.append(c.get_media_video_active()))
    call.set_video_elements(a_local, a_remote)
    call.dial("202")
    incoming = await bob.next_incoming()
    b_local, b_remote = VideoSink(), VideoSink()
    incoming.set_video_elements(b_local, b_remote)
    incoming.answer()
    await alice.call_state(call, S.CONNECTED)
    await a_remote.wait_for(10, timeout=10)
    await b_remote.wait_for(10, timeout=10)
    assert a_remote.size == (320, 240) and b_remote.size == (320, 240)
    assert call.get_media_video_active() and incoming.get_media_video_active()
    assert media_events and media_events[-1] is True
    await alice.close(); await bob.close()


async def test_media_failure_ends_the_call_with_media_on_both_sides(make_switch):
    switch = await make_switch(media=RtcMediaPlane(connect_timeout=1.0))
    op, _ = await media_console(switch, "operator")
    call, sink = media_dial(op, "9001")
    await op.until(lambda: call.media is not None and call.id is not None, "media started")
    await call.media.close()  # the console's media stack dies before ICE completes
    await op.call_state(call, S.DISCONNECTED, timeout=10)
    assert call.get_disconnect_reason() is DISC_REASON.MEDIA
    await op.close()


async def test_equipment_when_the_switch_cannot_allocate_media(make_switch):
    switch = await make_switch(media=NullMediaPlane())
    op, _ = await media_console(switch, "operator")
    call, _ = media_dial(op, "9000")
    await op.call_state(call, S.DISCONNECTED)
    assert call.get_disconnect_reason() is DISC_REASON.EQUIPMENT
    full = await make_switch(media=RtcMediaPlane(max_media=0))
    op2, _ = await media_console(full, "operator")
    call2, _ = media_dial(op2, "9001")
    await op2.call_state(call2, S.DISCONNECTED)
    assert call2.get_disconnect_reason() is DISC_REASON.EQUIPMENT
    await op.close(); await op2.close()


async def test_restored_console_hears_its_call_again(media_switch):
    op, _ = await media_console(media_switch, "operator")
    call, sink = media_dial(op, "9001")
    await hears(sink, TONE_HZ, "tone before the restart")
    identifier = op.inst.get_login_identifier()
    await op.close()  # the process ends mid-call
    again = Console(media_switch.url, {"device": NullDevice()})
    new_sink = RecordingSink()
    def on_restore(restored):
        again.watch(restored)
        again.restored.append(restored)
        restored.set_audio_element(new_sink)
    again.inst.try_restore_login(media_switch.url, False, False, identifier, on_restore)
    await again.until(lambda: again.restored and again.restored[0].get_state() is S.CONNECTED, "restored call")
    await hears(new_sink, TONE_HZ, "tone after the restore", timeout=10)
    await again.close()


async def test_an_incoming_call_rings_the_speaker_until_answered(media_switch):
    op, device = await media_console(media_switch, "operator")
    alice, _ = await media_console(media_switch, "alice", mic_hz=600)
    media_dial(alice, "200")
    incoming = await op.next_incoming()
    op.inst.set_ringing(True)  # what the switchboard's store does while a call rings here
    await op.measured(lambda: tones_at(device, 440.0), "the ring at the speaker")
    op.inst.set_ringing(False)
    incoming.set_audio_element(RecordingSink())
    incoming.answer()
    await op.measured(lambda: tones_at(device, 600.0), "alice's voice instead of the ring")
    assert not tone_present(device.heard(0.2), RATE, 440.0, min_share=0.1)
    await op.close(); await alice.close()


def tones_at(device, hz):
    return tone_present(device.heard(0.2), RATE, hz, min_share=0.3)
