"""The sound card's buffering follows ``[audio] latency_ms`` (console.media.latency), and a card that runs dry is
reopened with larger buffers; on a real PulseAudio server (bench/pulse_server.py), asked through ``pactl``.

No wall-clock speed is asserted: what the server reports it buffers for our stream, and which buffers the stream
was opened with.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time

from console.media.hub import DeviceHub
from console.media.latency import DeviceLatency
from console.media.portaudio import PyAudioDevice
from store_wait import polled

HEADSET = "pulse:sink=headset,source=mic"


async def until(predicate, what: str, timeout: float = 15.0, step: float = 0.05) -> None:
    """Poll state that has no event of its own (the server's view of a stream, the hub's watch)."""
    await polled(predicate, what, timeout, step)


def our_sink_input_ms(pulse) -> float | None:
    """The server's buffer latency (ms) of this process's one playback stream, None while it has none."""
    inputs = json.loads(pulse.pactl("--format=json", "list", "sink-inputs").stdout or "[]")
    ours = [i for i in inputs if str(i.get("properties", {}).get("application.process.id")) == str(os.getpid())]
    if len(ours) != 1 or not ours[0].get("buffer_latency_usec"):
        return None
    return float(ours[0]["buffer_latency_usec"]) / 1000


async def opened_with(pulse, latency_ms: int) -> tuple[int, float]:
    """Open the headset with ``latency_ms``: PortAudio's period (samples) and the most the server buffers (ms) for
    our playback stream over 10 looks once the card plays (before, the stream holds what PortAudio primed it with:
    its 3 periods, whatever was asked)."""
    hub = DeviceHub.open(HEADSET, latency_ms=latency_ms)
    assert isinstance(hub.device, PyAudioDevice)
    hub.start()
    try:
        await until(lambda: hub.device.frames_played + hub.device.underruns > 50, "the card plays a second (silence here)")
        looks: list[float] = []
        await until(lambda: looks.append(our_sink_input_ms(pulse) or 0) or len(looks) >= 10, "10 looks at the server")
        return hub.device._stream._frames_per_buffer, max(looks)
    finally:
        hub.stop()


async def test_the_stream_opens_with_the_buffers_the_latency_setting_asks(pulse):
    """20 ms asks PortAudio for 10 ms periods and the server for 20 ms; 80 ms for 40 ms periods and 80 ms. The
    server's own report of our playback stream's buffer is at most what was asked (it was 60 ms whatever was asked,
    then PortAudio's 3 periods, 30 and 120 ms: libpulse reads PULSE_LATENCY_MSEC when the stream starts, which
    is after it opens)."""
    small_period, small = await opened_with(pulse, 20)
    large_period, large = await opened_with(pulse, 80)
    assert 10 <= small <= 20, small
    assert 40 <= large <= 80, large
    assert small_period == DeviceLatency(20).frames_per_buffer == 480
    assert large_period == DeviceLatency(80).frames_per_buffer == 1920


async def test_a_card_that_runs_dry_is_reopened_with_larger_buffers(pulse, caplog):
    """A machine too busy for 10 ms: the card's callback comes late again and again (here it stalls 60 ms every
    25 callbacks), PortAudio flags the underflows, and the hub's watch reopens the card with twice the buffering,
    logs one line saying so, and the call's audio goes on through the new stream."""
    caplog.set_level(logging.WARNING, logger="console.media.failover")
    hub = DeviceHub.open(HEADSET, latency_ms=10)
    first = hub.device
    assert isinstance(first, PyAudioDevice) and first.latency == DeviceLatency(10)
    calls = {"n": 0}
    callback = first._callback

    def slow_machine(in_data, frame_count, status=0):
        calls["n"] += 1
        if calls["n"] % 25 == 0:
            time.sleep(0.06)  # on PortAudio's thread: the card runs dry meanwhile
        return callback(in_data, frame_count, status)

    first._callback = slow_machine
    hub.start()
    owner = object()
    hub.focus(owner)
    try:
        await until(lambda: hub.device is not first, "the watch reopens the card that runs dry", timeout=30.0)
        second = hub.device
        assert isinstance(second, PyAudioDevice) and second.latency == DeviceLatency(20)
        assert first.xruns >= 3 and hub.focused is owner and not hub.degraded
        lines = [r.getMessage() for r in caplog.records if "ran dry" in r.getMessage()]
        assert len(lines) == 1 and "10 ms" in lines[0] and "20 ms" in lines[0], lines
        await until(lambda: (our_sink_input_ms(pulse) or 0) >= 20, "the server buffers 20 ms or more for it")
        frames = hub.mic_frames
        await until(lambda: hub.mic_frames >= frames + 10, "the microphone goes on through the new stream")
    finally:
        hub.stop()


async def test_a_server_too_busy_to_answer_is_not_a_vanished_headset(pulse, monkeypatch):
    """The watch looks the headset's sink up with ``pactl`` every second; on a loaded machine pactl may get no
    answer in time (seen in the benchmark at load 7: the headset was dropped for the silent device mid-call).
    No answer is not evidence that the sink is gone; a sink the server no longer lists is."""
    device = PyAudioDevice.open(HEADSET)
    try:
        assert device.still_there()
        monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent/native")  # pactl gets no answer
        assert device.still_there()
        monkeypatch.setenv("PULSE_SERVER", pulse.server)
        pulse.unload_sink("headset")
        assert not device.still_there()
    finally:
        device.stop()


async def test_a_card_that_starts_late_does_not_keep_what_queued_meanwhile(pulse):
    """A PulseAudio stream may start pulling 1-2 s after it opened (the bench's null sinks do, every time), while
    the far end's frames already come; afterwards one comes and one goes per tick, and the pile stayed: 60-80 ms
    more mouth-to-ear, given back a frame a second (the bench saw 97, 77, then 57 ms echoes). A pile of quiet
    frames (a pause) is now given back within 200 ms of pulls: then at most two frames wait (one in flight).
    The speaker's own ticks bring the next frame (an output-only card ticks its owner every 20 ms), so frames come
    exactly as fast as they go."""
    device = PyAudioDevice.open("pulse:sink=headset", output_only=True)
    pause = bytes(1920)
    for _ in range(5):  # what came before the card's first pull
        device.play(pause)
    device.start(asyncio.get_running_loop(), lambda _tick: device.play(pause))  # then one per tick of the card
    try:
        await until(lambda: device.frames_played >= 40, "the card plays 40 frames (800 ms)")
        assert device.queued <= 2 and device.underruns == 0, (device.queued, device.underruns)
    finally:
        device.stop()


async def test_a_card_whose_server_stops_pulling_is_still_closed_at_once(pulse):
    """The call ends while the audio server has stopped answering (stopped here with SIGSTOP; seen once at load 7,
    the benchmark hung for good at a hang-up): closing the card must not wait for the server to take what is still
    queued (Pa_StopStream waits for the callback thread to play it out; closing discards it)."""
    import signal

    hub = DeviceHub.open(HEADSET, latency_ms=20)
    hub.start()
    stopped = False
    try:
        await until(lambda: hub.device.frames_played + hub.device.underruns > 50, "the card plays a second")
        os.kill(pulse.process.pid, signal.SIGSTOP)
        stopped = True
        await asyncio.sleep(0.3)  # the card's buffers fill up: nothing is taken any more
        closing = asyncio.get_running_loop().run_in_executor(None, hub.stop)
        done, _ = await asyncio.wait({closing}, timeout=5.0)
        assert done, "closing the card waited for a server that does not answer"
    finally:
        if stopped:
            os.kill(pulse.process.pid, signal.SIGCONT)
