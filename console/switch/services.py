"""Frame sources for the switch's media services: steady tone, music on hold, IVR.

Each is a small object with ``frame() -> bytes`` (20 ms of 48 kHz mono s16)
that the switch's paced track calls once per tick; they never block and keep
their phase between frames so the audio has no clicks.
"""

from __future__ import annotations

from collections import deque

from console.media.tones import SILENT_FRAME, ToneGenerator, dtmf_frames, tone_frames

TONE_LEVEL_DBFS = -12.0
MUSIC_LEVEL_DBFS = -18.0
MUSIC_NOTE_MS = 250
IVR_PROMPT_HZ = 440.0
IVR_PROMPT_MS = 200
IVR_LEVEL_DBFS = -16.0
IVR_MAX_QUEUED_FRAMES = 32 * 10 * 2  # 32 digits of 200 ms each; more is dropped (oldest first)


class SteadyTone:
    """One frequency, forever."""

    def __init__(self, hz: float, level_dbfs: float = TONE_LEVEL_DBFS) -> None:
        self._generator = ToneGenerator(hz, level_dbfs)

    def frame(self) -> bytes:
        return self._generator.frame()


class Arpeggio:
    """Music on hold: the given notes in turn, ``note_ms`` each, looped."""

    def __init__(self, notes: tuple[float, ...], level_dbfs: float = MUSIC_LEVEL_DBFS, note_ms: int = MUSIC_NOTE_MS) -> None:
        self._generators = [ToneGenerator(hz, level_dbfs) for hz in notes]
        self._frames_per_note = max(1, note_ms // 20)
        self._count = 0

    def frame(self) -> bytes:
        note = (self._count // self._frames_per_note) % len(self._generators)
        self._count += 1
        return self._generators[note].frame()


class Ivr:
    """A short prompt tone, then each received DTMF digit played back as its tone pair
    (100 ms tone + 100 ms gap), in order; silence in between."""

    def __init__(self) -> None:
        self._queue: deque[bytes] = deque(tone_frames(IVR_PROMPT_HZ, IVR_LEVEL_DBFS, IVR_PROMPT_MS), maxlen=IVR_MAX_QUEUED_FRAMES)
        self._queue.append(SILENT_FRAME)

    def digits(self, digits: str) -> None:
        for digit in digits:
            try:
                self._queue.extend(dtmf_frames(digit, IVR_LEVEL_DBFS))
            except ValueError:
                continue  # the call logic validates digits; ignore anything else

    def frame(self) -> bytes:
        return self._queue.popleft() if self._queue else SILENT_FRAME
