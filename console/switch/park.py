"""Park orbits: which parked leg waits where, who parked it, and its recall timer."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from console.core.directory import Orbit
from console.switch.model import Leg, Session


@dataclass(eq=False)
class Parked:
    orbit: str
    leg: Leg  # the caller waiting (hears music on hold)
    by: Session  # the console that parked it: a recall rings there
    by_number: str
    timer: asyncio.TimerHandle | None = None
    recalling: bool = False
    since: float = field(default_factory=time.time)  # Unix time it was parked (the orbit object's ``since``)

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def view(self) -> Orbit:
        return Orbit(self.orbit, self.leg.local_number or "", self.leg.local_name, self.by_number, self.since)


class ParkLot:
    """The orbits, each empty or holding one :class:`Parked`."""

    def __init__(self, orbits: tuple[str, ...]):
        self.orbits = orbits
        self._parked: dict[str, Parked] = {}

    def __contains__(self, number: str) -> bool:
        return number in self.orbits

    def get(self, orbit: str) -> Parked | None:
        return self._parked.get(orbit)

    def free(self) -> str | None:
        return next((o for o in self.orbits if o not in self._parked), None)

    def put(self, parked: Parked) -> None:
        self._parked[parked.orbit] = parked

    def take(self, orbit: str) -> Parked | None:
        parked = self._parked.pop(orbit, None)
        if parked is not None:
            parked.cancel()
        return parked

    def of_leg(self, leg: Leg) -> Parked | None:
        return next((p for p in self._parked.values() if p.leg is leg), None)

    def views(self) -> list[Orbit]:
        return [self._parked[o].view() if o in self._parked else Orbit(o) for o in self.orbits]
