"""Conferences: n parties mixed in the switch, each hearing the sum of the others, not itself.

A *party* is one session (a console) or one far end; a party may have several
legs in the conference (an operator who joins two of its calls has two legs:
the mix hears the sum of both, and sends the others' sum to both; the console
plays only the call it has focused). Legs of the same session are one party,
so an operator never hears itself on its other call.

Signaling (:class:`Conferencing`, a base of the exchange): ``conference``
joins calls of one console and their far ends; ``conference_leave`` ends that
console's legs in it while the other parties stay connected; dropping a
party is ``disconnect`` of the call to it (both its legs end, the conference
carries on). A conference left with one party ends: that party's legs with no
other far end end with SUCCESS (the others talked to them and left). Every
change is announced to each console with legs in it as a ``conference_state``
event (docs/PROTOCOL.md, "Conference").

Media (:class:`ConferenceMix`): the member legs' route is the mix itself
(``MediaPlane.route(leg, mix)``); the plane hands each member's decoded
frames to ``heard`` and asks ``frame_for`` once per 20 ms tick of each
member's sending track. Each (listener, talker) pair has its own bounded
queue, so every listener gets every talker's frames once, whatever the order
of the ticks; clock drift is absorbed as the relay does (oldest dropped).

Bounds (``[limits]``): ``max_conference_parties`` parties in one conference,
``max_conferences`` at once; a request over either is refused (``wrong_state``)
and the trip is logged.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Hashable

import numpy as np

from console.core.enums import CALL_STATES, DISC_REASON, ErrorCode
from console.core.errors import ProtocolError
from console.core.machines import CallEvent
from console.core.protocol import Message, MsgType, call_id_list
from console.switch.legs import Legs
from console.switch.model import Leg, Session

log = logging.getLogger(__name__)
R = DISC_REASON

TALKING = frozenset({CALL_STATES.CONNECTED, CALL_STATES.HELD, CALL_STATES.HOLDING})
MIX_QUEUE_FRAMES = 5  # 100 ms per (listener, talker) at most
MIX_TARGET = 2  # frames kept when a queue runs long


class ConferenceMix:
    """The audio of one conference; see the module docstring. Runs on the loop, never blocks."""

    def __init__(self) -> None:
        self._party: dict[str, Hashable] = {}  # leg id -> party
        self._queues: dict[tuple[str, str], deque[bytes]] = {}  # (listener, talker) -> frames
        self.dropped = 0

    def set_members(self, parties: dict[str, Hashable]) -> None:
        """The member legs and their parties, replacing the previous set (queues of leavers go)."""
        self._party = dict(parties)
        self._queues = {pair: q for pair, q in self._queues.items()
                        if pair[0] in self._party and pair[1] in self._party}

    @property
    def members(self) -> frozenset[str]:
        return frozenset(self._party)

    def heard(self, leg: str, pcm: bytes) -> None:
        """A 20 ms frame (48 kHz mono s16) ``leg`` sent: queued for every listener of another party."""
        party = self._party.get(leg)
        if party is None:
            return
        for listener, other in self._party.items():
            if other != party:
                queue = self._queues.get((listener, leg))
                if queue is None:
                    queue = self._queues[(listener, leg)] = deque(maxlen=MIX_QUEUE_FRAMES)
                elif len(queue) == MIX_QUEUE_FRAMES:
                    self.dropped += 1
                queue.append(pcm)

    def frame_for(self, leg: str) -> bytes | None:
        """What ``leg`` hears for the next 20 ms: the sum of the other parties' legs (None: silence)."""
        party = self._party.get(leg)
        if party is None:
            return None
        total: np.ndarray | None = None
        for talker, other in self._party.items():
            if other == party:
                continue
            queue = self._queues.get((leg, talker))
            if not queue:
                continue
            while len(queue) > MIX_TARGET:
                queue.popleft()
                self.dropped += 1
            samples = np.frombuffer(queue.popleft(), dtype="<i2").astype(np.int32)
            if total is None:
                total = samples
            elif samples.size == total.size:
                total = total + samples
        if total is None:
            return None
        return np.clip(total, -32768, 32767).astype("<i2").tobytes()


@dataclass(eq=False)
class Conference:
    id: str
    mix: ConferenceMix = field(default_factory=ConferenceMix)
    legs: dict[str, Leg] = field(default_factory=dict)

    def parties(self) -> dict[str, Hashable]:
        """Leg id -> party: the owning session for a console's leg, the leg itself for one without."""
        return {leg.id: (id(leg.owner) if leg.owner is not None else leg.id) for leg in self.legs.values()}

    @property
    def party_count(self) -> int:
        return len(set(self.parties().values()))


