"""Queues shared by several operators: a number that rings its members, the first answer takes the caller.

A base of :class:`console.switch.calls.Exchange` (between the conference and the attendant features), split
out so each file reads in one sitting. A call to a queue's number (``[[switch.queues]]``,
:mod:`console.switch.queue_config`) is answered by the switch: the caller's call turns ``CONNECTED`` and then
``HOLDING`` (it hears music on hold, or with ``announce_position`` first its position as beeps) and waits in
line. Each waiting caller is offered, in order, to the members that are free (a connected console, not
paused, no call, no DND): every free member at once (``ring-all``) or one at a time, the member idle longest
first (``longest-idle``), each offer ringing ``ring_timeout`` seconds before the queue moves on. The offers
are ordinary incoming calls of one :class:`Setup`, so the first answer goes through ``Legs._connect``: the
caller is bridged to that member and every other offer ends at once with ``NOTSELECTED`` (the seed: "The
call was signaled to multiple endpoints and another one answered"). ``overflow_after`` seconds unanswered
send the caller on to ``overflow_to`` (another queue or any number), as a forward would. A caller who hangs
up leaves the line and its offers end ``SUCCESS`` (the house's rule for a caller that hangs up while it
rings). A member pauses and unpauses itself with ``queue_pause``; ``queue_status`` tells who waits and each
member's state (docs/PROTOCOL.md, "Queues").

Every change that may free a member or a caller (a leg ends, a console comes or goes, a pause) asks for one
dispatch on the next turn of the loop (:meth:`Queueing._queue_kick`), so no dispatch runs inside another
leg change. Bounds: ``max_waiting`` callers per queue (one more gets ``BUSY``, logged as ``limit
queue_max_waiting``); of those places one caller (:func:`caller_key`) holds at most ``max_waiting_per_caller``
(one more gets ``BUSY``, logged as ``limit queue_max_waiting_per_caller``), so one caller dialling a queue over
and over cannot fill it against everyone else; and the fixed bounds of :mod:`console.switch.limits`. Across
queues a user's places are bounded by its ``max_calls`` (each place is one of its live calls).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass, field

from console.core.enums import DISC_REASON, ErrorCode
from console.core.errors import ProtocolError
from console.core.machines import CallEvent, CallMachine, Phase
from console.core.queues import MemberState, QueuedCaller, QueueMember, QueueOffer, QueueStatus
from console.media.tones import SILENT_FRAME, tone_frames
from console.switch.attendant_features import Attendant
from console.switch.config import SwitchConfig
from console.switch.media import MUSIC_HZ, MediaPlane
from console.switch.model import Leg, Session, Setup
from console.switch.queue_config import QueueConfig, QueueStrategy
from console.switch.services import Arpeggio

log = logging.getLogger("console.switch.calls")
R = DISC_REASON
RETRY_AFTER = 2.0  # s before members that declined or let the caller ring out are offered it again
STATUS_WAITING = 200  # waiting callers a queue_status lists at most (``total`` counts them all)
CUE_HZ, CUE_DBFS, CUE_BEEP_MS, CUE_GAP_FRAMES, CUE_END_FRAMES, CUE_MAX_BEEPS = 880.0, -16.0, 120, 6, 20, 9


class PositionCue:
    """What a waiting caller hears with ``announce_position``: one short 880 Hz beep per place in the line
    (at most 9), a pause, then music on hold (silence on a switch with ``moh = false``); played again
    whenever its position changes. A route of the media plane, as a conference mix is (``AudioMix``): it
    ignores what the caller says."""

    def __init__(self, music: bool = True) -> None:
        self._cue: deque[bytes] = deque()
        self._music = Arpeggio(MUSIC_HZ) if music else None
        self.position = 0

    def announce(self, position: int) -> None:
        self.position = position
        self._cue.clear()
        for _ in range(min(position, CUE_MAX_BEEPS)):
            self._cue.extend(tone_frames(CUE_HZ, CUE_DBFS, CUE_BEEP_MS))
            self._cue.extend([SILENT_FRAME] * CUE_GAP_FRAMES)
        self._cue.extend([SILENT_FRAME] * CUE_END_FRAMES)

    def heard(self, leg: str, pcm: bytes) -> None:
        pass

    def frame_for(self, leg: str) -> bytes | None:
        if self._cue:
            return self._cue.popleft()
        return self._music.frame() if self._music is not None else SILENT_FRAME


def caller_key(leg: Leg) -> tuple[str, str] | None:
    """Whose share of a queue's places ``leg`` takes: the calling number as the account that placed the call
    presents it (its username, or a Call Me login's token, :attr:`console.switch.auth.Identity.owner`, the key
    ``max_sessions_per_user`` counts).

    The number alone would let an account use up the share of a caller on another account who presents the same
    number; the account alone would put every caller behind one account in one share: the practice callers (a few
    demo users, a number each) or a gateway's external callers. An account's places over all its numbers and
    queues stay bounded by its ``max_calls``. A transferred caller counts as itself, never as the console that
    transferred it. None: a leg the switch made itself (the demo caller), nobody's share."""
    if leg.owner is None:
        return None
    return leg.owner.identity.owner or "", leg.local_number or ""


