"""A sound card's 10 ms callbacks and the console's 20 ms frames: the half frame each side may wait for nothing.

The card's clock and the loop's drift against each other, so where a frame boundary falls between two callbacks
is chance, and it moves: a received frame may wait up to 20 ms for the callback that starts it, a microphone frame
up to 20 ms for the sending track's tick. The speaker skips 10 ms of quiet audio when for half a second every
wait was half a frame longer than needed (speech is never cut); the sending track's clock follows the card's.
No sound card: the PortAudio callback is called directly, as PortAudio's thread would; the hub gets a clock.
"""

from __future__ import annotations

import asyncio

import pytest

from console.media import tones
from console.media.hub import DeviceHub
from console.media.portaudio import PyAudioDevice

HALF = 480  # samples per callback (10 ms periods)
QUIET = bytes(2 * HALF)


def card() -> PyAudioDevice:
    return PyAudioDevice(pa=None, stream=None, name="test card")


def run_speaker(device: PyAudioDevice, frame: bytes, callbacks: int, after: int = 1) -> list[int]:
    """Callbacks every 10 ms; a frame arrives every 20 ms, ``after`` ms after a callback that starts one (so it
    waits through the next callback for nothing). The playout level at each callback that does not start a frame."""
    levels = []
    arrivals = 0
    now = [0.0]
    device._clock = lambda: now[0] / 1000
    for n in range(callbacks):
        while 20 * arrivals - 20 + after < 10 * n:  # the first one before the first callback
            now[0] = 20 * arrivals - 20 + after
            device.play(frame)
            arrivals += 1
        now[0] = 10 * n
        if device._out_pending:
            levels.append(device.queued)
        device._callback(None, HALF)
    return levels


def test_a_received_frame_that_always_waits_half_a_frame_is_played_10_ms_sooner_in_a_pause():
    device = card()
    levels = run_speaker(device, bytes(1920), 120)
    assert levels[0] == 1 and levels[-1] == 0, levels  # then it arrives in time for the callback that starts it
    assert device.underruns == 0


def test_a_frame_that_comes_just_before_the_callback_keeps_its_margin():
    device = card()
    levels = run_speaker(device, bytes(1920), 120, after=8)  # at the callback inside a frame it waited 2 ms
    assert set(levels) == {1}


def test_speech_is_not_cut_to_move_the_speaker_s_phase():
    device = card()
    speech = tones.ToneGenerator(700, -20).frame()
    levels = run_speaker(device, speech, 120)
    assert set(levels) == {1}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Card(PyAudioDevice):
    """A card's clock (``stalls``) without a stream: the test hands its microphone frames to the hub."""

    def __init__(self) -> None:
        super().__init__(pa=None, stream=None, name="test card")
        self.on_mic = None

    def start(self, loop, on_mic_frame):
        self.on_mic = on_mic_frame


def focused_hub(device) -> tuple[DeviceHub, Clock, object]:
    hub = DeviceHub(device, watch=False)
    hub._clock = clock = Clock()
    hub.start(loop=object())
    owner = object()
    hub.focus(owner)
    return hub, clock, owner


def test_the_sending_clock_moves_sooner_when_every_mic_frame_waited_for_it():
    """Each frame of the card completes 15 ms before the sending track's tick: after half a second the hub says
    the track's clock should tick 11 ms sooner (a 4 ms margin is kept for the card's jitter), once."""
    card = Card()
    hub, clock, owner = focused_hub(card)
    shifts = []
    for tick in range(40):
        clock.now = tick * 0.02
        card.on_mic(bytes(1920))
        clock.now += 0.015
        assert hub.mic_frame(owner) is not None
        shifts.append(hub.mic_clock_shift(owner))
    moved = [s for s in shifts if s]
    assert len(moved) == 1 and moved[0] == pytest.approx(-0.011), moved


def test_a_tick_that_finds_no_frame_while_they_flow_moves_later():
    card = Card()
    hub, clock, owner = focused_hub(card)
    card.on_mic(bytes(1920))
    assert hub.mic_frame(owner) is not None
    clock.now = 0.019  # the next frame is due any moment
    assert hub.mic_frame(owner) is None
    assert hub.mic_clock_shift(owner) == pytest.approx(0.005)
    assert hub.mic_clock_shift(owner) == 0.0


def test_a_virtual_device_and_a_jittery_card_leave_the_sending_clock_alone():
    from console.media.devices import NullDevice

    class Virtual(NullDevice):
        def start(self, loop, on_mic_frame):
            self.on_mic = on_mic_frame

    for device, waits in ((Virtual(), lambda tick: 0.015), (Card(), lambda tick: 0.003 if tick % 10 == 0 else 0.015)):
        hub, clock, owner = focused_hub(device)
        for tick in range(40):
            clock.now = tick * 0.02
            device.on_mic(bytes(1920))
            clock.now += waits(tick)
            hub.mic_frame(owner)
            assert hub.mic_clock_shift(owner) == 0.0


async def test_a_shifted_clock_ticks_no_sooner_than_its_new_time():
    from console.media.tracks import _Clock

    loop = asyncio.get_running_loop()
    clock = _Clock(0.02)
    await clock.tick()
    clock.shift(0.03)  # the next tick is due 50 ms after the first
    start = clock._start
    await clock.tick()
    assert loop.time() >= start + 0.02
    assert start == pytest.approx(clock._start) and clock._tick == 1
