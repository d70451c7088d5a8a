"""Tone generation and analysis: what we generate reads back as what we asked for."""

from __future__ import annotations

import numpy as np
import pytest

from console.media import tones


def test_frame_format():
    frame = tones.ToneGenerator(1000, -12).frame()
    assert len(frame) == 1920 and len(tones.SILENT_FRAME) == 1920
    assert tones.from_pcm(tones.SILENT_FRAME).max() == 0


@pytest.mark.parametrize("hz", [300.0, 440.0, 1000.0, 1633.0, 3150.5])
def test_dominant_frequency_interpolates(hz):
    pcm = b"".join(tones.tone_frames(hz, -12, 200))
    assert tones.dominant_frequency(pcm, 48000) == pytest.approx(hz, abs=1.0)


@pytest.mark.parametrize("level", [-3.0, -12.0, -30.0])
def test_level_reads_back(level):
    pcm = b"".join(tones.tone_frames(1000, level, 100))
    assert tones.level_dbfs(pcm) == pytest.approx(level, abs=0.1)


def test_level_of_silence_is_minus_infinity():
    assert tones.level_dbfs(tones.SILENT_FRAME) == float("-inf")
    assert tones.level_dbfs(b"") == float("-inf")


def test_generator_is_phase_continuous():
    generator = tones.ToneGenerator(1000, -6)
    joined = tones.from_pcm(generator.frame() + generator.frame()).astype(float)
    one = tones.from_pcm(b"".join(tones.tone_frames(1000, -6, 40))).astype(float)
    assert np.abs(joined - one).max() <= 1


def test_tone_present_goertzel():
    pcm = tones.ToneGenerator(600, -20).frame()
    assert tones.tone_present(pcm, 48000, 600)
    assert not tones.tone_present(pcm, 48000, 900)
    assert not tones.tone_present(tones.SILENT_FRAME, 48000, 600)
    both = tones.ToneGenerator((600, 900), -20).frame()
    assert tones.tone_share(both, 48000, 600) == pytest.approx(0.5, abs=0.05)
    assert tones.tone_share(pcm, 48000, 600) == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("digit", list("0123456789*#ABCD"))
def test_every_dtmf_digit_is_detected(digit):
    frames = tones.dtmf_frames(digit)
    assert len(frames) == 10  # 100 ms tone + 100 ms gap
    assert tones.detect_dtmf(frames[2]) == digit
    assert tones.detect_dtmf(frames[-1]) is None


def test_dtmf_pairs():
    assert tones.dtmf_pair("5") == (770, 1336)
    assert tones.dtmf_pair("d") == (941, 1633)
    with pytest.raises(ValueError):
        tones.dtmf_pair("x")


def test_decode_a_digit_sequence_in_order():
    pcm = b"".join(tones.SILENT_FRAME for _ in range(3))
    for digit in "1955#":
        pcm += b"".join(tones.dtmf_frames(digit))
    # an offset that does not align with 20 ms blocks
    pcm = tones.silence(317) + pcm
    assert tones.decode_dtmf(pcm) == "1955#"


def test_single_tone_is_not_dtmf():
    assert tones.detect_dtmf(tones.ToneGenerator(1000, -12).frame()) is None
