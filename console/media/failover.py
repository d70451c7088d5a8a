"""Device failure and hot-plug: a watchdog that swaps a dead sound card for the silent device and back.

A real device (PyAudioDevice) stamps ``last_tick`` on every PortAudio callback,
on PortAudio's own thread, so a busy event loop never looks like a dead card.
The watch checks, every WATCH_INTERVAL, that the stream is still active and
ticked within STALL_SECONDS (counted from FIRST_TICK_SECONDS after it was
started: a PulseAudio stream may pause after its first callback).

A PulseAudio device is also looked up on the server every PRESENCE_INTERVAL:
when its sink vanishes, PortAudio's stream keeps ticking on the microphone side
and plays into nothing, so ticks alone do not reveal it. When a check fails:

* the hub gets a NullDevice at once (calls stay up; their media keeps its 20 ms clock),
* the operator is told once (``notify``: a :class:`DeviceNotice`, the words with the change as data), and
* the watch tries to open the same device again, in a worker thread, after
  PROBE_INTERVAL and then less and less often (up to PROBE_MAX_INTERVAL); when that works the hub gets the card back and the operator is told once more.

A card that keeps running dry (``xruns``: PortAudio flagged XRUN_LIMIT underflows or
overflows within XRUN_WINDOW, after XRUN_GRACE from its start) has buffers too small
for this machine: the watch opens the same card again with ``latency.larger()``
(twice the buffering), puts it in the slot and logs one line saying so; at the
largest step it stays as it is.

Only devices with ``watched`` set (PyAudioDevice) are checked; the virtual ones need no watching.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable

from console.core.device_change import DeviceChange, DeviceKind, DeviceReason, DeviceState

from .devices import AudioDevice, NullDevice

WATCH_INTERVAL = 0.25
STALL_SECONDS = 4.0  # a working PulseAudio stream can pause 1.5-2 s when the server underruns under load
FIRST_TICK_SECONDS = 5.0
PROBE_INTERVAL = 1.0
PROBE_MAX_INTERVAL = 5.0  # a device that stays away is tried less often (each try wakes PortAudio)
PRESENCE_INTERVAL = 1.0  # how often a PulseAudio device's sink and source are looked up (pactl)
XRUN_LIMIT = 3  # underflows within XRUN_WINDOW that make the watch ask for larger buffers
XRUN_WINDOW = 5.0
XRUN_GRACE = 1.0  # a stream's first second (priming, the server connecting) does not count

log = logging.getLogger(__name__)
KINDS = {"device": DeviceKind.AUDIO, "ringer": DeviceKind.RINGER}  # the hub's slot names


class DeviceNotice(str):
    """What the operator is told about a device (the hub shows and logs it as it is), with the same news as
    data in ``change`` for the event stream: a string, so that every ``notify`` taking words keeps working."""

    change: DeviceChange

    def __new__(cls, text: str, change: DeviceChange) -> DeviceNotice:
        notice = super().__new__(cls, text)
        notice.change = change
        return notice


def device_change(role: str, device: Any, state: DeviceState, reason: DeviceReason | None) -> DeviceChange:
    """The change of the hub's ``role`` slot (``device`` or ``ringer``) to, or about, ``device``."""
    spec = getattr(device, "spec", None)
    return DeviceChange(KINDS.get(role, DeviceKind.AUDIO), str(getattr(device, "name", device)), state, reason,
                        None if spec in (None, "") else str(spec))


def slot_change(role: str, device: AudioDevice) -> DeviceChange:
    """What a slot holds when the hub opens: the device in use, or the named device it waits for (failed)."""
    wanted = getattr(device, "stands_in_for", None)
    if wanted is not None:
        return device_change(role, wanted, DeviceState.FAILED, DeviceReason.UNAVAILABLE)
    return device_change(role, device, DeviceState.IN_USE, DeviceReason.OPENED)


def device_failed(device: Any, now: float) -> bool:
    """A watched device stopped: its stream ended, or (after the start-up grace) its callbacks stopped coming.

    A PulseAudio stream may tick once at start and then wait a second or two for
    the server before it runs steadily, so a stall only counts after FIRST_TICK_SECONDS.
    """
    if not getattr(device, "watched", False):
        return False
    if not getattr(device, "alive", True):
        return True
    started = getattr(device, "started_at", None)
    if started is None or now - started < FIRST_TICK_SECONDS:
        return False
    last = device.last_tick
    return last is None or now - last > STALL_SECONDS


