"""Tones and tone analysis on plain numpy arrays: no aiortc, no devices.

The switch's services (tone, music on hold, IVR) are generated here, and the
tests use the analysis half to check what a call actually heard (which
frequency, how loud, which DTMF digits).

PCM is signed 16-bit mono; a "frame" is 20 ms (960 samples at 48 kHz).
"""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np

RATE = 48000
FRAME_MS = 20  # the one frame duration of the console's audio (devices, tracks, services)
FRAME_SAMPLES = RATE * FRAME_MS // 1000  # 960
FRAME_SECONDS = FRAME_MS / 1000
FULL_SCALE = 32767.0

DTMF_LOW = {"1": 697, "2": 697, "3": 697, "A": 697, "4": 770, "5": 770, "6": 770, "B": 770,
            "7": 852, "8": 852, "9": 852, "C": 852, "*": 941, "0": 941, "#": 941, "D": 941}  # fmt: skip
DTMF_HIGH = {"1": 1209, "4": 1209, "7": 1209, "*": 1209, "2": 1336, "5": 1336, "8": 1336, "0": 1336,
             "3": 1477, "6": 1477, "9": 1477, "#": 1477, "A": 1633, "B": 1633, "C": 1633, "D": 1633}  # fmt: skip
DTMF_LOW_HZ = (697, 770, 852, 941)
DTMF_HIGH_HZ = (1209, 1336, 1477, 1633)


def silence(samples: int = FRAME_SAMPLES) -> bytes:
    return bytes(2 * samples)


SILENT_FRAME = silence()


def amplitude(level_dbfs: float) -> float:
    """Peak amplitude (in s16 units) of a sine whose RMS level is ``level_dbfs``.

    dBFS here is RMS relative to a full-scale sine, so a full-scale sine is 0 dBFS
    and ``level_dbfs`` of a generated tone reads back as the level asked for.
    """
    return FULL_SCALE * 10 ** (level_dbfs / 20)


def sine(hz: float, level_dbfs: float, samples: int, rate: int = RATE, start: int = 0) -> np.ndarray:
    """Float samples of a sine starting at sample index ``start`` (phase-continuous across calls)."""
    t = (np.arange(samples) + start) / rate
    return amplitude(level_dbfs) * np.sin(2 * math.pi * hz * t)


def to_pcm(samples: np.ndarray) -> bytes:
    """Float or int samples -> s16 little-endian bytes, clipped."""
    return np.clip(np.rint(samples), -32768, 32767).astype("<i2").tobytes()


