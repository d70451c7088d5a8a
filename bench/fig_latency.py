"""Figure 2, mouth-to-ear latency, found by cross-correlating a chirp burst.

Every 500 ms the microphone sends a 60 ms chirp (500 -> 3000 Hz, -12 dBFS).
The sent and the heard audio are kept with the event-loop time of every
20 ms frame; each burst is found in what was heard by cross-correlation
(sample resolution) within the 450 ms after it was sent.

* "mouth" is when the microphone frame holding the burst's first sample is
  produced by the console's device clock (NullDevice), "ear" is when the
  speaker takes the frame holding it (plus the sample offset in the frame).
  So the product's figure includes everything between: the device hub's
  microphone queue, the paced sending track, Opus, loopback UDP, the
  switch's jitter buffer, relay queue and paced track, the console's jitter
  buffer and the speaker's playout buffer.
* Paths: console -> switch echo (9000) -> same console; console A -> switch
  relay -> console B; and the echo path again with the console on a real
  device path, PyAudio through ALSA's ``pulse`` device to a private PulseAudio
  server (latency_pulse.py: mouth and ear are the two null sinks' monitors).
* Baseline, bare pair in this process: "mouth" is when the sending track's
  recv() returns the frame, "ear" when the decoded frame reaches the reader
  of the received track: one hop, and two hops (the far end sends back what
  it decodes, as soon as it decodes it). No device, no playout buffer.
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np

from console.media.devices import NullDevice
from console.media.tones import FRAME_SAMPLES, RATE, amplitude
from console.webrtc import CALL_STATES

from .bare import BarePair, BarePeer, PacedTrack, mono
from .common import Figure, Scale, summary
from .driver import BenchConsole, CountingSink, demo_token
from .switch_proc import SwitchProcess

S = CALL_STATES
BURST_EVERY = 25  # frames: one burst each 500 ms
BURST_FRAMES = 3  # 60 ms
SEARCH_SECONDS = 0.45
MIN_MATCH = 0.3  # normalised correlation below this: the burst was not heard


def chirp() -> np.ndarray:
    """The burst: a linear chirp with 5 ms raised-cosine edges, as float samples."""
    n = BURST_FRAMES * FRAME_SAMPLES
    t = np.arange(n) / RATE
    f0, f1, duration = 500.0, 3000.0, n / RATE
    signal = np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * duration)))
    edge = int(0.005 * RATE)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(edge) / edge)
    signal[:edge] *= ramp
    signal[-edge:] *= ramp[::-1]
    return amplitude(-12) * signal


TEMPLATE = chirp()
BURST_PCM = [np.clip(TEMPLATE[i * FRAME_SAMPLES:(i + 1) * FRAME_SAMPLES], -32768, 32767).astype("<i2").tobytes()
             for i in range(BURST_FRAMES)]
SILENT = bytes(2 * FRAME_SAMPLES)


class Bursts:
    """The microphone side: one chirp every BURST_EVERY frames; remembers when each one left."""

    def __init__(self, clock: Any) -> None:
        self._clock = clock
        self._frame = 0
        self.sent: list[float] = []

    def next(self) -> bytes:
        phase = self._frame % BURST_EVERY
        self._frame += 1
        if phase == 0:
            self.sent.append(self._clock())
        return BURST_PCM[phase] if phase < BURST_FRAMES else SILENT


class Ear:
    """The hearing side: 20 ms frames with the loop time at which each was heard."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.frames: list[np.ndarray] = []

    def hear(self, at: float, samples: np.ndarray) -> None:
        if samples.size != FRAME_SAMPLES:  # a resampled or odd-sized frame: keep timing per sample
            samples = samples[:FRAME_SAMPLES] if samples.size > FRAME_SAMPLES else np.pad(samples, (0, FRAME_SAMPLES - samples.size))
        self.times.append(at)
        self.frames.append(samples)

    def delays(self, sent: list[float]) -> list[float]:
        """Milliseconds from each sent burst to where it is heard; bursts not found are left out."""
        if not self.frames:
            return []
        times = np.asarray(self.times)
        audio = np.concatenate(self.frames).astype(np.float64)
        template = TEMPLATE / np.linalg.norm(TEMPLATE)
        found = []
        for at in sent:
            first = int(np.searchsorted(times, at))
            last = int(np.searchsorted(times, at + SEARCH_SECONDS))
            window = audio[first * FRAME_SAMPLES : (last + BURST_FRAMES) * FRAME_SAMPLES]
            if window.size < template.size:
                continue
            corr = np.correlate(window, template, mode="valid")
            peak = int(np.argmax(corr))
            energy = np.linalg.norm(window[peak : peak + template.size])
            if energy == 0 or corr[peak] / energy < MIN_MATCH:
                continue
            index = first + peak // FRAME_SAMPLES
            heard = times[index] + (peak % FRAME_SAMPLES) / RATE
            found.append(1000.0 * (heard - at))
        return found


