"""Latency a frame queue holds but never needs, and how it is given back without being heard.

A queue between two 20 ms clocks (the far end's frames and the sound card's pulls; the card's
microphone and the sending track) holds what the jitter between them needs. When the taking side
stalls (a PulseAudio stream that starts 1-2 s after it was opened, a card that stops pulling for
60 ms on a busy machine), the giving side's frames pile up meanwhile; afterwards one frame comes
and one goes per tick, so every frame of the pile is 20 ms more mouth-to-ear for good.

``Backlog.trim(queue)`` is called at each take, before it, and watches the lowest level the queue
had at a take:

* over QUIET_WINDOW takes (200 ms), the frames every take found beyond the one it took were never
  needed: as many of them as are quiet at the head (below QUIET_DBFS: a pause between words) are
  dropped at once. Nobody hears 20 ms of silence go missing, and a pile is gone within 200 ms of a
  pause;
* over WINDOW takes (1 s), if a frame is still never needed (the talker never paused), one is
  dropped even if it is speech: a 20 ms skip at most once a second.

A queue that jitter runs down to one frame (or none) at some take in each window keeps all it has.
With ``hold``, a take that finds the queue empty (the frame came late: the speaker played silence)
stops all giving back for HOLD takes (3 s): the frame that then waits at each take is the margin
that jitter needed, and giving it back at once only brings the next gap (the bench saw the buffer
cycle: a frame dropped, a gap, a frame dropped).
``quiet_window=None`` keeps only the 1 s rule: for a queue whose taker is the loop's own clock (the
virtual devices), which neither starts late nor stalls.
"""

from __future__ import annotations

from collections import deque

from .tones import level_dbfs

QUIET_DBFS = -45.0  # speech is -35..-15 dBFS; a microphone's or a decoder's floor in a pause lies below
QUIET_WINDOW = 10  # takes (200 ms)
WINDOW = 50  # takes (1 s)
HOLD = 150  # takes (3 s) after one that found the queue empty, in which nothing is given back
_ENDLESS = 1 << 30


def quiet(pcm: bytes) -> bool:
    return level_dbfs(pcm) < QUIET_DBFS


class Backlog:
    """The two windows of one queue; ``trim`` drops from the queue's head and says how many it dropped."""

    def __init__(self, quiet_window: int | None = QUIET_WINDOW, window: int = WINDOW, hold: int = 0) -> None:
        self.quiet_window = quiet_window
        self.window = window
        self.hold = hold
        self._held = 0
        self._flowing = False  # frames have come since the start or the last reset (an empty take is then a gap)
        self._quiet_takes = self._takes = 0
        self._quiet_lowest = self._lowest = _ENDLESS

    def trim(self, queue: deque[bytes]) -> int:
        level = len(queue)
        if self.hold and ((level == 0 and self._flowing) or self._held):
            self._held = self.hold if level == 0 else self._held - 1
            self._quiet_takes = self._takes = 0
            self._quiet_lowest = self._lowest = _ENDLESS
            return 0
        self._flowing = self._flowing or level > 0
        self._quiet_lowest = min(self._quiet_lowest, level)
        self._lowest = min(self._lowest, level)
        self._quiet_takes += 1
        self._takes += 1
        dropped = 0
        if self.quiet_window is not None and self._quiet_takes >= self.quiet_window:
            while dropped < self._quiet_lowest - 1 and queue and quiet(queue[0]):
                queue.popleft()
                dropped += 1
            self._lowest -= dropped  # those frames are gone for the long window too
            self._quiet_takes, self._quiet_lowest = 0, _ENDLESS
        if self._takes >= self.window:
            if self._lowest >= 2 and queue:
                queue.popleft()
                dropped += 1
            self._takes, self._lowest = 0, _ENDLESS
        return dropped

    @property
    def held(self) -> bool:
        """A gap came less than ``hold`` takes ago: the margin it showed is being kept."""
        return self._held > 0

    def reset(self) -> None:
        """The queue was emptied (a new owner): what was watched says nothing about the new frames."""
        self._flowing = False
        self._held = 0
        self._quiet_takes = self._takes = 0
        self._quiet_lowest = self._lowest = _ENDLESS