@dataclass(eq=False)
class Waiting:
    """One caller in a queue's line."""

    queue: Queue
    setup: Setup
    key: tuple[str, str] | None = None  # the caller's share it counts in (caller_key)
    joined: float = field(default_factory=time.monotonic)
    first_since: float = 0.0  # Unix time the caller first rang in (the offered calls' waiting_since)
    offers: dict[str, str] = field(default_factory=dict)  # offered leg id -> member number
    tried: set[str] = field(default_factory=set)  # members that declined or let it ring out (until a retry)
    ring_timer: asyncio.TimerHandle | None = None
    overflow_timer: asyncio.TimerHandle | None = None
    retry_timer: asyncio.TimerHandle | None = None
    cue: PositionCue | None = None
    position: int = 0

    @property
    def caller(self) -> Leg:
        return self.setup.caller

    def cancel(self) -> None:
        for timer in (self.ring_timer, self.overflow_timer, self.retry_timer):
            if timer is not None:
                timer.cancel()
        self.ring_timer = self.overflow_timer = self.retry_timer = None


@dataclass(eq=False)
class Queue:
    config: QueueConfig
    members: tuple[tuple[str, str], ...]  # (as configured, number)
    waiting: list[Waiting] = field(default_factory=list)
    paused: set[str] = field(default_factory=set)  # member numbers

    def has(self, number: str | None) -> bool:
        return any(n == number for _, n in self.members)


