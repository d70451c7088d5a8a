"""The call logic: sessions, routing by number, and what every request does to the legs.

No sockets here: a session's ``send`` is whatever the server attached, and the
media plane is an interface. Requests raise :class:`ProtocolError` with the
wire's error code and change nothing when they fail; when they succeed, the
leg primitives in :mod:`console.switch.legs` announce every change.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import secrets

from console.core.dtmf import check_digits
from console.core.enums import CALL_STATES, DISC_REASON, ErrorCode
from console.core.errors import CallStateError, InvalidDigitError, ProtocolError
from console.core.machines import CallEvent, CallMachine, CallRequest, TransferKind, check_request, check_transfer
from console.core.protocol import Message, MsgType
from console.switch.auth import Identity
from console.switch.config import NUMBER_RE, Service, SwitchConfig
from console.switch.conference import Conferencing
from console.switch.media import MEDIA_SERVICES, MediaPlane, ServiceKind
from console.switch.model import Leg, Session, Setup
from console.switch.queueing import Queueing

log = logging.getLogger(__name__)
R = DISC_REASON
S = CALL_STATES
MAX_HOPS = 5  # forwards per call, so two users forwarding to each other do not loop


class Exchange(Conferencing, Queueing):
    """Owns every session; the server calls one method per request (the conference's, the queues' and the
    attendant's in its bases: Queueing is an Attendant)."""

    def __init__(self, config: SwitchConfig, plane: MediaPlane):
        super().__init__(config, plane)  # sessions, registrations, trips, the park lot and presence
        plane.on_failure = self.media_failed
        plane.on_dtmf = self.media_dtmf

    # --- sessions -----------------------------------------------------------

    def open_session(self, identity: Identity, *, notification: bool = False, client: str | None = None) -> Session:
        session = Session(secrets.token_urlsafe(32), identity, notification, client)
        self.sessions[session.identifier] = session
        if identity.number:
            self.registrations.setdefault(identity.number, []).append(session)
        log.info("session of %s opened (number %s)", identity.username or "token", identity.number)
        return session

    def presence_attach(self, session: Session) -> None:
        """The session's socket came or went: its number may have come online or gone offline."""
        self._presence_changed(session.number)

    def rotate(self, session: Session) -> None:
        """A restore gets a new identifier: the old one (maybe seen by someone else) stops working."""
        self.sessions.pop(session.identifier, None)
        session.identifier = secrets.token_urlsafe(32)
        self.sessions[session.identifier] = session

    def attach(self, session: Session, send) -> None:
        """A socket took the session over: cancel its lifetime timer."""
        if session.expiry is not None:
            session.expiry.cancel()
            session.expiry = None
        session.send = send
        for leg in session.legs.values():  # a restore: the media it offers next replaces what died meanwhile
            self.plane.console_back(leg.id)
        self.presence_attach(session)

    def detach(self, session: Session) -> None:
        """The socket closed without logout: keep the session for its lifetime."""
        session.send = None
        if not session.ended:
            loop = asyncio.get_running_loop()
            session.expiry = loop.call_later(self.config.session_lifetime, self._expire, session)
        self.presence_attach(session)

    def _expire(self, session: Session) -> None:
        log.info("session of %s expired", session.username)
        self.end_session(session)

    def end_session(self, session: Session, *, logout: bool = False) -> None:
        """Clear the session's calls and forget it.

        A logout hangs up like disconnect() (USERTERMINATED here, SUCCESS or REJECTED
        at the far end); any other end (lifetime, kick, shutdown) is ERROR on both sides.
        """
        if session.ended:
            return
        session.ended = True
        if session.expiry is not None:
            session.expiry.cancel()
            session.expiry = None
        self.sessions.pop(session.identifier, None)
        if session.number:
            peers = self.registrations.get(session.number, [])
            if session in peers:
                peers.remove(session)
            if not peers:
                self.registrations.pop(session.number, None)
        for leg in list(session.legs.values()):
            if logout:
                self._user_hangup(leg)
            else:
                self._hangup(leg, R.ERROR, R.ERROR)
        self.subscribers.discard(session)
        self.presence_attach(session)

    # --- requests -------------------------------------------------------------

    def find(self, session: Session, call_id: str) -> Leg:
        leg = session.legs.get(call_id) or session.recent.get(call_id)
        if leg is None:
            raise ProtocolError(ErrorCode.UNKNOWN_CALL, f"no call {call_id!r} in this session")
        return leg

    def check(self, request: CallRequest, leg: Leg) -> None:
        try:
            check_request(request, leg.state, leg.machine.direction)
        except CallStateError as exc:
            raise ProtocolError(ErrorCode.WRONG_STATE, str(exc)) from None

    async def dial(self, session: Session, number: str, name: str | None = None, sdp: dict | None = None) -> dict:
        """Place a call. The result carries the new leg (DIALING); every failure is a reason on it."""
        leg = self._new_leg(
            session, CallMachine.outgoing().apply(CallEvent.DIAL),
            local=(session.number or "", name or session.name), remote=(number, ""),
        )
        body: dict = {"call": leg.info().to_wire()}
        refusal = self._refusal(session, number)
        if refusal is not None:
            self._end(leg, refusal)
            return body
        if sdp is not None:
            answer = await self._negotiate(leg, sdp)
            if answer is not None:
                body["sdp"] = answer
        if leg.live:
            setup = Setup(caller=leg, number=number)
            leg.setup = setup
            self._route(setup)
        return body

    async def originate(self, from_number: str, from_name: str, to_number: str, service: ServiceKind | None) -> str:
        """A call from a virtual leg (it plays ``service`` once answered) to ``to_number``."""
        leg = self._new_leg(None, CallMachine.outgoing().apply(CallEvent.DIAL), local=(from_number, from_name), remote=(to_number, ""))
        leg.service = service
        leg.setup = Setup(caller=leg, number=to_number)
        self._route(leg.setup)
        return leg.id

    def accept(self, session: Session, call_id: str) -> dict:
        leg = self.find(session, call_id)
        self.check(CallRequest.ACCEPT, leg)
        self._apply(leg, CallEvent.ALERT)
        caller = leg.setup.caller if leg.setup else None
        if caller is not None and caller.state is S.DIALING:
            self._apply(caller, CallEvent.ALERT)
        return {}

    async def answer(self, session: Session, call_id: str, sdp: dict | None = None) -> dict:
        leg = self.find(session, call_id)
        self.check(CallRequest.ANSWER, leg)
        body = await self._offer(leg, sdp)
        if leg.live and leg.setup is not None and leg.state in (S.OFFERING, S.RINGING):
            self._connect(leg.setup, leg)
        return body

    def decline(self, session: Session, call_id: str) -> dict:
        leg = self.find(session, call_id)
        self.check(CallRequest.DECLINE, leg)
        self._hangup(leg, R.USERTERMINATED, R.REJECTED)
        return {}

    def disconnect(self, session: Session, call_id: str) -> dict:
        leg = self.find(session, call_id)
        self.check(CallRequest.DISCONNECT, leg)
        self._user_hangup(leg)
        return {}

    async def hold(self, session: Session, call_id: str, sdp: dict | None = None) -> dict:
        leg = self.find(session, call_id)
        self.check(CallRequest.HOLD, leg)
        body = await self._offer(leg, sdp)
        if leg.live and leg.state in (S.CONNECTED, S.HOLDING):
            self._set_hold(leg, True)
        return body

    async def retrieve(self, session: Session, call_id: str, sdp: dict | None = None) -> dict:
        leg = self.find(session, call_id)
        self.check(CallRequest.RETRIEVE, leg)
        body = await self._offer(leg, sdp)
        if leg.live and leg.state is S.HELD:
            self._set_hold(leg, False)
        return body

    async def media(self, session: Session, call_id: str, sdp: dict) -> dict:
        leg = self.find(session, call_id)
        self.check(CallRequest.MEDIA, leg)
        return await self._offer(leg, sdp)

    def transfer(self, session: Session, call_id: str, to_id: str, recall: object = None) -> dict:
        """Bridge the far ends of two of this console's calls; the console's own legs end SUCCESS."""
        a, b = self.find(session, call_id), self.find(session, to_id)
        try:
            kind = check_transfer(a.state, b.state, a is b, b.machine.direction)
            if kind is TransferKind.BEFORE_ANSWER:
                if b.setup is not None and b.setup.caller is b and b.live:
                    return self.transfer_to_ringing(a, b, recall)  # transfer before answer (attendant extension)
                check_transfer(a.state, b.state, a is b)  # no setup to hand on: only a bridge is left
        except CallStateError as exc:
            raise ProtocolError(ErrorCode.WRONG_STATE, str(exc)) from None
        p, q = a.peer, b.peer
        if p is None or q is None:
            raise ProtocolError(ErrorCode.WRONG_STATE, "transfer needs two calls that are bridged to a far end")
        if a.conference is not None or b.conference is not None:
            raise ProtocolError(ErrorCode.WRONG_STATE, "a call in a conference cannot be transferred (leave it first)")
        a.peer = b.peer = None
        if p is b:  # the two calls are each other's far end: nothing to bridge
            self._end(a, R.SUCCESS)
            self._end(b, R.SUCCESS)
            return {}
        p.peer, q.peer = q, p
        for leg, other in ((p, q), (q, p)):
            leg.remote_number, leg.remote_name = other.local_number, other.local_name
            leg.transferred_by = session.number or ""
            if leg.machine.remote_hold != other.machine.local_hold:
                leg.machine = leg.machine.apply(CallEvent.HOLD_REMOTE if other.machine.local_hold else CallEvent.RETRIEVE_REMOTE)
            self._notify(leg)
        self._end(a, R.SUCCESS)
        self._end(b, R.SUCCESS)
        if p.virtual and q.virtual:
            self._end(p, R.SUCCESS)
            self._end(q, R.SUCCESS)
        else:
            self._reroute(p)
            self._reroute(q)
        return {}

    def dtmf(self, session: Session, call_id: str, digits: str) -> dict:
        leg = self.find(session, call_id)
        self.check(CallRequest.DTMF, leg)
        try:
            digits = check_digits(digits)
        except InvalidDigitError as exc:
            raise ProtocolError(ErrorCode.INVALID_DIGIT, str(exc)) from None
        self._deliver_dtmf(leg, digits)
        return {}

    def media_dtmf(self, leg_id: str, digit: str) -> None:
        """A digit the leg's media received as an RFC 4733 event: delivered as a ``dtmf`` request's would be."""
        leg = self.legs.get(leg_id)
        if leg is None or leg.state is not S.CONNECTED:
            log.info("RFC 4733 digit on %s ignored (state %s)", leg_id, leg.state if leg else "gone")
            return
        self._deliver_dtmf(leg, digit)

    def _deliver_dtmf(self, leg: Leg, digits: str) -> None:
        """To the far end's console as a ``dtmf`` event; to a service's media (the IVR reports back)."""
        peer = leg.peer
        if peer is None:
            return
        if peer.owner is not None:
            self._send(peer.owner, Message(MsgType.DTMF, None, {"call": peer.id, "digits": digits}))
        else:
            self.plane.dtmf(leg.id, digits)
            if peer.service is ServiceKind.IVR and leg.owner is not None:  # the IVR reports what it heard
                self._send(leg.owner, Message(MsgType.DTMF, None, {"call": leg.id, "digits": digits}))

    def media_failed(self, leg_id: str) -> None:
        """The plane's ICE/DTLS gave up on a leg: the whole call ends with MEDIA."""
        leg = self.legs.get(leg_id)
        if leg is None:
            return
        owner = getattr(leg, "owner", None)
        if owner is not None and not owner.connected:
            # its console is away and may restore the session with a fresh offer: not a media failure yet
            log.info("media of %s lost while its console is away; kept for restore", leg_id)
            return
        log.info("media failed on %s", leg_id)
        self._hangup(leg, R.MEDIA, R.MEDIA)

    def stats(self) -> dict:
        return {
            "sessions": len(self.sessions),
            "connections": sum(1 for s in self.sessions.values() if s.connected),
            "legs": self._live_legs(),
        }

    async def aclose(self) -> None:
        for session in list(self.sessions.values()):
            self.end_session(session)
        for leg in list(self.legs.values()):
            self._hangup(leg, R.ERROR, R.ERROR)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.plane.aclose()

    # --- routing ----------------------------------------------------------------

    def _refusal(self, session: Session, number: str) -> DISC_REASON | None:
        """The reasons a dial fails before anything rings, in the order the switch checks them."""
        if self._live_legs() > self.config.max_calls:  # the new leg already counts
            return R.CONGESTION
        if self._user_load(session) > session.identity.max_calls:  # the new leg counts here too
            self.trips.trip("max_calls", "%s has %d calls; refusing another", session.username or "a Call Me token",
                            session.identity.max_calls)
            return R.CONGESTION
        if not any(fnmatch.fnmatchcase(number, p) for p in session.identity.allow):
            return R.PERMISSION
        if not NUMBER_RE.match(number):
            return R.DIALSTRING
        return None

    def _route(self, setup: Setup) -> None:
        """Ring whatever ``setup.number`` is: a service, a user's consoles, or a forward."""
        number = setup.number
        if self._attendant_route(setup) or self._queue_route(setup):  # orbits, DND, forwarding; queues
            return
        service = self.config.service(number)
        if service is not None:
            self._to_service(setup, service)
            return
        user = self.config.user_by_number(number)
        registered = self.registrations.get(number, [])
        if user is None and not registered:
            self._abandon(setup, R.DIALSTRING)
            return
        if user is not None and user.forward and user.forward_after == 0:
            self._forward(setup, user.forward)
            return
        consoles = [s for s in registered if s.connected and s is not setup.caller.owner]
        if not consoles:
            if target := self._forward_target(number, busy=False):
                self._forward(setup, target)
            elif user is not None and user.forward:
                self._forward(setup, user.forward)
            else:
                self._abandon(setup, R.NOTRESPONDING)
            return
        free = [s for s in consoles if not self._user_busy(s)]
        if not free:
            if target := self._forward_target(number, busy=True):
                self._forward(setup, target)
                return
            self._abandon(setup, R.BUSY)
            return
        caller = setup.caller
        for session in free:
            leg = self._new_leg(
                session, CallMachine.incoming(),
                local=(number, session.name), remote=(caller.local_number, caller.local_name),
            )
            leg.setup = setup
            leg.transferred_by, leg.forwarded_from = setup.transferred_by, setup.forwarded_from
            setup.offered.append(leg)
            self._notify(leg)
        self._start_ring_timer(setup)
        prefs = self.prefs.get(number)
        if prefs is not None and prefs.no_answer:
            loop = asyncio.get_running_loop()
            setup.forward_timer = loop.call_later(prefs.after, self._forward, setup, prefs.no_answer)
        elif user is not None and user.forward:
            loop = asyncio.get_running_loop()
            setup.forward_timer = loop.call_later(user.forward_after, self._forward, setup, user.forward)

    def _to_service(self, setup: Setup, service: Service) -> None:
        """Media services answer at once; the signaling-only ones end the call their way."""
        endings = {ServiceKind.BUSY: R.BUSY, ServiceKind.REJECT: R.REJECTED, ServiceKind.CONGESTION: R.CONGESTION}
        if service.kind in endings:
            self._abandon(setup, endings[service.kind])
            return
        caller = setup.caller
        leg = self._new_leg(None, CallMachine.incoming(), local=(service.number, service.name), remote=(caller.local_number, caller.local_name))
        leg.service = service.kind if service.kind in MEDIA_SERVICES else None
        leg.setup = setup
        setup.offered.append(leg)
        if service.kind is ServiceKind.NOANSWER:
            if caller.state is S.DIALING:
                self._apply(caller, CallEvent.ALERT)
            self._start_ring_timer(setup)
        else:
            self._connect(setup, leg)

    def _forward(self, setup: Setup, target: str) -> None:
        """Offered legs end REDIRECTED; the caller's call goes on to ``target``."""
        if not setup.caller.live:
            return
        setup.cancel_timers()
        for leg in list(setup.offered):
            self._end(leg, R.REDIRECTED)
        setup.offered.clear()
        setup.hops += 1
        if setup.hops > MAX_HOPS:
            log.warning("call %s: forwarding loop at %s", setup.caller.id, target)
            self._abandon(setup, R.NOTRESPONDING)
            return
        setup.forwarded_from, setup.number = setup.number, target
        self._route(setup)

    def _start_ring_timer(self, setup: Setup) -> None:
        if setup.ring_timer is not None:
            setup.ring_timer.cancel()
        loop = asyncio.get_running_loop()
        setup.ring_timer = loop.call_later(self.config.ring_timeout, self._abandon, setup, R.NOTRESPONDING)

    def _user_busy(self, session: Session) -> bool:
        return self._user_load(session) >= session.identity.max_calls

    def _user_load(self, session: Session) -> int:
        """Live calls of the session's owner over all its sessions (in and out: ``max_calls`` bounds both): its
        user, or a Call Me login's token (:attr:`Identity.owner`, as ``max_sessions_per_user`` counts them)."""
        owner = session.identity.owner
        if owner is None:
            return len(session.legs)
        return sum(len(s.legs) for s in self.sessions.values() if s.identity.owner == owner)

    def _live_legs(self) -> int:
        return sum(1 for leg in self.legs.values() if not leg.virtual)