def from_pcm(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2")


class ToneGenerator:
    """An endless phase-continuous tone (one or more frequencies summed), frame by frame."""

    def __init__(self, hz: float | tuple[float, ...], level_dbfs: float, rate: int = RATE) -> None:
        self.freqs = (hz,) if isinstance(hz, (int, float)) else tuple(hz)
        self.level_dbfs = level_dbfs
        self.rate = rate
        self._position = 0

    def frame(self, samples: int = FRAME_SAMPLES) -> bytes:
        total = np.zeros(samples)
        for hz in self.freqs:
            total += sine(hz, self.level_dbfs, samples, self.rate, self._position)
        self._position += samples
        return to_pcm(total)

    def __iter__(self) -> Iterator[bytes]:
        while True:
            yield self.frame()


def tone_frames(hz: float | tuple[float, ...], level_dbfs: float, ms: int, rate: int = RATE) -> list[bytes]:
    """``ms`` milliseconds (a multiple of 20) of a tone as 20 ms frames."""
    generator = ToneGenerator(hz, level_dbfs, rate)
    per_frame = rate * FRAME_MS // 1000
    return [generator.frame(per_frame) for _ in range(ms // FRAME_MS)]


def dtmf_pair(digit: str) -> tuple[int, int]:
    """The (low, high) frequencies of a DTMF digit (0-9, *, #, A-D)."""
    key = digit.upper()
    if key not in DTMF_LOW:
        raise ValueError(f"not a DTMF digit: {digit!r}")
    return DTMF_LOW[key], DTMF_HIGH[key]


def dtmf_frames(digit: str, level_dbfs: float = -16.0, tone_ms: int = 100, gap_ms: int = 100) -> list[bytes]:
    """A digit as frames: its tone pair (each frequency at ``level_dbfs``) then silence."""
    frames = tone_frames(dtmf_pair(digit), level_dbfs, tone_ms)
    return frames + [SILENT_FRAME] * (gap_ms // FRAME_MS)


# --- analysis ---------------------------------------------------------------


def _as_float(samples: np.ndarray | bytes) -> np.ndarray:
    if isinstance(samples, (bytes, bytearray, memoryview)):
        samples = from_pcm(bytes(samples))
    return np.asarray(samples, dtype=np.float64)


def level_dbfs(samples: np.ndarray | bytes) -> float:
    """RMS level in dBFS (a full-scale sine reads 0); -inf for digital silence."""
    x = _as_float(samples)
    if x.size == 0:
        return float("-inf")
    rms = math.sqrt(float(np.mean(x * x)))
    if rms == 0:
        return float("-inf")
    return 20 * math.log10(rms * math.sqrt(2) / FULL_SCALE)


def dominant_frequency(samples: np.ndarray | bytes, rate: int = RATE) -> float:
    """The strongest frequency, from a Hann-windowed FFT refined by parabolic interpolation."""
    x = _as_float(samples)
    if x.size < 4:
        return 0.0
    x = x - x.mean()
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    spectrum[0] = 0
    peak = int(np.argmax(spectrum))
    if 0 < peak < spectrum.size - 1:
        a, b, c = np.log(spectrum[peak - 1 : peak + 2] + 1e-12)
        denominator = a - 2 * b + c
        offset = 0.5 * (a - c) / denominator if denominator else 0.0
    else:
        offset = 0.0
    return (peak + offset) * rate / x.size


def tone_share(samples: np.ndarray | bytes, rate: int, hz: float) -> float:
    """Share of the signal's power that sits at ``hz``: about 1.0 for a pure tone at ``hz``,
    0.5 each for two equal tones, near 0 for silence or tones well away from ``hz``.

    One DFT bin evaluated at an arbitrary frequency (what Goertzel computes;
    numpy does the sum without a Python loop), Hann-windowed so that other
    tones leak little. With 20 ms blocks the main lobe is +-100 Hz wide.
    """
    x = _as_float(samples)
    n = x.size
    if n == 0:
        return 0.0
    total = float(np.mean(x * x))
    if total <= 1.0:  # digital silence or a few LSBs of noise
        return 0.0
    phase = np.exp(-2j * math.pi * hz * np.arange(n) / rate)
    value = np.dot(x * np.hanning(n), phase)
    # A sine of amplitude A gives |value| = A*n/4 and total = A**2/2: scale so that reads 1.
    return float(abs(value) ** 2) * 8 / (n * n * total)


def tone_present(samples: np.ndarray | bytes, rate: int, hz: float, min_share: float = 0.3) -> bool:
    """True if ``hz`` carries at least ``min_share`` of the signal's power (see tone_share)."""
    return tone_share(samples, rate, hz) >= min_share


def detect_dtmf(samples: np.ndarray | bytes, rate: int = RATE, min_share: float = 0.2) -> str | None:
    """The DTMF digit in a block (its low and its high frequency both clearly present), else None."""
    x = _as_float(samples)
    if x.size == 0 or float(np.mean(x * x)) <= 100.0:
        return None
    low = [tone_share(x, rate, f) for f in DTMF_LOW_HZ]
    high = [tone_share(x, rate, f) for f in DTMF_HIGH_HZ]
    li, hi = int(np.argmax(low)), int(np.argmax(high))
    if low[li] < min_share or high[hi] < min_share:
        return None
    low_hz, high_hz = DTMF_LOW_HZ[li], DTMF_HIGH_HZ[hi]
    for digit, pair in DTMF_LOW.items():
        if pair == low_hz and DTMF_HIGH[digit] == high_hz:
            return digit
    return None


def decode_dtmf(samples: np.ndarray | bytes, rate: int = RATE, block_ms: int = 20, min_blocks: int = 3) -> str:
    """All digits in a recording, in order: a digit counts once per run of ``min_blocks``+ blocks."""
    x = _as_float(samples)
    block = rate * block_ms // 1000
    digits: list[str] = []
    current: str | None = None
    run = 0
    for start in range(0, x.size - block + 1, block):
        digit = detect_dtmf(x[start : start + block], rate)
        if digit == current:
            run += 1
        else:
            current, run = digit, 1
        if digit is not None and run == min_blocks:
            digits.append(digit)
    return "".join(digits)