class Queueing(Attendant):
    """See the module docstring."""

    def __init__(self, config: SwitchConfig, plane: MediaPlane):
        super().__init__(config, plane)
        self.queues = {q.number: Queue(q, self._resolve_members(q)) for q in config.queues}
        self._queued: dict[str, Waiting] = {}  # caller leg id -> its place
        self._offered: dict[str, Waiting] = {}  # offered leg id -> the caller it offers
        self._talks: dict[str, str] = {}  # a member's leg that answered a queue call -> the member's number
        self._idle_since: dict[str, float] = {}  # member number -> when its last queue call ended (monotonic)
        self._kick: asyncio.Handle | None = None

    def _resolve_members(self, queue: QueueConfig) -> tuple[tuple[str, str], ...]:
        members = []
        for spec in queue.members:
            user = self.config.user(spec)
            number = user.number if user is not None else spec
            if number:
                members.append((spec, number))
            else:
                log.warning("queue %s: member %s has no number; it is never offered calls", queue.number, spec)
        return tuple(members)

    # --- requests -----------------------------------------------------------------------
    def queue_pause(self, session: Session, queue: str | None, paused: bool) -> dict:
        """Pause (or unpause) this console's number in ``queue``, or in every queue it is a member of."""
        number = session.number
        if queue is not None and queue not in self.queues:
            raise ProtocolError(ErrorCode.UNKNOWN_QUEUE, f"no queue {queue}")
        targets = [q for q in self.queues.values() if q.has(number) and queue in (None, q.config.number)]
        if not number or not targets:
            raise ProtocolError(ErrorCode.NOT_PERMITTED, f"{number or 'this session'} is not a member of "
                                                         f"{'queue ' + queue if queue else 'any queue'}")
        for q in targets:
            (q.paused.add if paused else q.paused.discard)(number)
        log.info("%s %s in queue(s) %s", number, "paused" if paused else "unpaused",
                 ", ".join(q.config.number for q in targets))
        self._queue_kick()
        return {"queues": [q.config.number for q in targets], "paused": bool(paused)}

    def queue_status(self, session: Session, queue: str) -> dict:
        q = self.queues.get(queue)
        if q is None:
            raise ProtocolError(ErrorCode.UNKNOWN_QUEUE, f"no queue {queue}")
        now = time.monotonic()
        status = QueueStatus(
            q.config.number, q.config.name, str(q.config.strategy), len(q.waiting),
            tuple(QueuedCaller(e.caller.local_number, e.caller.local_name, round(now - e.joined, 1), bool(e.offers))
                  for e in q.waiting[:STATUS_WAITING]),
            tuple(QueueMember(spec, number, self._member_state(q, number)) for spec, number in q.members),
        )
        return {"queue": status.to_wire()}

    # --- joining the line -----------------------------------------------------------------
    def _queue_route(self, setup: Setup) -> bool:
        """Before the directory's routing: a queue's number puts the caller in its line."""
        queue = self.queues.get(setup.number)
        if queue is None:
            return False
        caller = setup.caller
        if len(queue.waiting) >= queue.config.max_waiting:
            self.trips.trip("queue_max_waiting", "queue %s has %d callers waiting; %s gets BUSY",
                            queue.config.number, len(queue.waiting), caller.local_number or caller.id)
            self._abandon(setup, R.BUSY)  # a transferred caller comes back to the console that sent it (recall.py)
            return True
        key = caller_key(caller)
        share = queue.config.max_waiting_per_caller
        if key is not None and sum(1 for e in queue.waiting if e.key == key) >= share:
            self.trips.trip("queue_max_waiting_per_caller", "queue %s: %s (%s) already waits there %d times; the "
                            "next call gets BUSY", queue.config.number, key[1] or caller.id, key[0], share)
            self._abandon(setup, R.BUSY)
            return True
        # The queue takes the call over with a setup of its own: whatever the caller's setup had armed (a
        # transfer's recall timer, which checks ``caller.setup is setup``) no longer applies to it.
        setup.cancel_timers()
        setup.keep_caller = None
        setup = Setup(caller=caller, number=queue.config.number, hops=setup.hops,
                      transferred_by=setup.transferred_by, forwarded_from=setup.forwarded_from)
        caller.setup = setup
        entry = Waiting(queue, setup, key, first_since=caller.waiting_since or caller.began)
        setup.keep_caller = lambda _reason: self._keep_waiting(entry)
        queue.waiting.append(entry)
        self._queued[caller.id] = entry
        entry.position = len(queue.waiting)
        if queue.config.announce_position:
            entry.cue = PositionCue(music=self.config.moh)
            entry.cue.announce(entry.position)
        caller.remote_number, caller.remote_name = queue.config.number, queue.config.name
        if caller.machine.phase is not Phase.CONNECTED:
            self._apply(caller, CallEvent.CONNECT)  # the switch answers: the caller's media is up from now
        if not caller.machine.remote_hold:
            caller.machine = caller.machine.apply(CallEvent.HOLD_REMOTE)
        self._notify(caller)
        self._reroute(caller)
        if queue.config.overflow_after is not None:
            loop = asyncio.get_running_loop()
            entry.overflow_timer = loop.call_later(queue.config.overflow_after, self._overflow, entry)
        log.info("queue %s: %s waits (position %d)", queue.config.number, caller.local_number or caller.id,
                 entry.position)
        self._queue_kick()
        return True

    def _keep_waiting(self, entry: Waiting) -> None:
        """The caller's last offer ended (declined, its console gone): it stays in line, rung again later."""
        if entry.caller.live and self._queued.get(entry.caller.id) is entry:
            entry.caller.setup = entry.setup

    def _leave(self, entry: Waiting) -> None:
        entry.cancel()
        entry.setup.keep_caller = None
        self._queued.pop(entry.caller.id, None)
        if entry in entry.queue.waiting:
            entry.queue.waiting.remove(entry)

    def _overflow(self, entry: Waiting) -> None:
        entry.overflow_timer = None
        if self._queued.get(entry.caller.id) is not entry:
            return
        target = entry.queue.config.overflow_to or ""
        log.info("queue %s: %s waited %.1f s; overflow to %s", entry.queue.config.number,
                 entry.caller.local_number or entry.caller.id, time.monotonic() - entry.joined, target)
        self._leave(entry)
        self._reroute(entry.caller)  # music on hold (no more position cue) while it rings there
        self._forward(entry.setup, target)  # its offers end REDIRECTED
        self._queue_kick()

    # --- offering ----------------------------------------------------------------------------
    def _queue_kick(self) -> None:
        """One dispatch of every queue on the next turn of the loop (never inside a leg change)."""
        if self.queues and self._kick is None:
            self._kick = asyncio.get_running_loop().call_soon(self._dispatch_all)

    def _dispatch_all(self) -> None:
        self._kick = None
        for queue in self.queues.values():
            self._dispatch(queue)

    def _dispatch(self, queue: Queue) -> None:
        for position, entry in enumerate(list(queue.waiting), 1):
            if not entry.caller.live:
                continue
            if entry.position != position:
                entry.position = position
                if entry.cue is not None:
                    entry.cue.announce(position)
            if queue.config.strategy is QueueStrategy.LONGEST_IDLE and entry.offers:
                continue  # one member at a time
            free = [n for _, n in queue.members if self._member_free(queue, n, entry.caller)]
            untried = [n for n in free if n not in entry.tried]
            if not untried:
                if free and not entry.offers and entry.retry_timer is None:
                    entry.retry_timer = asyncio.get_running_loop().call_later(RETRY_AFTER, self._retry, entry)
                continue
            if queue.config.strategy is QueueStrategy.LONGEST_IDLE:
                untried = [min(untried, key=lambda n: self._idle_since.get(n, 0.0))]  # ties: the configured order
            self._offer_to(entry, untried, position)

    def _retry(self, entry: Waiting) -> None:
        entry.retry_timer = None
        entry.tried.clear()
        self._queue_kick()

    def _member_sessions(self, number: str) -> list[Session]:
        return [s for s in self.registrations.get(number, []) if s.connected and not s.ended]

    def _member_free(self, queue: Queue, number: str, caller: Leg) -> bool:
        if number in queue.paused or (caller.owner is not None and caller.owner.number == number):
            return False
        prefs = self.prefs.get(number)
        sessions = self._member_sessions(number)
        return bool(sessions) and not (prefs and prefs.dnd) and not any(s.legs for s in sessions)

    def _member_state(self, queue: Queue, number: str) -> MemberState:
        sessions = self._member_sessions(number)
        if not sessions:
            return MemberState.OFFLINE
        if number in queue.paused:
            return MemberState.PAUSED
        return MemberState.BUSY if any(s.legs for s in sessions) else MemberState.FREE

    def _offer_to(self, entry: Waiting, numbers: list[str], position: int) -> None:
        caller, q, setup = entry.caller, entry.queue.config, entry.setup
        caller.setup = setup
        offer = QueueOffer(q.number, q.name, position, round(time.monotonic() - entry.joined, 1))
        for number in numbers:
            for session in self._member_sessions(number):
                leg = self._new_leg(session, CallMachine.incoming(), local=(number, session.name),
                                    remote=(caller.local_number, caller.local_name))
                leg.setup = setup
                leg.waiting_since = entry.first_since
                leg.queue = offer
                leg.transferred_by, leg.forwarded_from = setup.transferred_by, setup.forwarded_from
                setup.offered.append(leg)
                entry.offers[leg.id] = number
                self._offered[leg.id] = entry
                self._notify(leg)
        if entry.offers and entry.ring_timer is None:
            entry.ring_timer = asyncio.get_running_loop().call_later(q.ring_timeout, self._ring_out, entry)

    def _ring_out(self, entry: Waiting) -> None:
        """Nobody took the offers in ``ring_timeout``: they are withdrawn and the queue moves on."""
        entry.ring_timer = None
        for leg_id in list(entry.offers):
            leg = self.legs.get(leg_id)
            if leg is not None:
                self._end(leg, R.NOTRESPONDING)

    # --- what the legs' changes mean to the queues --------------------------------------------
    def _connect(self, setup: Setup, leg: Leg) -> None:
        entry = self._queued.get(setup.caller.id)
        if entry is not None and entry.setup is setup:
            member = entry.offers.get(leg.id)
            self._leave(entry)  # first: the others' offers now end NOTSELECTED, which is no reason to ring on
            if member is not None:
                self._talks[leg.id] = member
            log.info("queue %s: %s answered %s after %.1f s", entry.queue.config.number, member,
                     setup.caller.local_number or setup.caller.id, time.monotonic() - entry.joined)
        super()._connect(setup, leg)

    def _end(self, leg: Leg, reason: DISC_REASON) -> None:
        live = leg.live
        super()._end(leg, reason)
        if not live or not self.queues:
            return
        entry = self._offered.pop(leg.id, None)
        if entry is not None:
            member = entry.offers.pop(leg.id, None)
            if member is not None and reason is not R.NOTSELECTED:
                entry.tried.add(member)  # declined, rang out, or its console went: the others first
            if not entry.offers and entry.ring_timer is not None:
                entry.ring_timer.cancel()
                entry.ring_timer = None
        entry = self._queued.get(leg.id)
        if entry is not None:  # the caller is gone while it waited
            self._leave(entry)
            log.info("queue %s: %s left the line after %.1f s", entry.queue.config.number,
                     leg.local_number or leg.id, time.monotonic() - entry.joined)
            for leg_id in list(entry.offers):
                offered = self.legs.get(leg_id)
                if offered is not None:
                    self._end(offered, R.SUCCESS)
        member = self._talks.pop(leg.id, None)
        if member is not None:
            self._idle_since[member] = time.monotonic()
        self._queue_kick()

    def _reroute(self, leg: Leg) -> None:
        entry = self._queued.get(leg.id)
        if entry is not None and entry.cue is not None and leg.live and not leg.machine.local_hold:
            self.plane.route(leg.id, entry.cue)  # its position, then music
            return
        super()._reroute(leg)

    def _presence_changed(self, number: str | None) -> None:
        super()._presence_changed(number)
        if number and any(q.has(number) for q in self.queues.values()):
            self._queue_kick()  # a member came, went, or turned DND off
