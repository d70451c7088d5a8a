"""What the operator set survives a crash of the console (issue 19, item 6): an operator journey with real media.

The console is dropped as ``kill -9`` would drop it (no logout; the files left as they were on disk), a new one
is built on the same data folder and restores the session. The switch's legs and what the far ends hear are
the ground truth.
"""

from __future__ import annotations

import asyncio
import wave

import pytest

from console.core.enums import CALL_STATES, LOGIN_STATES
from console.media.devices import NullDevice
from console.media.sinks import RecordingSink
from console.media.tones import ToneGenerator, level_dbfs
from console.persist import AppDirs, BoardFile, CallHistory, RecordingFolder, SessionFile
from console.store import AppState, Controller, client_factory
from console.switch.rtc_plane import RtcMediaPlane
from media_harness import RATE, hears, media_console, media_dial, store_until
from store_wait import polled

S = CALL_STATES
TIMEOUT = 15.0
OPERATOR_HZ, ALICE_HZ, BOB_HZ = 1000, 600, 900


@pytest.fixture
async def media_switch(make_switch):
    return await make_switch(media=RtcMediaPlane(connect_timeout=10.0), session_lifetime=60.0)


async def until(controller: Controller, predicate, timeout: float = TIMEOUT) -> AppState:
    return await store_until(controller, predicate, timeout=timeout)


async def measured(predicate, what: str, timeout: float = TIMEOUT, every: float = 0.02) -> None:
    """Poll a measurement (audio, which posts no event) until it holds."""
    await polled(predicate, what, timeout, every)


async def stays_quiet(sink: RecordingSink, what: str, frames: int = 50) -> None:
    """The next ``frames`` frames the far end receives (they keep arriving: the call is up) are silence."""
    await sink.wait_more(frames, TIMEOUT)
    level = level_dbfs(sink.samples(frames * 0.02 * 0.9))
    assert level < -60, f"{what}: {level:.1f} dBFS"


def operator(dirs: AppDirs, clock, wall) -> Controller:
    device = NullDevice(mic=ToneGenerator(OPERATOR_HZ, -12).frame)
    return Controller(client_factory(device=device), sessions=SessionFile(dirs), history=CallHistory(dirs),
                      board=BoardFile(dirs), media=True, recordings=RecordingFolder(dirs), clock=clock, wall=wall)


def leg_of(switch, username: str, call_id: str):
    for session in switch.exchange.sessions.values():
        if session.username == username and call_id in session.legs:
            return session.legs[call_id]
    return None


