"""Music on hold the console plays itself (a call parked at the console, where the server has no park).

A C major arpeggio, 250 ms a note, at -18 dBFS: the same notes as the embedded switch's music on hold, so
a caller hears the same thing whichever side keeps it. 20 ms frames of 48 kHz mono s16, made on demand.
"""

from __future__ import annotations

from .tones import ToneGenerator

MUSIC_HZ = (523.25, 659.25, 783.99)
NOTE_FRAMES = 12  # 240 ms
MUSIC_DBFS = -18.0


class HoldMusic:
    def __init__(self) -> None:
        self._notes = [ToneGenerator(hz, MUSIC_DBFS) for hz in MUSIC_HZ]
        self._tick = 0

    def frame(self) -> bytes:
        note = self._notes[(self._tick // NOTE_FRAMES) % len(self._notes)]
        self._tick += 1
        return note.frame()
