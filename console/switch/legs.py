"""Call legs: creating them, changing their state, bridging them, and announcing every change.

The base of :class:`console.switch.calls.Exchange`, split out so each file
reads in one sitting. Every change of a leg goes through :meth:`Legs._apply`
or :meth:`Legs._end`, which tell the leg's console, so no state change can
go unreported; media follows from :meth:`Legs._reroute`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging

from console.core.enums import DISC_REASON
from console.switch.candidates import filter_candidates
from console.core.machines import CallEvent, CallMachine, Phase
from console.core.protocol import Message, MsgType
from console.switch.config import SwitchConfig
from console.switch.media import AudioMix, MediaPlane, MediaRejected, MediaUnavailable, ServiceKind
from console.switch.model import Leg, Session, Setup

log = logging.getLogger(__name__)
R = DISC_REASON


class Legs:
    """Owns the live legs; subclasses decide when to change them."""

    def __init__(self, config: SwitchConfig, plane: MediaPlane):
        self.config = config
        self.plane = plane
        self.legs: dict[str, Leg] = {}  # every live leg, virtual ones included
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task] = set()

    def _new_leg(self, owner: Session | None, machine: CallMachine, *, local: tuple[str, str], remote: tuple[str, str]) -> Leg:
        leg = Leg(f"c{next(self._ids)}", owner, machine, local[0], local[1], remote[0], remote[1])
        self.legs[leg.id] = leg
        if owner is not None:
            owner.legs[leg.id] = leg
        return leg

    def _apply(self, leg: Leg, event: CallEvent) -> None:
        leg.machine = leg.machine.apply(event)
        self._notify(leg)

    def _end(self, leg: Leg, reason: DISC_REASON) -> None:
        """End one leg (not its far end); announce it and release its media."""
        if not leg.live:
            return
        leg.machine = leg.machine.apply(CallEvent.END, reason)
        self.legs.pop(leg.id, None)
        if leg.setup is not None and leg in leg.setup.offered:
            leg.setup.offered.remove(leg)
        leg.setup = None
        if leg.owner is not None:
            leg.owner.forget(leg)
            self._notify(leg)
            self._spawn(self.plane.close(leg.id))
        if leg.conference is not None:
            self._conference_leg_ended(leg)

    def _conference_leg_ended(self, leg: Leg) -> None:
        """A conference member ended: console.switch.conference.Conferencing settles the conference."""
        leg.conference = None

    def _hangup(self, leg: Leg, own: DISC_REASON, far: DISC_REASON) -> None:
        """End ``leg`` with ``own`` and whatever it was talking or ringing to with ``far``."""
        if not leg.live:
            return
        peer, setup = leg.peer, leg.setup
        leg.peer = None
        if setup is not None and leg is setup.caller:
            setup.keep_caller = None  # the caller itself hangs up, even a parked one being recalled
            self._abandon(setup, own, far)
            return
        self._end(leg, own)
        if peer is not None:
            peer.peer = None
            self._end(peer, far)
        elif setup is not None and not setup.offered:
            self._abandon(setup, far)  # the last console that was ringing is gone

    def _user_hangup(self, leg: Leg) -> None:
        """disconnect(): hanging up a call still ringing here is declining it."""
        ringing_here = leg.setup is not None and leg is not leg.setup.caller
        self._hangup(leg, R.USERTERMINATED, R.REJECTED if ringing_here else R.SUCCESS)

    def _abandon(self, setup: Setup, reason: DISC_REASON, offered_reason: DISC_REASON | None = None) -> None:
        """The call will not be answered: the caller ends with ``reason``, every offered leg too."""
        setup.cancel_timers()
        for leg in list(setup.offered):
            self._end(leg, offered_reason or reason)
        setup.offered.clear()
        if setup.keep_caller is not None and setup.caller.live:
            setup.caller.setup = None
            setup.keep_caller(reason)
            return
        self._end(setup.caller, reason)

    def _connect(self, setup: Setup, leg: Leg) -> None:
        """``leg`` answered: bridge it to the caller; the others ringing lose the call."""
        caller = setup.caller
        setup.cancel_timers()
        others = [o for o in setup.offered if o is not leg]
        setup.offered.clear()
        caller.setup = leg.setup = None
        caller.peer, leg.peer = leg, caller
        caller.remote_number, caller.remote_name = leg.local_number, leg.local_name  # who answered
        self._apply(leg, CallEvent.CONNECT)
        if caller.machine.phase is Phase.CONNECTED:  # a call transferred, parked or recalled: already up
            if caller.machine.remote_hold and not leg.machine.local_hold:
                caller.machine = caller.machine.apply(CallEvent.RETRIEVE_REMOTE)
            self._notify(caller)
        else:
            self._apply(caller, CallEvent.CONNECT)
        for other in others:
            self._end(other, R.NOTSELECTED)
        self._reroute(leg)
        self._reroute(caller)

    def _set_hold(self, leg: Leg, held: bool) -> None:
        self._apply(leg, CallEvent.HOLD_LOCAL if held else CallEvent.RETRIEVE_LOCAL)
        if leg.peer is not None and leg.conference is None:  # in a conference the far end hears the others
            self._apply(leg.peer, CallEvent.HOLD_REMOTE if held else CallEvent.RETRIEVE_REMOTE)
            self._reroute(leg.peer)
        self._reroute(leg)

    def _reroute(self, leg: Leg) -> None:
        """Tell the plane what ``leg`` hears now: nothing while it holds, music while held."""
        if leg.virtual or not leg.live:
            return
        hears: str | ServiceKind | AudioMix | None
        if leg.machine.local_hold:
            hears = None
        elif leg.conference is not None:
            hears = leg.conference.mix
        elif leg.machine.remote_hold:
            hears = ServiceKind.MUSIC if self.config.moh else None
        elif leg.peer is None:
            hears = None
        elif leg.peer.virtual:
            hears = leg.peer.service
        else:
            hears = leg.peer.id
        self.plane.route(leg.id, hears)

    async def _offer(self, leg: Leg, sdp: dict | None) -> dict:
        if sdp is None:
            return {}
        answer = await self._negotiate(leg, sdp)
        return {} if answer is None else {"sdp": answer}

    async def _negotiate(self, leg: Leg, offer: dict) -> dict | None:
        """Let the plane answer an offer; a failure ends the call (EQUIPMENT or MEDIA)."""
        offer = self._allowed_candidates(leg, offer)
        try:
            return await self.plane.answer(leg.id, offer)
        except MediaUnavailable as exc:
            log.info("no media for %s: %s", leg.id, exc)
            self._hangup(leg, R.EQUIPMENT, R.EQUIPMENT)
        except MediaRejected as exc:
            log.info("offer for %s refused: %s", leg.id, exc)
            self._hangup(leg, R.MEDIA, R.MEDIA)
        except Exception:
            log.exception("media plane failed to answer an offer for %s", leg.id)
            self._hangup(leg, R.MEDIA, R.MEDIA)
        return None

    def _allowed_candidates(self, leg: Leg, offer: dict) -> dict:
        """Only candidates the policy allows reach the plane, so the switch never probes a stranger's address."""
        sdp = offer.get("sdp") if isinstance(offer, dict) else None
        if not isinstance(sdp, str):
            return offer
        peer = leg.owner.address if leg.owner is not None else None
        kept, dropped = filter_candidates(sdp, self.config.candidates, peer)
        if not dropped:
            return offer
        log.info("offer for %s: %d ICE candidate(s) outside the policy (%s) dropped", leg.id, dropped,
                 ", ".join(self.config.candidates))
        return {**offer, "sdp": kept}

    def _notify(self, leg: Leg) -> None:
        if leg.owner is not None:
            self._send(leg.owner, Message(MsgType.CALL, None, {"call": leg.info().to_wire()}))

    def _send(self, session: Session, msg: Message) -> None:
        if session.send is not None:
            session.send(msg)

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("media task failed", exc_info=task.exception())
