"""The attendant desk's state: directory, presence (the busy lamp field), park orbits, DND, forwarding and
an announced transfer under way. Frozen data, events and a pure reducer (no clock, no client).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from console.core.directory import DirectoryEntry, EntryKind, Orbit, PresenceState


class ConsultRole(StrEnum):
    """A call's part in an announced transfer."""

    WAITING = "waiting"  # the caller, on hold while the operator consults the target
    CONSULTING = "consulting"  # the operator's call to the target


@dataclass(frozen=True)
class Consult:
    waiting: str  # store key of the caller's call
    consulting: str  # store key of the call to the target
    number: str  # the target


@dataclass(frozen=True)
class DeskState:
    directory: tuple[DirectoryEntry, ...] = ()
    presence: tuple[tuple[str, PresenceState], ...] = ()  # sorted by number
    orbits: tuple[Orbit, ...] = ()  # in orbit order
    subscribed: bool = False
    dnd: bool = False
    forwarding: str = ""  # the words of the forwarding in force, "" for none
    forwarding_rules: tuple[tuple[str, str], ...] = ()  # the same as (ForwardMode value, number): kept in board.json
    queue_paused: bool = False  # this operator is paused in its queues (the switch took it: store/queues.py)
    consult: Consult | None = None

    def presence_of(self, number: str) -> PresenceState | None:
        return dict(self.presence).get(number)

    def extensions(self) -> tuple[DirectoryEntry, ...]:
        """The busy lamp field's tiles: users of the directory, plus numbers with presence and no entry."""
        users = [e for e in self.directory if e.kind is EntryKind.USER]
        known = {e.number for e in users}
        extra = [DirectoryEntry(n, "") for n, _ in self.presence if n not in known]
        return tuple(sorted(users + extra, key=lambda e: (len(e.number), e.number)))

    def occupied_orbits(self) -> tuple[Orbit, ...]:
        return tuple(o for o in self.orbits if o.occupied)

    def role_of(self, key: str) -> ConsultRole | None:
        if self.consult is None:
            return None
        if key == self.consult.waiting:
            return ConsultRole.WAITING
        if key == self.consult.consulting:
            return ConsultRole.CONSULTING
        return None


# -- events ------------------------------------------------------------------------------

@dataclass(frozen=True)
class DirectoryLoaded:
    entries: tuple[DirectoryEntry, ...]


@dataclass(frozen=True)
class PresenceUpdated:
    states: tuple[tuple[str, PresenceState], ...]
    snapshot: bool = False


@dataclass(frozen=True)
class OrbitsUpdated:
    orbits: tuple[Orbit, ...]
    snapshot: bool = False


@dataclass(frozen=True)
class DndSet:
    on: bool


@dataclass(frozen=True)
class ForwardingSet:
    words: str
    rules: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SettingsRestored:
    """What the board file kept of the desk across a restart of the console (the switch kept it meanwhile):
    shown at once, in one change, then said again to the switch (store/desk.py)."""

    dnd: bool
    forwarding: str
    forwarding_rules: tuple[tuple[str, str], ...]
    queue_paused: bool


@dataclass(frozen=True)
class ConsultStarted:
    consult: Consult


@dataclass(frozen=True)
class ConsultEnded:
    pass


@dataclass(frozen=True)
class QueuePauseSet:
    paused: bool


DeskEvent = (DirectoryLoaded | PresenceUpdated | OrbitsUpdated | DndSet | ForwardingSet | ConsultStarted | ConsultEnded
             | QueuePauseSet | SettingsRestored)
DESK_EVENTS = (DirectoryLoaded, PresenceUpdated, OrbitsUpdated, DndSet, ForwardingSet, ConsultStarted, ConsultEnded,
               QueuePauseSet, SettingsRestored)
MAX_ENTRIES = 2000


def reduce_desk(desk: DeskState, event: DeskEvent) -> DeskState:
    if isinstance(event, DirectoryLoaded):
        return replace(desk, directory=tuple(event.entries[:MAX_ENTRIES]))
    if isinstance(event, PresenceUpdated):
        merged = {} if event.snapshot else dict(desk.presence)
        merged.update(event.states)
        return replace(desk, presence=tuple(sorted(merged.items())[:MAX_ENTRIES]), subscribed=True)
    if isinstance(event, OrbitsUpdated):
        merged_orbits = {} if event.snapshot else {o.orbit: o for o in desk.orbits}
        merged_orbits.update({o.orbit: o for o in event.orbits})
        ordered = sorted(merged_orbits.values(), key=lambda o: (len(o.orbit), o.orbit))
        return replace(desk, orbits=tuple(ordered[:MAX_ENTRIES]))
    if isinstance(event, DndSet):
        return replace(desk, dnd=event.on)
    if isinstance(event, ForwardingSet):
        return replace(desk, forwarding=event.words, forwarding_rules=event.rules)
    if isinstance(event, SettingsRestored):
        return replace(desk, dnd=event.dnd, forwarding=event.forwarding, forwarding_rules=event.forwarding_rules,
                       queue_paused=event.queue_paused)
    if isinstance(event, ConsultStarted):
        return replace(desk, consult=event.consult)
    if isinstance(event, ConsultEnded):
        return replace(desk, consult=None)
    if isinstance(event, QueuePauseSet):
        return replace(desk, queue_paused=event.paused)
    return desk