class Conferencing(Legs):
    """The conference requests and bookkeeping; a base of :class:`console.switch.calls.Exchange`."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.conferences: dict[str, Conference] = {}
        self._conference_ids = itertools.count(1)

    # --- requests -----------------------------------------------------------------
    def conference(self, session: Session, calls: object) -> dict:
        """Join ``calls`` (this session's, connected or held, bridged to a console) and their far ends."""
        ids = call_id_list(calls)
        legs = [self._own_leg(session, call_id) for call_id in ids]
        joined = {leg.conference for leg in legs if leg.conference is not None}
        if len(joined) > 1:
            raise ProtocolError(ErrorCode.WRONG_STATE, "the calls are in different conferences")
        room = joined.pop() if joined else None
        if room is None and len(legs) < 2:
            raise ProtocolError(ErrorCode.WRONG_STATE, "a conference needs two calls (or one and a conference)")
        newcomers: list[Leg] = []
        for leg in legs:
            if not leg.live:
                raise ProtocolError(ErrorCode.WRONG_STATE, f"call {leg.id} has ended")
            if leg.state not in TALKING:
                raise ProtocolError(ErrorCode.WRONG_STATE, f"call {leg.id} is {leg.machine.state}, not connected or held")
            peer = leg.peer
            if peer is None or peer.virtual:
                raise ProtocolError(ErrorCode.WRONG_STATE,
                                    f"call {leg.id} is with a service or a demo caller, not a person at a console "
                                    "(services cannot join a conference)")
            for member in (leg, peer):
                if member.conference is None and member not in newcomers:
                    newcomers.append(member)
        parties = set(room.parties().values()) if room is not None else set()
        parties |= {id(m.owner) if m.owner is not None else m.id for m in newcomers}
        limit = self.config.limits.max_conference_parties
        if len(parties) > limit:
            self.trips.trip("max_conference_parties", "a conference of %d parties refused (at most %d)", len(parties), limit)
            raise ProtocolError(ErrorCode.WRONG_STATE, f"a conference has at most {limit} parties")
        if room is None:
            if len(self.conferences) >= self.config.limits.max_conferences:
                self.trips.trip("max_conferences", "a new conference refused (%d running)", len(self.conferences))
                raise ProtocolError(ErrorCode.WRONG_STATE, "too many conferences at once; try again later")
            room = Conference(f"f{next(self._conference_ids)}")
            self.conferences[room.id] = room
        for member in newcomers:
            member.conference = room
            room.legs[member.id] = member
            if member.machine.remote_hold:
                # its far end (our operator) had it on hold: in a conference it hears the others instead
                member.machine = member.machine.apply(CallEvent.RETRIEVE_REMOTE)
                self._notify(member)
        log.info("conference %s: %d parties, legs %s", room.id, room.party_count, ", ".join(room.legs))
        self._settle(room)
        return {"conference": room.id}

    def conference_leave(self, session: Session, conference_id: object) -> dict:
        """End this session's legs in the conference; the other parties stay connected to each other."""
        room = self.conferences.get(conference_id) if isinstance(conference_id, str) else None
        mine = [leg for leg in room.legs.values() if leg.owner is session] if room is not None else []
        if room is None or not mine:
            raise ProtocolError(ErrorCode.UNKNOWN_CALL, f"no conference {conference_id!r} with calls of this console")
        for leg in mine:
            peer = leg.peer
            leg.peer = None
            if peer is not None:
                peer.peer = None  # it stays, talking to the conference
            room.legs.pop(leg.id, None)
            leg.conference = None
            self._end(leg, R.SUCCESS)
        self._announce(room, gone=[session])
        self._settle(room)
        return {}

    def announce_conferences(self, session: Session) -> None:
        """Tell a console that restored its session which of its calls are in conferences (after the result)."""
        for room in list(self.conferences.values()):
            ids = [leg.id for leg in room.legs.values() if leg.owner is session]
            if ids:
                self._send(session, Message(MsgType.CONFERENCE_STATE, None,
                                            {"conference": room.id, "calls": ids, "parties": room.party_count}))

    def _own_leg(self, session: Session, call_id: str) -> Leg:
        leg = session.legs.get(call_id)
        if leg is None:
            raise ProtocolError(ErrorCode.UNKNOWN_CALL, f"no call {call_id!r} on this session")
        return leg

    # --- bookkeeping -----------------------------------------------------------------
    def _conference_leg_ended(self, leg: Leg) -> None:
        """Called by Legs._end: a member leg ended (hang-up, drop, failure)."""
        room = leg.conference
        leg.conference = None
        if room is None or room.legs.pop(leg.id, None) is None:
            return
        self._announce(room, gone=[leg.owner] if leg.owner is not None else [])
        self._settle(room)

    def _settle(self, room: Conference) -> None:
        """Route the members to the mix; a conference of one party ends."""
        if room.party_count >= 2:
            room.mix.set_members(room.parties())
            for leg in list(room.legs.values()):
                self._reroute(leg)
            self._announce(room)
            return
        self.conferences.pop(room.id, None)
        room.mix.set_members({})
        left = list(room.legs.values())
        room.legs.clear()
        for leg in left:
            leg.conference = None
        self._announce_members(room.id, left, 0)
        log.info("conference %s ended", room.id)
        for leg in left:
            if leg.peer is None:
                self._end(leg, R.SUCCESS)  # the parties it talked to have all gone
            else:
                self._reroute(leg)

    def _announce(self, room: Conference, gone: list[Session] | None = None) -> None:
        self._announce_members(room.id, list(room.legs.values()), room.party_count)
        for session in gone or []:
            if not any(leg.owner is session for leg in room.legs.values()):
                self._send(session, Message(MsgType.CONFERENCE_STATE, None,
                                            {"conference": room.id, "calls": [], "parties": 0}))

    def _announce_members(self, room_id: str, legs: list[Leg], parties: int) -> None:
        by_session: dict[int, tuple[Session, list[str]]] = {}
        for leg in legs:
            if leg.owner is not None:
                by_session.setdefault(id(leg.owner), (leg.owner, []))[1].append(leg.id)
        for session, ids in by_session.values():
            self._send(session, Message(MsgType.CONFERENCE_STATE, None,
                                        {"conference": room_id, "calls": ids if parties else [], "parties": parties}))
