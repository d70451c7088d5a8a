"""A sound card's 10 ms callbacks and the console's 20 ms frames: the half frame each side may wait for nothing.

The card's clock and the loop's drift against each other, so where a frame boundary falls between two callbacks
is chance, and it moves: a received frame may wait up to 20 ms for the callback that starts it, a microphone frame
up to 20 ms for the sending track's tick. When for half a second every wait was half a frame longer than needed,
10 ms of quiet audio is skipped on that side and the wait is that much shorter; speech is never cut.
No sound card: the PortAudio callback is called directly, as PortAudio's thread would.
"""

from __future__ import annotations

import numpy as np

from console.media import tones
from console.media.hub import DeviceHub
from console.media.portaudio import PyAudioDevice

HALF = 480  # samples per callback (10 ms periods)
QUIET = bytes(2 * HALF)


def card() -> PyAudioDevice:
    return PyAudioDevice(pa=None, stream=None, name="test card")


def run_speaker(device: PyAudioDevice, frame: bytes, callbacks: int) -> list[int]:
    """Callbacks every 10 ms; a frame arrives every 20 ms, 1 ms after a callback that starts one (so it waits
    through the next callback for nothing). The playout level at each callback that does not start a frame."""
    levels = []
    arrivals = 0
    for n in range(callbacks):
        while 20 * arrivals - 19 < 10 * n:  # the first one 19 ms before the first callback
            device.play(frame)
            arrivals += 1
        if device._out_pending:
            levels.append(device.queued)
        device._callback(None, HALF)
    return levels


def test_a_received_frame_that_always_waits_half_a_frame_is_played_10_ms_sooner_in_a_pause():
    device = card()
    levels = run_speaker(device, bytes(1920), 120)
    assert levels[0] == 1 and levels[-1] == 0, levels  # then it arrives in time for the callback that starts it
    assert device.underruns == 0


def test_speech_is_not_cut_to_move_the_speaker_s_phase():
    device = card()
    speech = tones.ToneGenerator(700, -20).frame()
    levels = run_speaker(device, speech, 120)
    assert set(levels) == {1}


def mic_frames(device: PyAudioDevice, chunks: list[bytes]) -> list[tuple[int, bytes]]:
    """Feed microphone chunks through the callback; (callback number, frame) of each whole frame it hands over."""
    out: list[tuple[int, bytes]] = []

    class Loop:
        def call_soon_threadsafe(self, fn, frame):
            out.append((len(seen), frame))

    seen: list[int] = []
    device._loop, device._on_mic = Loop(), lambda frame: None
    for chunk in chunks:
        seen.append(1)
        device._callback(chunk, HALF)
    return out


def test_the_card_skips_10_ms_of_quiet_microphone_when_asked():
    device = card()
    device.skip_mic()
    loud = tones.ToneGenerator(700, -20).frame()[: 2 * HALF]
    got = mic_frames(device, [loud, QUIET, QUIET, QUIET, QUIET])
    # the loud chunk is kept; the first quiet one is skipped; so frames complete one callback later
    assert [n for n, _ in got] == [3, 5]
    assert got[0][1][: 2 * HALF] == loud


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class PhaseCard(PyAudioDevice):
    def __init__(self) -> None:
        super().__init__(pa=None, stream=None, name="test card")
        self.on_mic = None
        self.skips = 0

    def start(self, loop, on_mic_frame):
        self.on_mic = on_mic_frame

    def skip_mic(self) -> None:
        self.skips += 1


def test_the_hub_asks_the_card_to_skip_when_every_mic_frame_waited_half_a_frame_for_the_track():
    device = PhaseCard()
    hub = DeviceHub(device, watch=False)
    hub._clock = clock = Clock()
    hub.start(loop=object())
    owner = object()
    hub.focus(owner)
    for tick in range(40):  # the frame completes 15 ms before the track's tick, every time
        clock.now = tick * 0.02
        device.on_mic(bytes(1920))
        clock.now += 0.015
        assert hub.mic_frame(owner) is not None
    assert device.skips == 1  # once: then it waits 5 ms (the card does the skipping)
    steady = PhaseCard()
    hub = DeviceHub(steady, watch=False)
    hub._clock = clock
    hub.start(loop=object())
    hub.focus(owner)
    for tick in range(40):  # 15 ms, but 3 ms now and then: no room to move
        clock.now = tick * 0.02
        steady.on_mic(bytes(1920))
        clock.now += 0.003 if tick % 10 == 0 else 0.015
        hub.mic_frame(owner)
    assert steady.skips == 0