class DeviceWatch:
    """Watches one device slot of a hub; ``swap(new)`` puts a device in the slot (the hub starts it)."""

    def __init__(self, role: str, get: Callable[[], AudioDevice | None], swap: Callable[[AudioDevice], None],
                 notify: Callable[[str], None]) -> None:
        self.role = role
        self._get = get
        self._swap = swap
        self._notify = notify
        self._wanted: AudioDevice | None = None  # the failed card we want back
        self._task: asyncio.Task[None] | None = None
        self.failures = 0
        self.recoveries = 0
        self.enlarged = 0  # times the card was reopened with larger buffers after underruns
        self._xruns: tuple[Any, int, list[float]] | None = None  # (device, xruns seen, when new ones came)

    @property
    def degraded(self) -> bool:
        """The slot holds the silent stand-in for a failed card."""
        return self._wanted is not None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run(), name=f"audio {self.role} watch")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def want(self, device: AudioDevice) -> None:
        """Start degraded: ``device`` could not be opened at start; bring it in when it appears."""
        self._wanted = device

    async def _run(self) -> None:
        next_probe = next_presence = 0.0
        probes = 0
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            now = time.monotonic()
            current = self._get()
            if self._wanted is None:
                if current is None:
                    continue
                failed = device_failed(current, now)
                if not failed and now >= next_presence and current.watched and hasattr(current, "still_there"):
                    next_presence = now + PRESENCE_INTERVAL
                    present = await asyncio.get_running_loop().run_in_executor(None, current.still_there)
                    failed = not present and self._get() is current
                if failed:
                    self._fail(current)
                    probes = 0
                    next_probe = time.monotonic() + PROBE_INTERVAL
                elif self._running_dry(current, now):
                    await self._enlarge(current)
            elif now >= next_probe:
                await self._probe()
                probes += 1
                next_probe = time.monotonic() + min(PROBE_MAX_INTERVAL, PROBE_INTERVAL * 1.25 ** probes)

    def _running_dry(self, device: Any, now: float) -> bool:
        """XRUN_LIMIT new xruns within XRUN_WINDOW (counted from XRUN_GRACE after the device started)."""
        xruns = getattr(device, "xruns", None)
        started = getattr(device, "started_at", None)
        if xruns is None or started is None:
            return False
        if self._xruns is None or self._xruns[0] is not device or now - started < XRUN_GRACE:
            self._xruns = (device, xruns, [])
            return False
        _, seen, times = self._xruns
        times.extend([now] * (xruns - seen))
        times[:] = [t for t in times if now - t <= XRUN_WINDOW]
        self._xruns = (device, xruns, times)
        return len(times) >= XRUN_LIMIT

    async def _enlarge(self, device: Any) -> None:
        """Reopen ``device`` with twice its buffering (in a worker thread) and put it in the slot."""
        before, larger = device.latency, device.latency.larger()
        self._xruns = (device, device.xruns, [])
        if larger is None:
            return
        loop = asyncio.get_running_loop()
        try:
            new = await loop.run_in_executor(None, device.reopen, larger)
        except Exception:  # noqa: BLE001 - a card that cannot be opened twice: close it, then open it again
            if self._get() is not device:
                return
            stand_in = NullDevice()
            self._swap(stand_in)
            _stop_quietly(device)
            device.latency = larger  # what the failure path's probes reopen it with
            try:
                new = await loop.run_in_executor(None, device.reopen, larger)
            except Exception:  # noqa: BLE001 - gone meanwhile: the failure path brings it back when it returns
                self._fail(device)
                stand_in.stop()
                return
            stand_in.stop()
        else:
            if self._get() is not device:  # swapped meanwhile (failed, or the hub stopped)
                _stop_quietly(new)
                return
            _stop_quietly(device)
        self.enlarged += 1
        self._swap(new)
        log.warning("Audio %s %s ran dry %d times in %g s with %s buffers: reopened with %s", self.role, device.name,
                    XRUN_LIMIT, XRUN_WINDOW, before, larger)

    def _fail(self, device: AudioDevice) -> None:
        self.failures += 1
        self._wanted = device
        self._swap(NullDevice())
        _stop_quietly(device)
        self._notify(DeviceNotice(f"Audio {self.role} {device.name} stopped working: calls go on without sound; "
                                  "it comes back by itself when the device returns",
                                  device_change(self.role, device, DeviceState.FAILED, DeviceReason.STOPPED)))

    async def _probe(self) -> None:
        wanted = self._wanted
        reopen = getattr(wanted, "reopen", None)
        if wanted is None or reopen is None:
            return
        opening = asyncio.get_running_loop().run_in_executor(None, reopen)
        try:
            device = await asyncio.shield(opening)
        except asyncio.CancelledError:  # the hub stopped meanwhile: close the device once it is open
            opening.add_done_callback(_close_if_opened)
            raise
        except Exception:  # noqa: BLE001 - still missing or busy; try again later
            return
        self._wanted = None
        self.recoveries += 1
        old = self._get()
        self._swap(device)
        if old is not None:
            old.stop()
        if self.failures:
            self._notify(DeviceNotice(f"Audio {self.role} {device.name} is back",
                                      device_change(self.role, device, DeviceState.RESTORED, None)))
        else:
            self._notify(DeviceNotice(f"Audio {self.role} {device.name} is now in use",
                                      device_change(self.role, device, DeviceState.IN_USE, DeviceReason.APPEARED)))


def _close_if_opened(done: "asyncio.Future[Any]") -> None:
    if not done.cancelled() and done.exception() is None:
        _stop_quietly(done.result())


def _stop_quietly(device: AudioDevice) -> None:
    try:
        device.stop()
    except Exception:  # noqa: BLE001 - a vanished card may fail to close; it is gone either way
        log.debug("closing a failed device raised", exc_info=True)
