"""DeviceHub: the console's one audio device, lent to one call at a time.

An operator talks to one call at a time: the focused call gets the
microphone and is the only one heard on the speaker; every other call sends
silence and is heard by nobody (its audio still reaches its own sinks, e.g.
a level meter). Nothing is mixed.

When focus moves, queued frames belong to the previous owner (mic audio
meant for the old call, speaker audio from it), so both queues are flushed.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Hashable

from .devices import AudioDevice
from .tones import SILENT_FRAME, ToneGenerator

RING_HZ = (440.0, 480.0)  # the ring the speaker plays for an incoming call
RING_DBFS = -20.0  # each of the two tones (about -17 dBFS together)
RING_ON_FRAMES = 50  # 1 s of ring
RING_OFF_FRAMES = 150  # then 3 s of silence
MIC_QUEUE_FRAMES = 4  # at most 80 ms of microphone audio waits for the sending track
MIC_TARGET = 2  # frames kept when the queue runs long (the card's clock runs faster than ours)


class DeviceHub:
    """Owns an AudioDevice; routes its microphone to, and its speaker from, the focused owner.

    Owners are any hashable objects (CallMedia uses itself). ``mic_frame`` and
    ``speak`` are called on the loop by the owners' tracks and receive tasks.
    """

    def __init__(self, device: AudioDevice) -> None:
        self.device = device
        self._alerting = False
        self._alert_tick = 0
        self._ring = ToneGenerator(RING_HZ, RING_DBFS)
        self._focused: Hashable | None = None
        self._mic: deque[bytes] = deque(maxlen=MIC_QUEUE_FRAMES)
        self._started = False
        self.mic_frames = 0
        self.mic_dropped = 0

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Start the device (idempotent); called by the first call that needs it."""
        if self._started:
            return
        self.device.start(loop or asyncio.get_running_loop(), self._on_mic_frame)
        self._started = True

    def stop(self) -> None:
        if self._started:
            self.device.stop()
            self._started = False
        self._mic.clear()

    @property
    def started(self) -> bool:
        return self._started

    @property
    def focused(self) -> Hashable | None:
        return self._focused

    def focus(self, owner: Hashable) -> None:
        """Give the microphone and speaker to ``owner``; the previous owner's queued audio is dropped."""
        if owner is self._focused:
            return
        self._focused = owner
        self._flush()

    def release(self, owner: Hashable) -> None:
        """``owner`` gives up the device (hold, hang-up); a no-op if it is not focused."""
        if owner is self._focused:
            self._focused = None
            self._flush()

    def _flush(self) -> None:
        self._mic.clear()
        self.device.flush_playout()

    def alert(self, on: bool) -> None:
        """Ring the speaker (a call is ringing here) while no call has the device.

        A cadence of RING_ON_FRAMES of RING_HZ at RING_DBFS, then RING_OFF_FRAMES
        of silence. While a call has the device its audio is not disturbed: the
        UI's visible ring and terminal bell announce a second call.
        """
        if on == self._alerting:
            return
        self._alerting = on
        self._alert_tick = 0
        if not on and self._focused is None:
            self.device.flush_playout()

    @property
    def alerting(self) -> bool:
        return self._alerting

    def _on_mic_frame(self, pcm: bytes) -> None:
        # On the loop (the device hands frames over with call_soon_threadsafe); one call per 20 ms tick.
        if self._focused is None:
            if self._alerting:
                phase = self._alert_tick % (RING_ON_FRAMES + RING_OFF_FRAMES)
                self._alert_tick += 1
                self.device.play(self._ring.frame() if phase < RING_ON_FRAMES else SILENT_FRAME)
            return
        self.mic_frames += 1
        self._mic.append(pcm)

    def mic_frame(self, owner: Hashable) -> bytes | None:
        """The next microphone frame for ``owner``'s sending track; None (silence) unless focused."""
        if owner is not self._focused:
            return None
        while len(self._mic) > MIC_TARGET:
            self._mic.popleft()
            self.mic_dropped += 1
        return self._mic.popleft() if self._mic else None

    def speak(self, owner: Hashable, pcm: bytes) -> None:
        """Received audio of ``owner``: played only if ``owner`` is focused."""
        if owner is self._focused:
            self.device.play(pcm)
