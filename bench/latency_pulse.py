"""Mouth-to-ear through a real audio device path: PyAudio -> ALSA ``pulse`` -> a private PulseAudio server.

The console's headset is ``pulse:sink=headset,source=micfeed.monitor``: its
microphone is the monitor of a null sink ``micfeed`` into which this process
plays the chirp bursts (an output-only PyAudio stream); what the console plays
goes to the null sink ``headset``. ``parec`` records both monitors
(``micfeed.monitor`` = the mouth, ``headset.monitor`` = the ear), each chunk
stamped with its arrival time. Both recordings go through the same capture
path with the same latency setting, so that path's delay cancels out: the
figure is from the burst reaching the microphone to it leaving the headset,
including the console's PortAudio capture and playback buffers and the
server's buffering on both streams.

Beside it, on the same server: the device alone (``device_loopback``), the
console's PyAudioDevice with the same latency setting handing each microphone
frame straight back to its speaker, no call: the share of the figure that the
card path (PortAudio's periods and the server's buffers, both directions) is.

Used by fig_latency with the echo service (9000); returns None where
pulseaudio or ALSA's pulse plugin is missing (the figure then says so).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from console.media.latency import DEFAULT_MS, DeviceLatency
from console.media.tones import RATE
from console.webrtc import CALL_STATES

from .driver import BenchConsole, CountingSink
from .pulse_server import Monitor, PulseServer, available

S = CALL_STATES
HEADSET = "pulse:sink=headset,source=micfeed.monitor"
SEARCH_SECONDS = 0.6
MIN_MATCH = 0.3


def timeline(chunks: list[tuple[float, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """All samples and the arrival time of each (a chunk's last sample arrived when the chunk did)."""
    samples, times = [], []
    for at, data in chunks:
        pcm = np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2")
        samples.append(pcm)
        times.append(at - (pcm.size - 1 - np.arange(pcm.size)) / RATE)
    if not samples:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(samples).astype(np.float64), np.concatenate(times)


def onsets(audio: np.ndarray, times: np.ndarray, template: np.ndarray, spacing: float) -> list[float]:
    """Times where the template starts, at least ``spacing`` seconds apart (normalised correlation peaks)."""
    if audio.size < template.size:
        return []
    unit = template / np.linalg.norm(template)
    corr = np.correlate(audio, unit, mode="valid")
    energy = np.sqrt(np.convolve(audio * audio, np.ones(template.size), mode="valid"))
    score = np.where(energy > 0, corr / np.maximum(energy, 1e-9), 0.0)
    found: list[float] = []
    step = int(spacing * RATE)
    index = 0
    while index < score.size:
        window = score[index : index + step]
        peak = int(np.argmax(window))
        if window[peak] >= MIN_MATCH:
            found.append(float(times[index + peak]))
            index += peak + step // 2
        else:
            index += step
    return found


def delays(mouth: list[float], ear: list[float]) -> list[float]:
    """Milliseconds from each mouth onset to the first ear onset within SEARCH_SECONDS after it."""
    out = []
    for at in mouth:
        heard = [t for t in ear if at <= t <= at + SEARCH_SECONDS]
        if heard:
            out.append(1000.0 * (heard[0] - at))
    return out


async def console_echo_pulse(seconds: float, switch_url: str, bursts: Any, template: np.ndarray,
                             spacing: float, loopback: Any = None) -> dict[str, Any] | None:
    """Delays (ms) of the console -> switch echo -> console path through the PulseAudio device, the speaker's
    underruns (concealed frames) in the window and the window's seconds; then, with ``loopback`` (a fresh Bursts),
    the device alone's delays. None if unavailable."""
    if not available():
        return None
    from console.media.portaudio import PyAudioDevice

    saved = {name: os.environ.get(name) for name in ("PULSE_SERVER", "PULSE_SINK", "PULSE_SOURCE")}
    with tempfile.TemporaryDirectory(prefix="bench-pulse-") as tmp:
        server = PulseServer.start(Path(tmp))
        mouth = ear = loop_mouth = loop_ear = None
        feeder = None
        console = None
        out: dict[str, Any] = {"seconds": seconds}
        source = [bursts]
        try:
            server.load_sink("micfeed")
            os.environ.update(server.env())
            os.environ.pop("PULSE_SINK", None)
            os.environ.pop("PULSE_SOURCE", None)
            mouth, ear = Monitor(server, "micfeed.monitor"), Monitor(server, "headset.monitor")
            feeder = PyAudioDevice.open("pulse:sink=micfeed", output_only=True)
            feeder.start(asyncio.get_running_loop(), lambda _pcm: feeder.play(source[0].next()))
            console = BenchConsole(switch_url, device=HEADSET)
            await console.login("operator", "operator")
            call = console.dial("9000", CountingSink())
            await console.state(call, S.CONNECTED)
            out["card_start_s"] = await card_running(console.inst.media.hub)
            await asyncio.sleep(1.0)  # let both streams settle
            device = console.inst.media.hub.device
            before = (device.underruns, device.dropped)
            await asyncio.sleep(seconds)  # the measurement window: bursts go round while we wait
            same = console.inst.media.hub.device is device  # else the card was reopened with larger buffers
            out["underruns"] = device.underruns - before[0] if same else None
            out["dropped"] = device.dropped - before[1] if same else None
            out["latency_ms"] = getattr(device, "latency", None) and device.latency.ms
            now = console.inst.media.hub.device  # another card object: reopened with larger buffers (or failed)
            out["latency_ms_at_end"] = getattr(now, "latency", None) and now.latency.ms
            await console.hang_up(call)
            await console.close()
            console = None
            for recorder in (mouth, ear):
                recorder.stop()
            if loopback is not None:
                loop_mouth, loop_ear = Monitor(server, "micfeed.monitor"), Monitor(server, "headset.monitor")
                source[0] = loopback
                alone = PyAudioDevice.open(HEADSET, latency=DeviceLatency(out["latency_ms"] or DEFAULT_MS))
                alone.start(asyncio.get_running_loop(), alone.play)
                out["loopback_from"] = time.monotonic() + 1.0  # parec's first chunks come in a heap: settle first
                try:
                    await asyncio.sleep(1.0 + seconds)
                finally:
                    alone.stop()
        finally:
            if console is not None:
                await console.close()
            if feeder is not None:
                feeder.stop()
            for recorder in (mouth, ear, loop_mouth, loop_ear):
                if recorder is not None:
                    recorder.stop()
            server.stop()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    out["delays"] = measured(mouth, ear, template, spacing)
    if loop_mouth is not None:
        out["loopback"] = measured(loop_mouth, loop_ear, template, spacing, after=out.pop("loopback_from"))
    return out


async def card_running(hub: Any, timeout: float = 10.0) -> float | None:
    """Seconds until the headset's card plays (its first callbacks), None if it did not within ``timeout``.

    A stream on the private server's null sinks starts pulling 1.5-2 s after it opened (the null sink finishes
    the 2 s block it rendered while idle before it takes the new stream's latency); a card's start is not the
    mouth-to-ear figure, so the window begins once the card runs. The console gives back what piled up meanwhile
    (backlog.py)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if getattr(hub.device, "frames_played", 0) > 5:  # past the 1-2 frames PortAudio primes it with
            return round(time.monotonic() - start, 2)
        await asyncio.sleep(0.02)  # polled: the card's thread posts no event
    return None


def measured(mouth: Monitor | None, ear: Monitor | None, template: np.ndarray, spacing: float,
             after: float = 0.0) -> list[float]:
    """Delays (ms) from each burst on the mouth's recording (from ``after`` on) to it on the ear's (the first and
    last left out)."""
    mouth_audio, mouth_times = timeline(mouth.chunks if mouth else [])
    ear_audio, ear_times = timeline(ear.chunks if ear else [])
    mouth_onsets = onsets(mouth_audio, mouth_times, template, spacing)
    ear_onsets = onsets(ear_audio, ear_times, template, spacing)
    return delays([t for t in mouth_onsets[1:-1] if t >= after], ear_onsets)