class BurstDevice(NullDevice):
    """A NullDevice whose microphone sends Bursts and whose speaker feeds an Ear, both on the device clock."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.bursts = Bursts(self.loop.time)
        self.ear = Ear()
        super().__init__(mic=self.bursts.next)

    def _heard(self, pcm: bytes) -> None:
        self.ear.hear(self.loop.time(), np.frombuffer(pcm, dtype="<i2"))


def first_bursts_dropped(delays: list[float]) -> list[float]:
    return delays[1:]  # the first burst may have left before the call had the microphone


async def console_echo(seconds: float) -> list[float]:
    async with SwitchProcess() as switch:
        device = BurstDevice()
        console = BenchConsole(switch.url, device=device)
        try:
            await console.login("operator", "operator")
            call = console.dial("9000", CountingSink())
            await console.state(call, S.CONNECTED)
            start = len(device.bursts.sent)
            before = (device.underruns, device.dropped)
            await asyncio.sleep(seconds)  # the measurement window: bursts go round while we wait
            sent = device.bursts.sent[start:]
            PLAYOUT["echo"] = (device.underruns - before[0], device.dropped - before[1], seconds)
            await console.hang_up(call)
        finally:
            await console.close()
    return first_bursts_dropped(device.ear.delays(sent[:-1]))


PLAYOUT: dict[str, tuple[int, int, float]] = {}
"""Per path, over its window: the ear's speaker underruns (a silent frame played: concealed) and the
frames its playout buffer dropped (too many queued), and the window's seconds."""


async def console_relay(seconds: float) -> list[float]:
    async with SwitchProcess() as switch:
        talker, listener = BurstDevice(), BurstDevice()
        a = BenchConsole(switch.url, device=talker)
        b = BenchConsole(switch.url, device=listener)
        try:
            await a.login_token(demo_token("6101"))
            await b.login_token(demo_token("6102"))
            call = a.dial("6102", CountingSink())
            incoming = await b.next_incoming()
            incoming.set_audio_element(CountingSink())
            incoming.answer()
            await a.state(call, S.CONNECTED)
            await b.state(incoming, S.CONNECTED)
            start = len(talker.bursts.sent)
            before = (listener.underruns, listener.dropped)
            await asyncio.sleep(seconds)
            sent = talker.bursts.sent[start:]
            PLAYOUT["relay"] = (listener.underruns - before[0], listener.dropped - before[1], seconds)
            await a.hang_up(call)
        finally:
            await a.close()
            await b.close()
    return first_bursts_dropped(listener.ear.delays(sent[:-1]))


async def bare(seconds: float, echo: bool) -> list[float]:
    loop = asyncio.get_running_loop()
    sent: list[float] = []
    bursts = Bursts(loop.time)
    ear = Ear()

    def on_sent(at: float, pcm: bytes) -> None:
        if pcm is BURST_PCM[0]:
            sent.append(at)

    def on_frame(at: float, frame: Any) -> None:
        ear.hear(at, mono(frame))

    near = BarePeer(track=PacedTrack(bursts.next, on_sent), on_frame=on_frame if echo else None)
    pair = BarePair(near, echo=echo)
    if not echo:
        pair.far.on_frame = on_frame
    try:
        await pair.connect()
        start = len(sent)
        await asyncio.sleep(seconds)
        window = sent[start:-1]
    finally:
        await pair.close()
    return first_bursts_dropped(ear.delays(window))


