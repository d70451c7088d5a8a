"""ConferenceMix in memory: each party hears the sum of the others, never itself; queues stay bounded."""

from __future__ import annotations

import numpy as np

from console.media.tones import FRAME_SAMPLES, ToneGenerator, tone_share
from console.switch.conference import MIX_QUEUE_FRAMES, ConferenceMix

RATE = 48000


def test_each_party_hears_the_others_and_not_itself():
    mix = ConferenceMix()
    mix.set_members({"op1": "op", "op2": "op", "a": "a", "b": "b"})  # the operator's two legs are one party
    tones = {"op1": ToneGenerator(400, -12), "a": ToneGenerator(700, -12), "b": ToneGenerator(1100, -12)}
    heard: dict[str, list[bytes]] = {leg: [] for leg in ("op1", "op2", "a", "b")}
    for _ in range(20):
        for leg, tone in tones.items():
            mix.heard(leg, tone.frame())
        mix.heard("op2", bytes(FRAME_SAMPLES * 2))  # the held leg sends silence
        for leg in heard:
            frame = mix.frame_for(leg)
            heard[leg].append(frame if frame is not None else bytes(FRAME_SAMPLES * 2))
    share = {leg: {hz: tone_share(np.frombuffer(b"".join(frames), "<i2"), RATE, hz) for hz in (400, 700, 1100)}
             for leg, frames in heard.items()}
    for leg in ("op1", "op2"):
        assert share[leg][400] < 0.01 and share[leg][700] > 0.4 and share[leg][1100] > 0.4, share[leg]
    assert share["a"][700] < 0.01 and share["a"][400] > 0.4 and share["a"][1100] > 0.4
    assert share["b"][1100] < 0.01 and share["b"][400] > 0.4 and share["b"][700] > 0.4


def test_a_talker_nobody_reads_never_grows_the_mix_and_the_sum_clips():
    mix = ConferenceMix()
    mix.set_members({"a": "a", "b": "b", "c": "c"})
    loud = np.full(FRAME_SAMPLES, 30000, "<i2").tobytes()
    for _ in range(1000):
        mix.heard("a", loud)
        mix.heard("b", loud)
    assert mix.dropped >= 2 * (1000 - MIX_QUEUE_FRAMES)
    out = np.frombuffer(mix.frame_for("c"), "<i2")
    assert out.max() == 32767  # 60000 clipped, not wrapped around
    assert mix.frame_for("stranger") is None
    mix.set_members({"a": "a"})
    assert mix.frame_for("a") is None  # nobody else left
