"""What the switch last said about the directory, presence and park orbits (attendant extension)."""

from __future__ import annotations

from typing import Any, Callable

from console.core.directory import DirectoryEntry, Orbit, PresenceState, TurnedAway
from console.core.client import events as ev
from console.core.queues import QueuePaused, QueueStatus

Fire = Callable[..., None]


class AttendantView:
    """Kept by :class:`~console.webrtc.instance.WebRtcInstance`; its handlers get every change."""

    def __init__(self) -> None:
        self.directory: tuple[DirectoryEntry, ...] = ()
        self.presence: dict[str, PresenceState] = {}
        self.orbits: dict[str, Orbit] = {}
        self.on_directory: Callable[[tuple[DirectoryEntry, ...]], Any] | None = None
        self.on_presence: Callable[[dict[str, PresenceState]], Any] | None = None
        self.on_orbits: Callable[[tuple[Orbit, ...]], Any] | None = None
        self.on_setting: Callable[[str], Any] | None = None
        self.on_setting_refused: Callable[[str], Any] | None = None
        self.on_turned_away: Callable[[TurnedAway], Any] | None = None
        self.on_queue: Callable[[QueueStatus | QueuePaused], Any] | None = None  # queues (extension)

    def absorb(self, event: Any, fire: Fire) -> None:
        if isinstance(event, ev.DirectoryReceived):
            self.directory = tuple(event.entries)
            fire(self.on_directory, self.directory)
        elif isinstance(event, ev.PresenceChanged):
            if event.snapshot:
                self.presence.clear()
            self.presence.update(event.states)
            fire(self.on_presence, dict(event.states))
        elif isinstance(event, ev.OrbitsChanged):
            if event.snapshot:
                self.orbits.clear()
            self.orbits.update({o.orbit: o for o in event.orbits})
            fire(self.on_orbits, tuple(event.orbits))
        elif isinstance(event, ev.SettingConfirmed):
            fire(self.on_setting, event.what)
        elif isinstance(event, ev.SettingRefused):
            fire(self.on_setting_refused, event.what)
        elif isinstance(event, ev.CallerTurnedAway):
            fire(self.on_turned_away, event.notice)
        elif isinstance(event, ev.QueueStatusReceived):
            fire(self.on_queue, event.status)
        elif isinstance(event, ev.QueuePauseConfirmed):
            fire(self.on_queue, QueuePaused(event.queues, event.paused))
