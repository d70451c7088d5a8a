"""Conversions between PyAV frames and the PCM the rest of the media layer uses.

Inside the console and the switch, audio is one format only: 48 kHz mono s16,
20 ms (960 samples, 1920 bytes) per frame. aiortc decodes Opus to 48 kHz
interleaved stereo and G.711 to 8 kHz mono; ``MonoConverter`` turns either
into that format so sinks, the speaker and the switch's relay never care
which codec was negotiated.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np

from .tones import FRAME_SAMPLES, RATE

AUDIO_TIME_BASE = Fraction(1, RATE)
FRAME_BYTES = FRAME_SAMPLES * 2


def audio_frame(pcm: bytes, pts: int | None = None, rate: int = RATE, stereo: bool = False) -> av.AudioFrame:
    """An s16 AudioFrame holding mono ``pcm`` (little-endian 16-bit samples).

    ``stereo=True`` duplicates the samples into both channels: aiortc's Opus
    encoder resamples mono to stereo with a -3 dB pan law, so a sender that
    hands it stereo keeps the level it meant (a -12 dBFS tone arrives at -12).
    """
    samples = np.frombuffer(pcm, dtype="<i2")
    if stereo:
        samples = np.repeat(samples, 2)
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="stereo" if stereo else "mono")
    frame.sample_rate = rate
    frame.time_base = Fraction(1, rate)
    if pts is not None:
        frame.pts = pts
    return frame


class MonoConverter:
    """Any decoded AudioFrame -> 48 kHz mono s16 bytes.

    The common case (Opus: s16 packed at 48 kHz) is a numpy down-mix; anything
    else goes through a PyAV resampler, which keeps state between frames, so
    use one converter per stream.
    """

    def __init__(self) -> None:
        self._resampler: av.AudioResampler | None = None

    def __call__(self, frame: av.AudioFrame) -> bytes:
        if frame.format.name == "s16" and frame.sample_rate == RATE:
            channels = len(frame.layout.channels)
            samples = frame.to_ndarray().reshape(-1)
            if channels == 1:
                return samples.astype("<i2", copy=False).tobytes()
            mixed = samples.reshape(-1, channels).astype(np.int32).sum(axis=1) // channels
            return mixed.astype("<i2").tobytes()
        if self._resampler is None:
            self._resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        out = b"".join(bytes(f.planes[0])[: f.samples * 2] for f in self._resampler.resample(frame))
        return out


class Rechunker:
    """Cuts a stream of PCM pieces of any length into whole 20 ms frames (the resampler's
    output for G.711 does not come in 960-sample pieces)."""

    def __init__(self, frame_bytes: int = FRAME_BYTES) -> None:
        self.frame_bytes = frame_bytes
        self._pending = b""

    def __call__(self, pcm: bytes) -> list[bytes]:
        if not self._pending and len(pcm) == self.frame_bytes:
            return [pcm]
        data = self._pending + pcm
        cut = len(data) - len(data) % self.frame_bytes
        self._pending = data[cut:]
        return [data[i : i + self.frame_bytes] for i in range(0, cut, self.frame_bytes)]


class StaleFilter:
    """Drops the frames a receiver releases right after a retrieve that date from before the hold.

    aiortc's jitter buffer still holds a few frames when a call goes on hold;
    after the retrieve they come out first (media-facts: 3-4 stale frames).
    The sender's timestamps kept running during the hold, so the first fresh
    frame is the one after a timestamp jump: drop frames until that jump, but
    never more than ``arm``'s bound (if there is no jump, nothing was stale).
    """

    JUMP_FRAMES = 3  # a jump of more than this many frames marks the first fresh frame

    def __init__(self) -> None:
        self._left = 0
        self._last_pts: int | None = None
        self.dropped = 0

    def arm(self, at_most: int) -> None:
        self._left = at_most

    def is_stale(self, frame: av.AudioFrame) -> bool:
        pts, last = frame.pts, self._last_pts
        self._last_pts = pts
        if self._left <= 0:
            return False
        if last is not None and pts is not None and pts - last > self.JUMP_FRAMES * frame.samples:
            self._left = 0
            return False
        self._left -= 1
        self.dropped += 1
        return True
