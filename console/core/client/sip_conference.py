"""Conferences mixed in the console: the SIP wire's answer to the session's conference requests, sans I/O.

A bare SIP proxy has no conference focus (RFC 4579), so the console is the bridge, as baresip and pjsua
are: the calls stay ordinary two-party dialogs and the console's media mixes them
(``console.media.mixer``). This module only keeps which of the session's calls are in which conference
and says so in :class:`~console.core.client.wire.ConferenceReport` values, as the JSON switch does; the
driver mixes the calls of a conference the session reports (``WireCapabilities.local_conference``).

Parties count the operator: a conference of two calls has three parties; at most ``MAX_PARTIES``.
A conference left with one call is over (an ordinary call again).
"""

from __future__ import annotations

from dataclasses import dataclass

from .wire import ConferenceReport

MAX_PARTIES = 8  # the operator and seven calls


@dataclass(frozen=True)
class Leaving:
    """What leaving a conference means for its calls: ``join`` the two remaining parties to each other
    (an attended transfer: REFER with Replaces), else ``end`` every call (nobody mixes them any more)."""

    join: tuple[str, str] | None
    end: tuple[str, ...]
    report: ConferenceReport


class LocalConferences:
    def __init__(self, max_parties: int = MAX_PARTIES) -> None:
        self.max_parties = max_parties
        self.rooms: dict[str, list[str]] = {}
        self._next = 1

    def room_of(self, call: str) -> str | None:
        return next((room for room, calls in self.rooms.items() if call in calls), None)

    def join(self, calls: tuple[str, ...]) -> ConferenceReport:
        """Join ``calls`` (session call ids) into one conference; one they are in already takes the others in.

        Raises ValueError (nothing changes) for fewer than two calls or more than ``max_parties`` parties.
        """
        rooms = list(dict.fromkeys(r for r in (self.room_of(c) for c in calls) if r is not None))
        members = list(dict.fromkeys([c for r in rooms for c in self.rooms[r]] + list(calls)))
        if len(members) < 2:
            raise ValueError("a conference needs two calls")
        if len(members) + 1 > self.max_parties:
            raise ValueError(f"a conference mixed in the console has at most {self.max_parties} parties "
                             f"(the operator and {self.max_parties - 1} calls)")
        room = rooms[0] if rooms else f"console-{self._next}"
        if not rooms:
            self._next += 1
        for other in rooms[1:]:
            del self.rooms[other]
        self.rooms[room] = members
        return self._report(room)

    def leave(self, room: str) -> Leaving:
        """The operator leaves: two calls are joined to each other, more end; the conference is over."""
        calls = tuple(self.rooms.pop(room, ()))
        report = ConferenceReport(room, (), 0)
        if len(calls) == 2:
            return Leaving((calls[0], calls[1]), (), report)
        return Leaving(None, calls, report)

    def ended(self, call: str) -> ConferenceReport | None:
        """Call ``call`` ended: the conference it was in shrinks (and is over with one call left)."""
        room = self.room_of(call)
        if room is None:
            return None
        self.rooms[room].remove(call)
        if len(self.rooms[room]) < 2:
            del self.rooms[room]
            return ConferenceReport(room, (), 0)
        return self._report(room)

    def clear(self) -> None:
        self.rooms.clear()

    def _report(self, room: str) -> ConferenceReport:
        calls = tuple(self.rooms[room])
        return ConferenceReport(room, calls, len(calls) + 1)