async def test_a_crash_brings_back_mute_hold_time_consultation_selection_and_a_valid_recording(media_switch, tmp_path):
    """Issue 19: "A restart restores mute (a muted microphone stays muted), hold times, the consultation link
    and the selection; a recording resumes (or the card says it stopped), and a recording cut by a crash is a
    valid WAV (header kept current while recording, or repaired at start)."

    Alice calls the operator; the operator consults bob about her (she waits on hold), mutes the call to bob,
    records it, and the console dies. The new console: mute on and bob hears silence, alice's hold time goes on,
    the consultation call is the selected one, ``j`` hands alice to bob, the recording goes on (or says it
    stopped) and the file the crash cut is a valid WAV of about the length recorded."""
    switch = media_switch
    dirs = AppDirs(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    now = [0.0]
    clock = lambda: asyncio.get_running_loop().time() + now[0]  # noqa: E731 - the console was away: time jumps
    wall = lambda: 1.7e9 + clock()  # noqa: E731
    alice, _ = await media_console(switch, "alice", mic_hz=ALICE_HZ)
    bob, _ = await media_console(switch, "bob", mic_hz=BOB_HZ)
    first = operator(dirs, clock, wall)
    second = None
    try:
        first.login(switch.url, "operator", "operator")
        await until(first, lambda s: s.login.logged_in)
        to_operator, a_sink = media_dial(alice, "200")
        await until(first, lambda s: bool(s.ringing_calls()))
        assert first.answer()
        state = await until(first, lambda s: any(c.state is S.CONNECTED for c in s.calls))
        waiting = state.calls[0]
        assert first.desk.consult("202")  # alice goes on hold, the operator calls bob
        incoming = await bob.next_incoming()
        b_sink = RecordingSink()
        incoming.set_audio_element(b_sink)
        incoming.answer()
        state = await until(first, lambda s: s.desk.consult is not None and s.call_in(waiting.slot).state is S.HELD
                            and any(c.key != waiting.key and c.state is S.CONNECTED for c in s.calls))
        consulting = state.call_by_key(state.desk.consult.consulting)
        assert state.focused == consulting.slot
        await hears(b_sink, OPERATOR_HZ, "bob hears the operator", timeout=TIMEOUT)

        assert first.features.toggle_mute()  # the selected call: the one to bob
        await until(first, lambda s: s.call_in(consulting.slot).muted)
        await measured(lambda: level_dbfs(b_sink.samples(0.3)) < -60, "bob hears silence once muted")
        assert first.features.toggle_recording()
        state = await until(first, lambda s: bool(s.call_in(consulting.slot).recording))
        path = state.call_in(consulting.slot).recording
        sink = first.calls.sinks[consulting.key]
        start = sink.frames
        await measured(lambda: sink.frames - start >= 125, "2.5 s of the call recorded")

        crashed = open(path, "rb").read()  # what a kill -9 leaves on disk: the file as it is now
        held_for = first.state.call_in(waiting.slot).on_hold_for(clock())
        await first.aclose()  # no logout: the session lives on at the switch
        with open(path, "wb") as file:
            file.write(crashed)
        now[0] += 90.0  # the console was away a minute and a half

        second = operator(dirs, clock, wall)
        assert second.restore(switch.url)
        state = await until(second, lambda s: s.login.logged_in and len(s.calls) == 2)
        restored = {c.call_id: c for c in state.calls}
        assert {c.call_id: c.slot for c in state.calls} == {waiting.call_id: waiting.slot,
                                                             consulting.call_id: consulting.slot}

        # the selection: the same call
        state = await until(second, lambda s: s.focused_call is not None)
        assert state.focused_call.call_id == consulting.call_id
        # the hold time goes on
        held = state.call_by_key(restored[waiting.call_id].key)
        assert held.state is S.HELD and held.on_hold_for(clock()) >= held_for + 90.0
        # mute stays on, and bob hears silence once the restored call's media runs again
        key = restored[consulting.call_id].key
        state = await until(second, lambda s: s.call_by_key(key).muted)
        await measured(lambda: key in second.calls.sinks and second.calls.sinks[key].dbfs > -40,
                       "the operator hears bob again (the restored call's media runs)")
        await stays_quiet(b_sink, "bob hears the operator's microphone after the restart")
        # the recording: resumed in a new file, or the console says it stopped
        state = await until(second, lambda s: bool(s.call_by_key(key).recording) or any(
            "recording stopped" in line.text for line in s.log))
        resumed = state.call_by_key(key).recording
        assert resumed != path
        # the file the crash cut is a valid WAV of about the length recorded
        with wave.open(path, "rb") as wav:
            assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, RATE)
            seconds = wav.getnframes() / RATE
        assert seconds >= 2.0, seconds
        on_disk = (len(crashed) - 44) / (4 * RATE)
        assert abs(seconds - on_disk) < 1.1, (seconds, on_disk)

        # j completes the consultation: alice is with bob, at the switch and in her ear
        assert second.desk.complete()
        await alice.measured(lambda: (leg := leg_of(switch, "alice", to_operator.id)) is not None
                             and leg.peer is not None and leg.peer.owner is not None
                             and leg.peer.owner.username == "bob", "alice's leg bridged to bob")
        await hears(a_sink, BOB_HZ, "alice hears bob", timeout=TIMEOUT)
        assert to_operator.get_state() is S.CONNECTED
        assert second.state.login.state is LOGIN_STATES.SUCCESS
    finally:
        if second is not None:
            await second.aclose()
        await first.aclose()
        await alice.close()
        await bob.close()
