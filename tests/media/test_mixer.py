"""The console's conference mixer (issue 20 item 6: "Conference of 3 to 8 parties mixed in the console (each
party hears the others, not itself), as baresip and pjsua do"): each member is sent the others' audio and the
operator's microphone, never its own; the operator hears every member; queues are bounded."""

from __future__ import annotations

import numpy as np
import pytest

from console.media.mixer import DEPTH, Mixer, mix
from console.media.tones import SILENT_FRAME, ToneGenerator, tone_present

RATE = 48000
TONES = {"a": 500, "b": 700, "c": 900}
MIC_HZ = 1100


class FakeHub:
    """The DeviceHub's face the mixer uses: the mic goes to the focused owner only; what it plays is kept."""

    def __init__(self, mic_hz: float | None = MIC_HZ) -> None:
        self.focused = None
        self._mic = ToneGenerator(mic_hz, -20) if mic_hz else None
        self.played: list[bytes] = []

    def mic_frame(self, owner):
        return self._mic.frame() if owner is self.focused and self._mic else None

    def speak(self, owner, pcm):
        if owner is self.focused:
            self.played.append(pcm)


def run(mixer: Mixer, members: list[str], frames: int = 25) -> dict[str, list[bytes]]:
    """Each member's far end sends its tone (decoded audio in), each member's track takes a frame (audio out)."""
    generators = {m: ToneGenerator(TONES[m], -20) for m in members}
    sent: dict[str, list[bytes]] = {m: [] for m in members}
    for _ in range(frames):
        for member in members:
            mixer.heard(member, generators[member].frame())
        for member in members:
            sent[member].append(mixer.frame_for(member) or SILENT_FRAME)
    return sent


def heard(frames: list[bytes], hz: float) -> bool:
    return tone_present(b"".join(frames[5:]), RATE, hz, min_share=0.1)


def test_each_party_hears_the_others_and_the_operator_never_itself():
    hub = FakeHub()
    mixer = Mixer(hub)
    for member in TONES:
        mixer.add(member)
    hub.focused = "a"  # the operator talks in the conference
    sent = run(mixer, list(TONES))
    for member, frames in sent.items():
        assert heard(frames, MIC_HZ), member
        for other, hz in TONES.items():
            assert heard(frames, hz) is (other != member), (member, other)
    speaker = b"".join(hub.played[5:])
    assert len(hub.played) == 25 and all(tone_present(speaker, RATE, hz, 0.1) for hz in TONES.values())


def test_without_the_focus_the_parties_carry_on_without_the_operator():
    hub = FakeHub()
    mixer = Mixer(hub)
    for member in ("a", "b"):
        mixer.add(member)
    sent = run(mixer, ["a", "b"])
    assert heard(sent["a"], TONES["b"]) and heard(sent["b"], TONES["a"])
    assert not heard(sent["a"], MIC_HZ) and hub.played == []


def test_a_muted_member_gets_the_others_but_not_the_microphone():
    hub = FakeHub()
    mixer = Mixer(hub)
    for member in ("a", "b"):
        mixer.add(member)
    hub.focused = "a"
    out = []
    gen = ToneGenerator(TONES["b"], -20)
    for _ in range(25):
        mixer.heard("b", gen.frame())
        out.append(mixer.frame_for("a", with_mic=False) or SILENT_FRAME)
    assert heard(out, TONES["b"]) and not heard(out, MIC_HZ)


def test_queues_are_bounded_and_a_removed_member_is_gone():
    mixer = Mixer(FakeHub(mic_hz=None))
    for member in ("a", "b"):
        mixer.add(member)
    gen = ToneGenerator(TONES["a"], -20)
    for _ in range(100):  # b's track stalls: a's audio must not pile up
        mixer.heard("a", gen.frame())
    assert mixer.dropped == 100 - DEPTH
    taken = [mixer.frame_for("b") for _ in range(DEPTH + 2)]
    assert sum(f is not None for f in taken) == DEPTH
    mixer.remove("a")
    mixer.heard("a", gen.frame())
    assert mixer.frame_for("b") is None and mixer.members == ("b",)


def test_at_most_seven_calls_and_the_sum_is_clipped():
    mixer = Mixer(FakeHub())
    for n in range(7):
        mixer.add(n)
    with pytest.raises(ValueError, match="at most 7"):
        mixer.add(7)
    loud = np.full(960, 30000, dtype="<i2").tobytes()
    assert np.frombuffer(mix([loud, loud]), dtype="<i2").max() == 32767
    assert mix([]) is None and mix([b"short"]) is None