async def console_echo_pulse(seconds: float) -> dict[str, Any] | None:
    """The echo path with the console on a real device path (PyAudio -> ALSA pulse -> PulseAudio), then the device
    alone on the same server; see latency_pulse."""
    from .latency_pulse import console_echo_pulse as measure

    async with SwitchProcess() as switch:
        clock = asyncio.get_running_loop().time
        found = await measure(seconds, switch.url, Bursts(clock), TEMPLATE, BURST_EVERY * FRAME_SAMPLES / RATE,
                              loopback=Bursts(clock))
    if found is not None and found.get("underruns") is not None:
        PLAYOUT["echo_pulse"] = (found["underruns"], found["dropped"], found["seconds"])
    return found


async def run(scale: Scale) -> Figure:
    seconds = scale.pick(1.6, 4.2)
    PLAYOUT.clear()
    figure = Figure("latency", "Mouth-to-ear latency (chirp burst, cross-correlation)")
    echo = await console_echo(seconds)
    pulse_run = await console_echo_pulse(scale.pick(4.2, 6.2))
    pulse = pulse_run["delays"] if pulse_run else None
    relay = await console_relay(seconds)
    one_hop = await bare(seconds, echo=False)
    two_hops = await bare(seconds, echo=True)
    bare_two = summary(two_hops, 1)
    figure.add("echo_round_trip", "console -> switch echo -> console (2 hops)", "ms", summary(echo, 1),
               bare_two, "bare pair, 2 hops (far end sends back what it decodes)")
    if pulse:
        figure.add("echo_round_trip_pulse", "console on a PulseAudio device -> switch echo -> console (2 hops)", "ms",
                   summary(pulse, 1), bare_two, "bare pair, 2 hops",
                   note="mic = a null sink's monitor, ear = the headset sink's monitor (parec); includes "
                        "PortAudio's and the server's buffers; beside echo_round_trip (the silent virtual device)")
        figure.add("echo_pulse_vs_null", "echo through PulseAudio, against the same echo on the virtual device", "ms",
                   summary(pulse, 1), summary(echo, 1), "console -> switch echo -> console, silent virtual device",
                   note=f"[audio] latency_ms = {pulse_run.get('latency_ms')} (at the window's end: "
                        f"{pulse_run.get('latency_ms_at_end')}): the device path's cost is the difference")
    else:
        figure.notes.append("echo_round_trip_pulse not measured: pulseaudio, parec or ALSA's pulse plugin is missing")
    figure.add("relay_a_to_b", "console A -> switch relay -> console B (2 hops)", "ms", summary(relay, 1),
               bare_two, "bare pair, 2 hops")
    for key, (underruns, dropped, window) in PLAYOUT.items():
        null = PLAYOUT.get("echo") if key == "echo_pulse" else None  # concealed on the device path vs the virtual one
        figure.add(f"{key}_concealed", f"{key}: speaker frames concealed (playout underrun) per second", "frames/s",
                   summary([underruns / window], 2), summary([null[0] / null[2]], 2) if null else None,
                   "echo on the silent virtual device" if null else "", comparable=False,
                   note=f"{underruns} underruns and {dropped} frames dropped by the playout buffer in {window:g} s")
        figure.add(f"{key}_dropped", f"{key}: frames dropped by the playout buffer per second", "frames/s",
                   summary([dropped / window], 2), None)
    figure.add("bare_one_hop", "bare pair, one hop (reference)", "ms", summary(one_hop, 1), None,
               note="what one aiortc receive hop costs on its own")
    figure.details = {"echo_ms": echo, "echo_pulse_ms": pulse, "echo_pulse": pulse_run,
                      "device_alone_ms": (pulse_run or {}).get("loopback"), "relay_ms": relay, "bare_one_hop_ms": one_hop, "bare_two_hops_ms": two_hops,
                      "burst": "60 ms chirp 500-3000 Hz at -12 dBFS every 500 ms"}
    figure.notes.append("ITU-T G.114: one-way delay under 150 ms is acceptable for most uses; the echo figure is a round trip.")
    return figure
