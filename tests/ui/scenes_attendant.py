"""Deterministic scenes of the attendant screens: a display-only store fed the desk events the client's
attendant handlers would produce (no client, a frozen clock)."""

from __future__ import annotations

from console.core.directory import DirectoryEntry, EntryKind, Orbit, PresenceState
from console.core.enums import CALL_STATES, Direction
from console.store import LoginPlan
from console.store import events as ev
from console.store.desk_state import DirectoryLoaded, OrbitsUpdated, PresenceUpdated
from console.ui import SwitchboardApp

from .scenes import SERVER, WALL, app_for, logged_in_store

DEPARTMENTS = ("Sales", "Support", "Accounts", "Reception", "Warehouse", "Legal")
FIRST = ("Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy")
STATES = (PresenceState.AVAILABLE, PresenceState.BUSY, PresenceState.RINGING, PresenceState.ON_HOLD,
          PresenceState.DND, PresenceState.OFFLINE, PresenceState.AVAILABLE)


def attendant_store(extensions: int = 60):
    store = logged_in_store()
    d = store.dispatch
    entries = tuple(DirectoryEntry(str(200 + n), f"{FIRST[n % 10]} {chr(65 + n // 10)}.", EntryKind.USER,
                                   DEPARTMENTS[n % 6]) for n in range(extensions))
    d(DirectoryLoaded(entries + (DirectoryEntry("9000", "Echo test", EntryKind.SERVICE),)))
    d(PresenceUpdated(tuple((e.number, STATES[n % 7]) for n, e in enumerate(entries))))
    orbits = [Orbit(str(701 + n)) for n in range(10)]
    orbits[0] = Orbit("701", "5551234", "Outside caller", "200")
    orbits[3] = Orbit("704", "203", "Dave A.", "200")
    d(OrbitsUpdated(tuple(orbits)))
    d(ev.CallAdded("k1", Direction.IN, CALL_STATES.OFFERING, 60.0, WALL, call_id="c1", remote_number="5550100",
                   remote_name="Mr Smith"))
    d(ev.CallChanged("k1", CALL_STATES.CONNECTED, 70.0))
    d(ev.FocusSlot(1))
    return store


def lamp_field(theme: str) -> SwitchboardApp:
    return app_for(attendant_store(), LoginPlan(server=SERVER, username="operator", embedded=True), theme)


def crowded_lamp_field(theme: str) -> SwitchboardApp:
    return app_for(attendant_store(120), LoginPlan(server=SERVER, username="operator", embedded=True), theme)
