"""Presence per extension, from the legs of its connected consoles (pure: no timers, no sockets).

The busy lamp field's states (``PresenceState``) in one function, so the
switch and its tests agree on what "busy" or "on hold" means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from console.core.directory import PresenceState
from console.core.enums import CALL_STATES, Direction
from console.switch.model import Session

S = CALL_STATES
_UP = frozenset({S.CONNECTED, S.DIALING})
_HELD = frozenset({S.HELD, S.HOLDING})
_RINGING = frozenset({S.OFFERING, S.RINGING})


@dataclass
class Prefs:
    """An extension's do-not-disturb and forwarding, set from its console (kept while the switch runs)."""

    dnd: bool = False
    always: str | None = None
    busy: str | None = None
    no_answer: str | None = None
    after: float = 15.0


def presence_of(sessions: Iterable[Session], dnd: bool) -> PresenceState:
    """Busy beats on hold beats ringing beats DND beats available; no connected console: offline."""
    connected = [s for s in sessions if s.connected and not s.ended]
    if not connected:
        return PresenceState.OFFLINE
    states = [(leg.state, leg.machine.direction) for s in connected for leg in s.legs.values()]
    if any(st in _UP or (st is S.RINGING and d is Direction.OUT) for st, d in states):
        return PresenceState.BUSY
    if any(st in _HELD for st, _ in states):
        return PresenceState.ON_HOLD
    if any(st in _RINGING for st, _ in states):
        return PresenceState.RINGING
    return PresenceState.DND if dnd else PresenceState.AVAILABLE
