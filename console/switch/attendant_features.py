"""The attendant extension of the exchange: directory, presence, blind transfer, park, DND and forwarding.

A base of :class:`console.switch.calls.Exchange` (between it and
:class:`~console.switch.legs.Legs`), split out so each file reads in one
sitting. Every leg change still goes through ``Legs._notify``/``Legs._end``;
this class watches them to keep the presence of each extension and the park
orbits current and pushes what changed to the subscribed consoles
(docs/PROTOCOL.md, "Attendant extension").
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import logging
import time

from console.core.directory import DirectoryEntry, EntryKind, PresenceState, TurnedAway, TurnedAwayWhy
from console.core.enums import CALL_STATES, DISC_REASON, ErrorCode
from console.core.errors import ProtocolError
from console.core.machines import CallEvent, CallMachine, CallRequest
from console.core.protocol import MAX_FRAME, Message, MsgType
from console.switch.config import NUMBER_RE, SwitchConfig
from console.switch.limits import TripLog
from console.switch.media import MediaPlane
from console.switch.model import Leg, Session, Setup
from console.switch.park import Parked, ParkLot
from console.switch.presence import Prefs, presence_of
from console.switch.recall import TransferRecalls, recall_seconds

log = logging.getLogger("console.switch.calls")
R = DISC_REASON
MAX_AFTER = 300.0  # s: the longest no-answer delay a console may set


class Attendant(TransferRecalls):
    """See the module docstring. The routing itself (``_route``, ``_forward``) is the exchange's."""

    def __init__(self, config: SwitchConfig, plane: MediaPlane):
        super().__init__(config, plane)
        self.trips = TripLog(log)
        self.sessions: dict[str, Session] = {}
        self.registrations: dict[str, list[Session]] = {}
        self.lot = ParkLot(config.orbits)
        self.prefs: dict[str, Prefs] = {}
        self.presence: dict[str, PresenceState] = {}
        self.subscribers: set[Session] = set()
        self._directory = self._build_directory()

    # --- hooks the exchange's routing provides ------------------------------------
    def _route(self, setup: Setup) -> None:  # pragma: no cover - the exchange's
        raise NotImplementedError

    def _forward(self, setup: Setup, target: str) -> None:  # pragma: no cover - the exchange's
        raise NotImplementedError

    def check(self, request: CallRequest, leg: Leg) -> None:  # pragma: no cover - the exchange's
        raise NotImplementedError

    def find(self, session: Session, call_id: str) -> Leg:  # pragma: no cover - the exchange's
        raise NotImplementedError

    # --- directory and presence ---------------------------------------------------
    def _build_directory(self) -> list[dict]:
        entries = [DirectoryEntry(u.number, u.name, EntryKind.USER, u.department, u.notes)
                   for u in self.config.users if u.number]
        entries += [DirectoryEntry(s.number, s.name, EntryKind.SERVICE) for s in self.config.services]
        entries += [DirectoryEntry(o, f"Park {o}", EntryKind.ORBIT) for o in self.config.orbits]
        wire = [e.to_wire() for e in entries]
        while wire and len(json.dumps(wire)) > MAX_FRAME - 4096:  # one result frame carries it
            wire.pop()
            self.trips.trip("directory", "the directory does not fit one frame; %d entries served", len(wire))
        return wire

    def directory(self, session: Session) -> dict:
        return {"entries": list(self._directory), "orbits": [o.to_wire() for o in self.lot.views()]}

    def subscribe(self, session: Session, on: bool) -> dict:
        if not on:
            self.subscribers.discard(session)
            return {}
        if session not in self.subscribers and len(self.subscribers) >= self.config.limits.presence_subscribers:
            self.trips.trip("presence_subscribers", "%d sessions subscribed; refusing %s",
                            len(self.subscribers), session.username)
            raise ProtocolError(ErrorCode.LIMIT_REACHED, "too many presence subscribers (limits.presence_subscribers)")
        self.subscribers.add(session)
        numbers = [u.number for u in self.config.users if u.number] + [n for n in self.registrations
                                                                       if self.config.user_by_number(n) is None]
        states = {n: str(self._presence_now(n)) for n in numbers}
        return {"presence": states, "orbits": [o.to_wire() for o in self.lot.views()]}

    def _presence_now(self, number: str) -> PresenceState:
        prefs = self.prefs.get(number)
        return presence_of(self.registrations.get(number, []), bool(prefs and prefs.dnd))

    def _presence_changed(self, number: str | None) -> None:
        if not number:
            return
        state = self._presence_now(number)
        if self.presence.get(number) is state:
            return
        self.presence[number] = state
        self._broadcast(Message(MsgType.PRESENCE, None, {"number": number, "state": str(state)}))

    def _broadcast(self, msg: Message) -> None:
        for session in list(self.subscribers):
            if session.ended:
                self.subscribers.discard(session)
            else:
                self._send(session, msg)

    def _new_leg(self, owner: Session | None, machine: CallMachine, *, local: tuple[str, str],
                 remote: tuple[str, str]) -> Leg:
        leg = super()._new_leg(owner, machine, local=local, remote=remote)
        if owner is not None and leg.state is CALL_STATES.DIALING:  # a dial is announced by its result, not _notify
            self._presence_changed(owner.number)
        return leg

    def _notify(self, leg: Leg) -> None:
        super()._notify(leg)
        if leg.owner is not None:
            self._presence_changed(leg.owner.number)
        self._check_parked(leg)

    def _end(self, leg: Leg, reason: DISC_REASON) -> None:
        super()._end(leg, reason)
        if leg.owner is None:
            self._check_parked(leg)

    # --- blind transfer and transfer into a ringing call ---------------------------------
    def blind_transfer(self, session: Session, call_id: str, number: str, recall: object = None) -> dict:
        """The far end of ``call_id`` goes on to ``number`` (music while it rings there); this leg ends SUCCESS.
        Nobody takes it there within ``recall`` seconds: it comes back to this console (recall.py)."""
        leg = self.find(session, call_id)
        self.check(CallRequest.BLIND_TRANSFER, leg)
        far = self._far_end(leg, "blind transfer")
        self._check_target(session, number)
        seconds = recall_seconds(recall, self.config.limits.transfer_recall)
        leg.peer = far.peer = None
        self._end(leg, R.SUCCESS)
        self._hold_far(far)
        far.remote_number, far.remote_name = number, ""
        far.setup = Setup(caller=far, number=number)
        self._arm_transfer_recall(far.setup, session, seconds)
        self._notify(far)
        self._route(far.setup)
        return {}

    def transfer_to_ringing(self, talking: Leg, ringing: Leg, recall: object = None) -> dict:
        """``transfer`` to an outgoing call that still rings: the far end takes its place and rings on
        (and comes back to this console if nobody takes it there)."""
        seconds = recall_seconds(recall, self.config.limits.transfer_recall)
        setup = ringing.setup
        assert setup is not None and setup.caller is ringing
        far = self._far_end(talking, "transfer")
        talking.peer = far.peer = None
        ringing.setup = None
        setup.caller = far
        far.setup = setup
        self._hold_far(far)
        if talking.owner is not None:
            self._arm_transfer_recall(setup, talking.owner, seconds)
        for offered in setup.offered:
            offered.remote_number, offered.remote_name = far.local_number, far.local_name
            offered.transferred_by = setup.transferred_by
            self._notify(offered)
        far.remote_number, far.remote_name = setup.number, ringing.remote_name
        self._notify(far)
        self._end(talking, R.SUCCESS)
        self._end(ringing, R.SUCCESS)
        return {}

    def _far_end(self, leg: Leg, what: str) -> Leg:
        if leg.peer is None:
            raise ProtocolError(ErrorCode.WRONG_STATE, f"{what} needs a call that is bridged to a far end")
        if leg.conference is not None or leg.peer.conference is not None:  # its far end would stay in the mix
            raise ProtocolError(ErrorCode.WRONG_STATE, f"{what}: a call in a conference cannot be handed on (leave it first)")
        return leg.peer

    def _check_target(self, session: Session, number: str) -> None:
        if not NUMBER_RE.match(number):
            raise ProtocolError(ErrorCode.MALFORMED, "number must be digits, * and # (optional leading +)")
        if not any(fnmatch.fnmatchcase(number, p) for p in session.identity.allow):
            raise ProtocolError(ErrorCode.NOT_PERMITTED, f"{session.username or 'this user'} may not call {number}")

    def _hold_far(self, far: Leg) -> None:
        """The far end waits with music on hold (lifted when someone answers it)."""
        if not far.machine.remote_hold:
            far.machine = far.machine.apply(CallEvent.HOLD_REMOTE)
        self._reroute(far)

    # --- park and pickup --------------------------------------------------------------
    def park(self, session: Session, call_id: str, orbit: str | None) -> dict:
        leg = self.find(session, call_id)
        self.check(CallRequest.PARK, leg)
        far = self._far_end(leg, "park")
        if orbit is not None and orbit not in self.lot:
            raise ProtocolError(ErrorCode.WRONG_STATE, f"{orbit} is not a park orbit ({', '.join(self.lot.orbits)})")
        if orbit is not None and self.lot.get(orbit) is not None:
            raise ProtocolError(ErrorCode.ORBIT_BUSY, f"orbit {orbit} is taken")
        orbit = orbit or self.lot.free()
        if orbit is None:
            self.trips.trip("park_orbits", "all %d orbits taken; refusing a park", len(self.lot.orbits))
            raise ProtocolError(ErrorCode.ORBIT_BUSY, "every park orbit is taken (limits.park_orbits)")
        leg.peer = far.peer = None
        parked = Parked(orbit, far, session, session.number or leg.local_number)
        self.lot.put(parked)
        self._arm_recall(parked)
        far.remote_number, far.remote_name = orbit, "Parked"
        self._hold_far(far)
        self._notify(far)
        leg.parked_on = orbit  # the operator's call ends saying where its caller waits
        self._end(leg, R.SUCCESS)
        log.info("call %s parked on %s by %s", far.id, orbit, parked.by_number)
        self._orbit_changed(orbit)
        return {"orbit": orbit}

    def _pickup(self, setup: Setup) -> None:
        """A dial of an orbit's number: connect the caller to the call parked there."""
        parked = self.lot.take(setup.number)
        if parked is None or not parked.leg.live:
            self._abandon(setup, R.NOTRESPONDING)
            return
        far = parked.leg
        if far.setup is not None:  # a recall rings: it loses the call
            recall, far.setup = far.setup, None
            recall.keep_caller = None
            recall.cancel_timers()
            for offered in list(recall.offered):
                self._end(offered, R.NOTSELECTED)
            recall.offered.clear()
        caller = setup.caller
        setup.cancel_timers()
        caller.setup = None
        caller.peer, far.peer = far, caller
        caller.remote_number, caller.remote_name = far.local_number, far.local_name
        far.remote_number, far.remote_name = caller.local_number, caller.local_name
        if far.machine.remote_hold and not caller.machine.local_hold:
            far.machine = far.machine.apply(CallEvent.RETRIEVE_REMOTE)
        self._notify(far)
        if caller.machine.remote_hold and not far.machine.local_hold:  # a blind transfer to the orbit waited with music
            caller.machine = caller.machine.apply(CallEvent.RETRIEVE_REMOTE)
        if caller.state in (CALL_STATES.DIALING, CALL_STATES.RINGING):
            self._apply(caller, CallEvent.CONNECT)
        else:
            self._notify(caller)
        self._reroute(far)
        self._reroute(caller)
        self._orbit_changed(parked.orbit)

    def _arm_recall(self, parked: Parked) -> None:
        loop = asyncio.get_running_loop()
        parked.timer = loop.call_later(self.config.limits.park_recall, self._recall, parked)

    def _recall(self, parked: Parked) -> None:
        """The call waited too long: it rings at the console that parked it (and stays parked meanwhile)."""
        parked.timer = None
        if self.lot.get(parked.orbit) is not parked or not parked.leg.live:
            return
        by = parked.by
        if by.ended or not by.connected:
            self.trips.trip("park_recall", "orbit %s: the parking console is away; recall later", parked.orbit)
            self._arm_recall(parked)
            return
        far = parked.leg
        setup = Setup(caller=far, number=parked.by_number, keep_caller=lambda _reason: self._recall_failed(parked))
        far.setup = setup
        leg = self._new_leg(by, CallMachine.incoming(), local=(parked.by_number, by.name),
                            remote=(far.local_number, far.local_name))  # the caller's: recall_from marks it
        leg.setup = setup
        leg.waiting_since = far.waiting_since or far.began  # the caller keeps its place in the queue
        leg.recall_from = parked.orbit
        setup.offered.append(leg)
        parked.recalling = True
        log.info("orbit %s: recalling %s", parked.orbit, parked.by_number)
        self._notify(leg)
        loop = asyncio.get_running_loop()
        setup.ring_timer = loop.call_later(self.config.ring_timeout, self._abandon, setup, R.NOTRESPONDING)

    def _recall_failed(self, parked: Parked) -> None:
        parked.recalling = False
        if self.lot.get(parked.orbit) is parked and parked.leg.live:
            self._arm_recall(parked)

    def _check_parked(self, leg: Leg) -> None:
        """A parked leg that hung up, or was answered by its recall, leaves its orbit."""
        parked = self.lot.of_leg(leg)
        if parked is None:
            return
        if not leg.live or (leg.peer is not None and leg.setup is None):
            self.lot.take(parked.orbit)
            self._orbit_changed(parked.orbit)

    def _orbit_changed(self, orbit: str) -> None:
        parked = self.lot.get(orbit)
        view = parked.view() if parked is not None else next(o for o in self.lot.views() if o.orbit == orbit)
        self._broadcast(Message(MsgType.ORBIT, None, {"orbit": view.to_wire()}))

    # --- do not disturb and forwarding ------------------------------------------------------
    def set_dnd(self, session: Session, on: bool) -> dict:
        number = self._own_number(session)
        self.prefs.setdefault(number, Prefs()).dnd = bool(on)
        log.info("%s: do not disturb %s", number, "on" if on else "off")
        self._presence_changed(number)
        return {}

    def set_forwarding(self, session: Session, always: str | None, busy: str | None, no_answer: str | None,
                       after: float | None) -> dict:
        number = self._own_number(session)
        for target in (always, busy, no_answer):
            if target is not None:
                self._check_target(session, target)
                if target == number:
                    raise ProtocolError(ErrorCode.MALFORMED, "a number cannot forward to itself")
        if after is not None and (isinstance(after, bool) or not 0 < after <= MAX_AFTER):
            raise ProtocolError(ErrorCode.MALFORMED, f"after must be a number of seconds, 0 < after <= {MAX_AFTER:g}")
        prefs = self.prefs.setdefault(number, Prefs())
        prefs.always, prefs.busy, prefs.no_answer = always, busy, no_answer
        if after is not None:
            prefs.after = float(after)
        log.info("%s: forwarding always=%s busy=%s no_answer=%s after %g s", number, always, busy, no_answer, prefs.after)
        return {}

    def _own_number(self, session: Session) -> str:
        if not session.number:
            raise ProtocolError(ErrorCode.WRONG_STATE, "this session has no number to set this for")
        return session.number

    def _attendant_route(self, setup: Setup) -> bool:
        """Before the directory's own routing: orbits (pickup), DND and unconditional forwarding."""
        number = setup.number
        if number in self.lot:
            self._pickup(setup)
            return True
        prefs = self.prefs.get(number)
        if prefs is None:
            return False
        if prefs.always:
            self._tell_turned_away(number, setup, TurnedAwayWhy.FORWARDED, prefs.always)
            self._forward(setup, prefs.always)
            return True
        if prefs.dnd:
            self._tell_turned_away(number, setup, TurnedAwayWhy.DND, prefs.busy)
            if prefs.busy:
                self._forward(setup, prefs.busy)
            else:
                self._abandon(setup, R.BUSY)
            return True
        return False

    def _forward_target(self, number: str, busy: bool) -> str | None:
        prefs = self.prefs.get(number)
        if prefs is None:
            return None
        return prefs.busy if busy else prefs.no_answer

    def _tell_turned_away(self, number: str, setup: Setup, why: TurnedAwayWhy, to: str | None) -> None:
        """The number's connected consoles hear of a caller DND or forwarding sent away: it never rings
        there, so without this the operator's history would never show it (docs/PROTOCOL.md)."""
        caller = setup.caller
        notice = TurnedAway(caller.local_number, caller.local_name, time.time(), why, to)
        for session in self.registrations.get(number, []):
            if session.connected and not session.ended:
                self._send(session, Message(MsgType.TURNED_AWAY, None, notice.to_wire()))
