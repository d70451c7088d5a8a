"""A park lot kept by the console, for a SIP server without park orbits (a bare Kamailio), sans I/O.

Where the server has a park extension (Asterisk's ``700``, FreeSWITCH's ``valet_park``), park is a REFER to
it and the server keeps the call. A bare proxy keeps nothing, so the console does: the parked call stays
on the console's dialog, held with music on hold, and is shown on an orbit of the attendant extension
(:class:`~console.core.directory.Orbit`, as the JSON switch reports them); it is picked up by taking it
off hold; after ``recall_after`` seconds on the orbit it is recalled to the operator, and again every
``recall_after`` seconds until picked up or gone. Time is an argument; the driver holds, plays the music
and reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.core.directory import Orbit

DEFAULT_ORBITS = tuple(str(n) for n in range(701, 709))
DEFAULT_RECALL = 60.0  # seconds, as the switch's park_recall


@dataclass
class _Parked:
    ref: int
    orbit: Orbit
    since: float
    due: float


class ParkLot:
    def __init__(self, orbits: tuple[str, ...] = DEFAULT_ORBITS, recall_after: float = DEFAULT_RECALL,
                 parked_by: str = "") -> None:
        self.orbit_names = tuple(orbits)
        self.recall_after = recall_after
        self.parked_by = parked_by
        self._parked: dict[str, _Parked] = {}  # orbit -> the call on it

    def park(self, ref: int, number: str, name: str, now: float, orbit: str | None = None) -> Orbit:
        """Put call ``ref`` on ``orbit`` (the first free one if None). Raises ValueError, changing nothing,
        for an unknown or occupied orbit, a full lot, or a call parked already."""
        if self.orbit_of(ref) is not None:
            raise ValueError("the call is parked already")
        if orbit is None:
            orbit = next((o for o in self.orbit_names if o not in self._parked), None)
            if orbit is None:
                raise ValueError(f"every orbit ({', '.join(self.orbit_names)}) is taken")
        elif orbit not in self.orbit_names:
            raise ValueError(f"no orbit {orbit} (the orbits are {', '.join(self.orbit_names)})")
        elif orbit in self._parked:
            raise ValueError(f"orbit {orbit} is taken")
        shown = Orbit(orbit, number, name, self.parked_by)
        self._parked[orbit] = _Parked(ref, shown, now, now + self.recall_after)
        return shown

    def unpark(self, ref: int) -> Orbit | None:
        """Call ``ref`` left its orbit (picked up, or ended): the orbit, now empty; None if it was not parked."""
        orbit = self.orbit_of(ref)
        if orbit is None:
            return None
        del self._parked[orbit]
        return Orbit(orbit)

    def ref_on(self, orbit: str) -> int | None:
        """The call parked on ``orbit``; None if it is free."""
        parked = self._parked.get(orbit)
        return parked.ref if parked is not None else None

    def orbit_of(self, ref: int) -> str | None:
        return next((o for o, p in self._parked.items() if p.ref == ref), None)

    def snapshot(self) -> tuple[Orbit, ...]:
        return tuple(self._parked[o].orbit if o in self._parked else Orbit(o) for o in self.orbit_names)

    def due(self, now: float) -> list[tuple[int, Orbit, float]]:
        """The calls to recall now: (ref, orbit, seconds parked); each is recalled again ``recall_after`` later."""
        out = []
        for parked in self._parked.values():
            if parked.due <= now:
                parked.due = now + self.recall_after
                out.append((parked.ref, parked.orbit, now - parked.since))
        return out

    def next_deadline(self) -> float | None:
        return min((p.due for p in self._parked.values()), default=None)
