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

MIC_QUEUE_FRAMES = 4  # at most 80 ms of microphone audio waits for the sending track
MIC_TARGET = 2  # frames kept when the queue runs long (the card's clock runs faster than ours)


class DeviceHub:
    """Owns an AudioDevice; routes its microphone to, and its speaker from, the focused owner.

    Owners are any hashable objects (CallMedia uses itself). ``mic_frame`` and
    ``speak`` are called on the loop by the owners' tracks and receive tasks.
    """

    def __init__(self, device: AudioDevice) -> None:
        self.device = device
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

    def _on_mic_frame(self, pcm: bytes) -> None:
        # On the loop (the device hands frames over with call_soon_threadsafe).
        if self._focused is None:
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
