"""DeviceHub: the console's one audio device, lent to one call at a time.

An operator talks to one call at a time: the focused call gets the
microphone and is the only one heard on the speaker; every other call sends
silence and is heard by nobody (its audio still reaches its own sinks, e.g.
a level meter). Nothing is mixed.

When focus moves, queued frames belong to the previous owner (mic audio
meant for the old call, speaker audio from it), so both queues are flushed.

A second device, the ringer (a desk speaker), can play the ring for incoming
calls while the operator talks on the headset. Without one, the ring plays on
the headset while no call has it. Both devices are watched (failover.py): a
card that fails is replaced by the silent device and brought back when it
returns; ``notify`` tells the operator once each time.

``mic_dbfs`` and ``out_dbfs`` are the levels of the device's own streams (the
microphone as captured, the speaker as played), for the UI's meters.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Callable, Hashable

from .devices import AudioDevice
from .failover import DeviceWatch
from .tones import FRAME_SECONDS, SILENT_FRAME, ToneGenerator, level_dbfs

RING_HZ = (440.0, 480.0)  # the ring the speaker plays for an incoming call
RING_DBFS = -20.0  # each of the two tones (about -17 dBFS together)
RING_ON_FRAMES = 50  # 1 s of ring
RING_OFF_FRAMES = 150  # then 3 s of silence
MIC_QUEUE_FRAMES = 4  # at most 80 ms of microphone audio waits for the sending track
MIC_TARGET = 2  # frames kept when the queue runs long (the card's clock runs faster than ours)
MIC_PHASE_WINDOW = 25  # takes (0.5 s) over which the microphone frames' wait for the sending track is watched
MIC_MARGIN = 0.004  # s: what a card's frame should wait for the sending track's tick (the card's jitter)
MIC_LATE_STEP = 0.005  # s: a tick that found no frame while the card's frames flow comes this much later
LEVEL_FLOOR = -90.0
RINGER_LATENCY_MS = 80  # the ringer's buffering (at least): it plays no call, so it need not be quick

log = logging.getLogger(__name__)


def meter_level(pcm: bytes) -> float:
    level = level_dbfs(pcm)
    return max(level, LEVEL_FLOOR) if level != float("-inf") else LEVEL_FLOOR


class DeviceHub:
    """Owns an AudioDevice; routes its microphone to, and its speaker from, the focused owner.

    Owners are any hashable objects (CallMedia uses itself). ``mic_frame`` and
    ``speak`` are called on the loop by the owners' tracks and receive tasks.
    """

    def __init__(self, device: AudioDevice, ringer: AudioDevice | None = None,
                 notify: Callable[[str], None] | None = None, watch: bool = True) -> None:
        self.device = device
        self.ringer = ringer
        self._notify_cb = notify
        self._alerting = False
        self._alert_tick = 0
        self._ring = ToneGenerator(RING_HZ, RING_DBFS)
        self._focused: Hashable | None = None
        self._mic: deque[tuple[float, bytes]] = deque(maxlen=MIC_QUEUE_FRAMES)  # (when it came, the frame)
        self._clock = time.monotonic
        self._mic_waits: list[float] = []  # how long each frame of the current window waited for its take
        self._mic_came: float | None = None
        self._mic_shift = 0.0  # s the focused call's sending clock should move (mic_clock_shift): + later, - sooner
        self._started = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watches = [DeviceWatch("device", lambda: self.device, self._swap_device, self._notify)] if watch else []
        if watch and ringer is not None:
            self._watches.append(DeviceWatch("ringer", lambda: self.ringer, self._swap_ringer, self._notify))
        self.notices: list[str] = []
        for slot_watch, slot in zip(self._watches, (device, ringer)):
            wanted = getattr(slot, "stands_in_for", None)
            if wanted is not None:  # a named device was missing at start: take it when it appears
                slot_watch.want(wanted)
        self.mic_frames = 0
        self.mic_dropped = 0
        self.mic_dbfs = LEVEL_FLOOR
        self.out_dbfs = LEVEL_FLOOR

    @classmethod
    def open(cls, spec: str | int | None = None, ringer: str | int | None = None,
             log: logging.Logger | Callable[[str], None] | None = None,
             notify: Callable[[str], None] | None = None, latency_ms: int | None = None) -> "DeviceHub":
        """A hub on the device ``spec`` (see open_device) and, if given, a ringer device; never raises
        (but a ``latency_ms`` out of bounds is a LatencyError).

        A device that cannot be opened now is replaced by the silent device (one line
        says so) and, if it was named, brought in when it appears. A sound card buffers
        ``latency_ms`` (latency.py; None: the default), more if it underruns (failover.py).
        """
        from .latency import DeviceLatency
        from .opening import open_device

        latency = DeviceLatency() if latency_ms is None else DeviceLatency(latency_ms)
        device = open_device(spec, log, latency=latency)
        # A ring starting 100 ms later is no loss; a ring with gaps on a busy machine is.
        ring_latency = DeviceLatency(max(latency.ms, RINGER_LATENCY_MS))
        ring_device = open_device(ringer, log, output_only=True, latency=ring_latency) if ringer not in (None, "") else None
        return cls(device, ringer=ring_device, notify=notify)

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Start the device (idempotent); called by the first call that needs it."""
        if self._started:
            return
        loop = loop or asyncio.get_running_loop()
        self._loop = loop
        self.device.start(loop, self._on_mic_frame)
        if self.ringer is not None:
            self.ringer.start(loop, self._on_ringer_tick)
        if isinstance(loop, asyncio.AbstractEventLoop):
            for slot_watch, slot in zip(self._watches, (self.device, self.ringer)):
                if slot_watch.degraded or (slot is not None and slot.watched):  # virtual devices need no watching
                    slot_watch.start(loop)
        self._started = True

    def stop(self) -> None:
        for watch in self._watches:
            watch.stop()
        if self._started:
            self.device.stop()
            if self.ringer is not None:
                self.ringer.stop()
            self._started = False
        self._mic.clear()

    # -- failover (failover.py calls these) ------------------------------------
    def _swap_device(self, device: AudioDevice) -> None:
        self.device = device
        self._mic.clear()
        if self._started and self._loop is not None:
            device.start(self._loop, self._on_mic_frame)

    def _swap_ringer(self, device: AudioDevice) -> None:
        self.ringer = device
        if self._started and self._loop is not None:
            device.start(self._loop, self._on_ringer_tick)

    def _notify(self, message: str) -> None:
        self.notices.append(message)
        del self.notices[:-20]
        log.warning("%s", message)
        if self._notify_cb is not None:
            try:
                self._notify_cb(message)
            except Exception:  # noqa: BLE001 - the operator's display must not break the audio
                log.exception("audio notice callback failed")

    @property
    def degraded(self) -> bool:
        """The headset failed and the silent device stands in for it."""
        return bool(self._watches) and self._watches[0].degraded

    @property
    def silent_device(self) -> bool:
        """The operator hears and says nothing: the silent virtual device is the headset
        (none was found, or the headset failed and it stands in)."""
        return self.degraded or bool(getattr(self.device, "silent", False))

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
        self._mic_waits.clear()
        self._mic_shift = 0.0
        self.device.flush_playout()

    def alert(self, on: bool) -> None:
        """Ring for an incoming call: on the ringer device if there is one, else on the device.

        A cadence of RING_ON_FRAMES of RING_HZ at RING_DBFS, then RING_OFF_FRAMES
        of silence. The ringer rings whatever the headset does; without a ringer
        the ring plays only while no call has the device, so a call's audio is never
        disturbed (the UI's visible ring and terminal bell announce a second call).
        """
        if on == self._alerting:
            return
        self._alerting = on
        self._alert_tick = 0
        if not on:
            if self.ringer is not None:
                self.ringer.flush_playout()
            elif self._focused is None:
                self.device.flush_playout()

    def _next_ring_frame(self) -> bytes:
        phase = self._alert_tick % (RING_ON_FRAMES + RING_OFF_FRAMES)
        self._alert_tick += 1
        return self._ring.frame() if phase < RING_ON_FRAMES else SILENT_FRAME

    def _on_ringer_tick(self, _pcm: bytes) -> None:
        # The ringer's own clock (it has no microphone): one frame of the cadence per tick.
        if self._alerting and self.ringer is not None:
            self.ringer.play(self._next_ring_frame())

    def _on_mic_frame(self, pcm: bytes) -> None:
        # On the loop (the device hands frames over with call_soon_threadsafe); one call per 20 ms tick.
        self.mic_dbfs = meter_level(pcm)
        if self._focused is None:
            self.out_dbfs = LEVEL_FLOOR
            if self._alerting and self.ringer is None:
                self.device.play(self._next_ring_frame())
            return
        self.mic_frames += 1
        self._mic_came = self._clock()
        self._mic.append((self._mic_came, pcm))

    def mic_frame(self, owner: Hashable) -> bytes | None:
        """The next microphone frame for ``owner``'s sending track; None (silence) unless focused."""
        if owner is not self._focused:
            return None
        while len(self._mic) > MIC_TARGET:
            self._mic.popleft()
            self.mic_dropped += 1
        now = self._clock()
        if not self._mic:
            self._mic_waits.clear()
            last = self._mic_came
            if self._locks_clock and last is not None and now - last < 2 * FRAME_SECONDS:
                self._mic_shift += MIC_LATE_STEP  # the card's frame is due any moment: tick later
            return None
        came, pcm = self._mic.popleft()
        self._watch_mic_phase(now - came)
        return pcm

    def _watch_mic_phase(self, waited: float) -> None:
        """A sound card's frames come on the card's clock, the sending track ticks on the loop's: where one
        falls against the other is chance (a frame waited 0-20 ms for nothing) and drifts (the card's clock runs
        slow or fast), so now and then a tick found no frame (a gap sent) and the next one waited 20 ms. The
        track's clock follows the card's instead: when every frame of MIC_PHASE_WINDOW takes waited more than
        MIC_MARGIN (+2 ms), it ticks that much sooner; a tick that finds no frame while they flow, MIC_LATE_STEP
        later (mic_clock_shift). The virtual devices tick on the loop's clock: their phase is left as it is."""
        waits = self._mic_waits
        waits.append(waited)
        if len(waits) < MIC_PHASE_WINDOW:
            return
        lowest = min(waits)
        waits.clear()
        if self._locks_clock and lowest > MIC_MARGIN + 0.002:
            self._mic_shift -= lowest - MIC_MARGIN

    @property
    def _locks_clock(self) -> bool:
        return self.device.stalls

    def mic_clock_shift(self, owner: Hashable) -> float:
        """Seconds ``owner``'s sending clock should move to follow the card (+ later, - sooner), once; 0 if none."""
        if owner is not self._focused:
            return 0.0
        shift, self._mic_shift = self._mic_shift, 0.0
        return shift

    def speak(self, owner: Hashable, pcm: bytes) -> None:
        """Received audio of ``owner``: played only if ``owner`` is focused."""
        if owner is self._focused:
            self.out_dbfs = meter_level(pcm)
            self.device.play(pcm)
