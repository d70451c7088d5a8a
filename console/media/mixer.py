"""Mixer: a conference bridge in the console, as baresip's aumix and pjsua's conference bridge do.

Where the signalling has no conference focus (SIP in front of a bare proxy), the console mixes: every
call in the conference is sent the sum of the others' decoded audio plus the operator's microphone, never
its own; the operator hears the sum of every call. All PCM here is 20 ms of 48 kHz mono s16 (the hub's
frames).

Each destination (a member's sending track) has one bounded queue per source (every other member, and
the microphone): a received frame is copied into the queues of the members that should hear it, and a
member's track takes one frame from each of its queues per tick and adds them. Queues drop their oldest
frame when full (``DEPTH``), so a party whose clock runs fast, or a track that stalls, costs at most
``DEPTH`` frames of delay and never memory. Nothing here waits: ``frame_for`` returns at once (it is
called from inside an aiortc track's ``recv()``), and everything runs on the event loop.

The microphone comes from the hub, which hands it only to its focused owner: the mixer takes it on behalf
of whichever member has the focus, once per call of ``frame_for``, and fans it out to every member's
queue. The operator's speaker gets the mix when the focused member's audio arrives (that call's packets
pace it), summed with one frame queued from each other member. A conference without the focus carries on
among its parties; the operator simply is not in it.
"""

from __future__ import annotations

from collections import deque
from typing import Hashable, Protocol

import numpy as np

from .tones import SILENT_FRAME

DEPTH = 5  # frames (100 ms) per source queue at most
MAX_MEMBERS = 7  # calls; with the operator 8 parties
MIC = "mic"  # the microphone's source key


class Hub(Protocol):
    @property
    def focused(self) -> Hashable | None: ...

    def mic_frame(self, owner: Hashable) -> bytes | None: ...

    def speak(self, owner: Hashable, pcm: bytes) -> None: ...


def mix(frames: list[bytes]) -> bytes | None:
    """The sum of 20 ms frames, clipped to s16 (None when there is nothing to add)."""
    frames = [f for f in frames if len(f) == len(SILENT_FRAME)]
    if not frames:
        return None
    if len(frames) == 1:
        return frames[0]
    total = np.sum([np.frombuffer(f, dtype="<i2").astype(np.int32) for f in frames], axis=0)
    return np.clip(total, -32768, 32767).astype("<i2").tobytes()


class Mixer:
    """One conference's audio; see the module docstring. Members are any hashable owners (CallMedia)."""

    def __init__(self, hub: Hub, depth: int = DEPTH, max_members: int = MAX_MEMBERS) -> None:
        self.hub = hub
        self.depth = depth
        self.max_members = max_members
        self._queues: dict[Hashable, dict[Hashable, deque[bytes]]] = {}  # destination -> source -> frames
        self._speaker: dict[Hashable, deque[bytes]] = {}  # source -> frames for the operator's ear
        self.dropped = 0

    @property
    def members(self) -> tuple[Hashable, ...]:
        return tuple(self._queues)

    def add(self, member: Hashable) -> None:
        if member in self._queues:
            return
        if len(self._queues) >= self.max_members:
            raise ValueError(f"a conference mixes at most {self.max_members} calls")
        self._queues[member] = {}
        self._speaker[member] = deque(maxlen=self.depth)

    def remove(self, member: Hashable) -> None:
        self._queues.pop(member, None)
        self._speaker.pop(member, None)
        for sources in self._queues.values():
            sources.pop(member, None)

    def __len__(self) -> int:
        return len(self._queues)

    def _push(self, destination: Hashable, source: Hashable, pcm: bytes) -> None:
        queue = self._queues[destination].get(source)
        if queue is None:
            queue = self._queues[destination][source] = deque(maxlen=self.depth)
        if len(queue) == queue.maxlen:
            self.dropped += 1
        queue.append(pcm)

    def _take_mic(self) -> None:
        focused = self.hub.focused
        if focused not in self._queues:
            return
        pcm = self.hub.mic_frame(focused)
        if pcm is not None:
            for destination in self._queues:
                self._push(destination, MIC, pcm)

    def frame_for(self, member: Hashable, with_mic: bool = True) -> bytes | None:
        """What ``member``'s track sends now: the others' audio and the microphone, added (None: silence)."""
        sources = self._queues.get(member)
        if sources is None:
            return None
        self._take_mic()
        frames = []
        for source, queue in sources.items():
            if queue:
                pcm = queue.popleft()
                if with_mic or source != MIC:
                    frames.append(pcm)
        return mix(frames)

    def heard(self, member: Hashable, pcm: bytes) -> None:
        """``member``'s decoded audio arrived: queued for every other member and for the operator."""
        if member not in self._queues:
            return
        for destination in self._queues:
            if destination is not member:
                self._push(destination, member, pcm)
        focused = self.hub.focused
        if focused not in self._queues:
            return
        if member is focused:
            others = [q.popleft() for source, q in self._speaker.items() if source is not member and q]
            out = mix([pcm, *others])
            if out is not None:
                self.hub.speak(focused, out)
        else:
            self._speaker[member].append(pcm)
