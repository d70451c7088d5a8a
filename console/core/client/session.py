"""ClientSession: the console's side of a signalling session, sans I/O (h11's Connection, websockets' Protocol).

The driver (``console.webrtc``) feeds it what happened -- a request from the
application, a connection that opened or closed, a frame, the time -- and
performs what it answers: a list of :mod:`~console.core.client.events`, some of
them actions (open, send, close, make an offer, apply an answer), the rest
reports for the application's handlers, in the order they happened.

The session owns:

* the login state, enforced against ``LOGIN_TABLE``;
* which connection is current: every connection has a number, and frames or a
  close from an older one are ignored (a login started from inside a
  login-status handler never sees the old connection's close);
* request ids, their deadlines (``tick(now)``) and their outcomes, each
  handed to the collaborator that owns its concept.

Its collaborators (composition; they ask it through
:class:`~console.core.client.link.SessionLink`): the calls and what the wire
reports of them (:mod:`.callbook`, ``CALL_STATE_TABLE``); the application's
call requests, checked against ``LEGAL`` (an illegal request is reported,
never raised, and changes nothing), and pending hang-ups
(:mod:`.call_requests`); each call's offer/answer exchange (:mod:`.offers`
over the table in :mod:`.negotiation`); restore sequencing
(:mod:`.restore`); the attendant requests (:mod:`.attendant_requests`) and
conferences (:mod:`.conference`).

The wire format is not here: a :class:`~console.core.client.wire.ClientWire`
turns requests into frames and frames into reports, and declares what it
carries (:class:`~console.core.client.wire.WireCapabilities`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from console.core.client.failures import LoginFailureKind, of_connect_failure, of_refusal, refused_login_state
from console.core.enums import DISC_REASON, LOGIN_STATES, ErrorCode, LogoutReason
from console.core.errors import (
    CommClosed, CommError, ConsoleError, LocalProtocolError, RemoteProtocolError, RequestRefused, RequestTimeout,
)
from console.core.machines import LOGIN_TABLE, CallRequest
from console.core.transport import cleartext_host

from . import events as ev
from .attendant_requests import AttendantRequests
from .call_requests import CallRequests
from .callbook import CallBook
from .calls import CallRecord
from .conference import Conferences
from .failover import ProxyWalk
from .restore import restore_calls, with_client
from .wire import (
    ATTENDANT_REQUESTS, NO_EXTENSIONS, AttendantRequest, CallCommand, CallReport, ClientWire, ConferenceCommand,
    ConferenceReport, DigitsReport, Exchange, IdentifierChanged, Inbound, LoginRequest, LoginResult, LogoutRequest,
    MediaDigits, Nothing, OrbitReport, PresenceReport, Refusal, RemoteAnswer, RemoteOffer, RenewMedia, Reply, Request,
    RestoreRequest, SessionEnded, SessionWire, TransportFailed, TurnedAwayReport, WireCapabilities, as_session_wire, request_name,
)
from .sip_settings import SipDeskSettings
from .wires import wire_for

log = logging.getLogger("console.core.client")

REQUEST_TIMEOUT = 10.0
MAX_ORPHANS = 64


@dataclass
class _Pending:
    conn: int
    request: Request
    deadline: float
    record: CallRecord | None = None  # the call a call request is about (kept even once the session forgot it)


Events = list[ev.Event]


class ClientSession:
    """See the module docstring. Every method returns the events it caused (possibly none)."""

    def __init__(self, wire: ClientWire | SessionWire | None, *, client_description: str | None = None,
                 request_timeout: float = REQUEST_TIMEOUT, max_orphans: int = MAX_ORPHANS,
                 sip_desk: SipDeskSettings | None = None) -> None:
        """``wire`` None: chosen per login from the server address (``wires.wire_for``)."""
        self._fixed_wire = wire is not None
        self.sip_desk = sip_desk  # a SIP wire's directory and feature codes (sip_desk.py)
        self._wire: SessionWire | None = None
        self.wire = wire
        self._inbox: list[Inbound] = []  # reports a wire gave while sending (handled before returning)
        self._clock = 0.0  # the latest ``now`` seen
        self.client_description = client_description
        self.request_timeout = request_timeout
        self.max_orphans = max_orphans
        self.login_state: LOGIN_STATES | None = None
        self.server: str | None = None
        self.secure = False
        self.identifier: str | None = None
        self.number: str | None = None
        self.name: str | None = None
        self.lifetime: float | None = None
        self.last_login_failure: LoginFailureKind | None = None  # why the last login or restore failed
        self._restoring_lost = False  # the login in flight restores a lost connection
        self._conn = 0  # number of the newest connection
        self._live: int | None = None  # the connection whose frames and close count; None: none
        self._open = False  # ``connected`` was reported for ``_live``
        self._login: Request | None = None  # the login/restore to send once ``_live`` opens
        self._walk = ProxyWalk("", None, False)  # the login's way through a proxy pair (failover.py)
        self._logging_out = False
        self._pending: dict[int, _Pending] = {}
        self._next_id = 1
        self._out: Events = []
        # collaborators (composition): they share ``_out`` and ask the session through link.SessionLink
        self._book = CallBook(self._out, max_orphans)
        self._requests = CallRequests(self, self._book)
        self._offers = self._requests.offers
        self._conferences = Conferences(self, self._book)
        self._attendant = AttendantRequests(self, self._book)

    @property
    def wire(self) -> ClientWire | SessionWire | None:
        """The wire in use (None before the first login chose one); setting it adapts a pure wire."""
        return self._given_wire

    @wire.setter
    def wire(self, wire: ClientWire | SessionWire | None) -> None:
        self._given_wire = wire
        self._wire = as_session_wire(wire) if wire is not None else None

    @property
    def capabilities(self) -> WireCapabilities:
        """What the wire in use declares it carries (nothing before a wire is chosen)."""
        return self._wire.capabilities if self._wire is not None else NO_EXTENSIONS

    @property
    def supports_attendant(self) -> bool:
        """Whether the wire carries the attendant extension's directory, presence, DND and forwarding (SIP does:
        ``desk``); park and conference need the whole extension (``capabilities.attendant``)."""
        return self.capabilities.attendant or self.capabilities.desk

    # -- for the collaborators (link.SessionLink) ---------------------------------------
    @property
    def wire_name(self) -> str:
        return self.wire.name if self.wire is not None else "no"

    @property
    def is_open(self) -> bool:
        return self._open

    # -- reading ---------------------------------------------------------------------
    def call(self, ref: int) -> CallRecord:
        return self._book.records[ref]

    @property
    def calls(self) -> list[CallRecord]:
        """Calls that have not ended, oldest first."""
        return [c for c in self._book.records.values() if not c.ended]

    def next_deadline(self) -> float | None:
        wire = self._wire.next_deadline() if self._wire is not None and self._open else None
        return min([p.deadline for p in self._pending.values()] + ([wire] if wire is not None else []), default=None)

    def link_details(self, now: float) -> dict[str, str]:
        """What the wire says about the link (SIP: AOR, registration expiry, transport), label -> text."""
        return dict(self._wire.status(now)) if self._wire is not None else {}

    @property
    def connection(self) -> int | None:
        """The number of the connection that counts now, if any."""
        return self._live

    # -- login -----------------------------------------------------------------------
    def login(self, server: object, secure: bool, request: LoginRequest | RestoreRequest, *,
              allow_cleartext: bool = True) -> Events:
        """Start a login or restore. Illegal in CONNECTING and SUCCESS (reported, nothing changes).

        ``allow_cleartext=False`` (the API's default): a server reached without TLS on another host
        (``console.core.transport``) ends the attempt at once, SERVER_ACCESS, the error reported.
        """
        if LOGIN_STATES.CONNECTING not in LOGIN_TABLE[self.login_state]:
            return self._refused(None, LocalProtocolError(f"cannot log in while the login state is {self.login_state}"))
        if isinstance(request, RestoreRequest) and not (isinstance(request.identifier, str) and request.identifier):
            return self._refused(None, LocalProtocolError("a restore needs the identifier of an earlier login"))
        self._logging_out = False
        self.last_login_failure = None
        # a restore of a lost connection (a reconnector's retry): a server still out of reach leaves the
        # connection lost (CONNECTION_LOST again), not a failed login (SERVER_ACCESS)
        self._restoring_lost = isinstance(request, RestoreRequest) and self.login_state is LOGIN_STATES.CONNECTION_LOST
        self._set_login(LOGIN_STATES.CONNECTING)
        if not isinstance(server, str) or not server.strip():
            log.warning("login: no server address")
            self.last_login_failure = LoginFailureKind.BAD_URL
            self._set_login(LOGIN_STATES.SERVER_ACCESS)
            return self._flush()
        if not allow_cleartext and (host := cleartext_host(server, bool(secure))) is not None:
            self.last_login_failure = LoginFailureKind.CLEARTEXT
            self._book.report(None, LocalProtocolError(
                f"login: {server} would send the credentials to {host} in clear (no TLS); use a TLS address "
                f"or secure=True, or allow cleartext explicitly (allow_cleartext=True)"))
            self._set_login(LOGIN_STATES.SERVER_ACCESS)
            return self._flush()
        self._walk = ProxyWalk(server, self.sip_desk, bool(secure), allow_cleartext)  # a proxy pair: failover.py
        self._connect(server, request)
        return self._flush()

    def _connect(self, server: str, request: Request) -> None:
        """Open a connection to ``server`` (one address of the login's walk) for ``request``."""
        secure = self._walk.secure
        if not self._fixed_wire:
            try:
                self.wire = wire_for(server, self.wire, self.sip_desk)
            except ValueError as exc:  # a SIP address without a host, ...
                log.warning("login: %s", exc)
                self._set_login(LOGIN_STATES.SERVER_ACCESS)
                return
        assert self._wire is not None
        capabilities = self._wire.capabilities
        if capabilities.secure is not None:
            secure = capabilities.secure  # the address names its transport (SIP): the wire says which
        self._conn += 1
        self._live, self._open = self._conn, False
        self.server, self.secure = server, bool(secure)
        self._login = request
        self._walk.tried(server)
        self._out.append(ev.Connect(self._conn, server, bool(secure), capabilities.subprotocol))

    def logout(self, now: float) -> Events:
        if self.login_state is LOGIN_STATES.CONNECTING:
            self._finish_logout()
        elif self.login_state is LOGIN_STATES.SUCCESS and not self._logging_out:
            self._logging_out = True
            if self._open:
                self.send(LogoutRequest(), now)
            else:
                self._finish_logout()
        else:
            self._book.report(None, LocalProtocolError(f"logout: not logged in (login state {self.login_state})"))
        return self._flush()

    def give_up_restore(self) -> Events:
        """The driver's reconnector gave up: the old session's calls end, LOGIN_RESTORE_FAILED."""
        if LOGIN_STATES.LOGIN_RESTORE_FAILED in LOGIN_TABLE[self.login_state]:
            self._book.end_all(DISC_REASON.ERROR)
            self._set_login(LOGIN_STATES.LOGIN_RESTORE_FAILED)
        return self._flush()

    def abandon(self) -> Events:
        """Drop the connection without logging out (a closed browser tab); nothing is reported."""
        if self._live is not None:
            self._out.append(ev.Close(self._live))
            self._retire()
        return self._flush()

    # -- the connection --------------------------------------------------------------
    def connected(self, conn: int, now: float) -> Events:
        if conn != self._live or self._login is None:
            return [ev.Close(conn)]
        self._open = True
        request, self._login = self._login, None
        self.send(request, now)
        return self._flush()

    def connect_failed(self, conn: int, error: CommError) -> Events:
        if conn != self._live:
            return []
        request = self._login
        self._retire()
        kind = of_connect_failure(error)
        if request is not None and (following := self._walk.failed(self.server or "", kind, error)) is not None:
            self._connect(following, request)
            return self._flush()
        self.last_login_failure = kind
        if kind is LoginFailureKind.INTERNAL:
            self._book.report(None, error.failed("login"))  # a fault, not the server: the error handler hears it
        self._set_login(LOGIN_STATES.CONNECTION_LOST if self._restoring_lost else LOGIN_STATES.SERVER_ACCESS)
        return self._flush()

    def closed(self, conn: int, error: CommClosed | None = None, now: float | None = None) -> Events:
        """Connection ``conn`` ended (whatever the cause)."""
        if conn != self._live:
            return []
        log.debug("connection %d closed: %s", conn, error)
        self._lost(now, error)
        return self._flush()

    def _lost(self, now: float | None, error: CommClosed | None = None) -> None:
        if self._wire is not None:
            self._exchange(self._wire.closed(self._clock if now is None else now), send=False)
        self._retire(error)
        if self._logging_out:
            self._finish_logout()
        elif self.login_state in (LOGIN_STATES.SUCCESS, LOGIN_STATES.CONNECTING):
            if self.login_state is LOGIN_STATES.CONNECTING:
                self.last_login_failure = LoginFailureKind.UNREACHABLE  # closed before the login was answered
            self._set_login(LOGIN_STATES.CONNECTION_LOST)

    def receive(self, conn: int, frame: str | bytes, now: float) -> Events:
        if conn != self._live:
            return []
        self._clock = now
        assert self._wire is not None
        try:
            self._exchange(self._wire.receive(frame, now))
        except RemoteProtocolError as exc:
            log.warning("a bad frame from the switch: %s", exc)
            pending = self._pending.pop(exc.request_id, None) if exc.request_id is not None else None
            if pending is not None:
                self._outcome(pending, None, exc, now)
            else:
                self._book.report(None, exc)
        return self._flush()

    def _exchange(self, exchange: Exchange, send: bool = True) -> None:
        """Send a wire's frames (on the live connection) and queue its reports."""
        if send and self._live is not None:
            for data in exchange.frames:
                self._out.append(ev.Send(self._live, data))
        self._inbox.extend(exchange.inbound)

    def _inbound(self, report: Inbound, now: float) -> None:  # noqa: C901 - one branch per report type
        if isinstance(report, Reply):
            self._reply(report.request_id, report, None, now)
        elif isinstance(report, Refusal):
            if report.request_id is not None and report.request_id in self._pending:
                self._reply(report.request_id, None, RequestRefused(report.code, report.message), now)
            else:
                self._book.report(None, RequestRefused(report.code, report.message))  # logged where it is reported
        elif isinstance(report, CallReport):
            self._book.call_report(report.info)
        elif isinstance(report, DigitsReport):
            record = self._book.live(report.call)
            if record is not None:
                self._out.append(ev.DigitsReceived(record.ref, report.digits))
        elif isinstance(report, ConferenceReport):
            self._conferences.report(report)
        elif isinstance(report, SessionEnded):
            log.info("the switch ended the session: %s", report.reason)
            if self._live is not None:
                self._out.append(ev.Close(self._live))
            self._retire()
            self._book.end_all(DISC_REASON.REDIRECTED if report.reason == LogoutReason.TAKEN_OVER else DISC_REASON.ERROR)
            if self.login_state is LOGIN_STATES.SUCCESS:
                self._set_login(LOGIN_STATES.LOGGED_OUT_IMPLICIT)
        elif isinstance(report, RemoteOffer):
            self._offers.remote_offer(report, now)
        elif isinstance(report, RemoteAnswer):
            self._offers.remote_answer(report)
        elif isinstance(report, MediaDigits):
            record = self._book.live(report.call)
            if record is not None:
                self._out.append(ev.SendDigits(record.ref, report.digits))
        elif isinstance(report, RenewMedia):
            self._offers.renew_media(report, now)
        elif isinstance(report, IdentifierChanged):
            self.identifier = report.identifier
        elif isinstance(report, TransportFailed):
            log.warning("the connection is dead: %s", report.reason)
            if self._live is not None:
                self._out.append(ev.Close(self._live))
                was = self.login_state
                self._lost(now)
                if was in (LOGIN_STATES.SUCCESS, LOGIN_STATES.CONNECTING) and not self._logging_out:
                    self._set_login(LOGIN_STATES.CONNECTION_LOST)
        elif isinstance(report, PresenceReport):
            self._out.append(ev.PresenceChanged({report.number: report.state}))
        elif isinstance(report, OrbitReport):
            self._out.append(ev.OrbitsChanged((report.orbit,)))
        elif isinstance(report, TurnedAwayReport):
            self._out.append(ev.CallerTurnedAway(report.notice))
        elif isinstance(report, Nothing):
            pass

    # -- attendant extension (docs/PROTOCOL.md) ------------------------------------------
    def attendant(self, request: AttendantRequest, now: float) -> Events:
        """directory, subscribe, dnd, forwarding: sent when logged in, else reported."""
        self._attendant.send(request, now)
        return self._flush()

    def tick(self, now: float) -> Events:
        self._clock = now
        if self._wire is not None and self._open:
            self._exchange(self._wire.tick(now))
        for request_id in [i for i, p in self._pending.items() if p.deadline <= now]:
            pending = self._pending.pop(request_id)
            self._outcome(pending, None, RequestTimeout(f"no answer to {request_name(pending.request)} in {self.request_timeout:g} s"), now)
        return self._flush()

    # -- calls: the application's requests -----------------------------------------------
    def create_call(self) -> int:
        return self._requests.create()

    def dial(self, ref: int, number: object, name: object, media: bool, now: float) -> Events:
        self._requests.dial(ref, number, name, media, now)
        return self._flush()

    @property
    def transfer_recall(self) -> float | None:
        """Seconds a transfer may ring unanswered before the caller comes back (None: the switch's default)."""
        return self._requests.transfer_recall

    @transfer_recall.setter
    def transfer_recall(self, seconds: float | None) -> None:
        self._requests.transfer_recall = seconds  # checked there (call_requests.py: a bad value raises ValueError)

    def request(self, ref: int, request: CallRequest, now: float, *, media: bool = False,
                to: int | None = None, digits: object = None, number: object = None, orbit: object = None) -> Events:
        """accept, answer, decline, disconnect, hold, retrieve, transfer (``to``), dtmf (``digits``), media;
        blind_transfer (``number``) and park (optional ``orbit``) of the attendant extension."""
        self._requests.request(ref, request, now, media=media, to=to, digits=digits, number=number, orbit=orbit)
        return self._flush()

    # -- conference (extension: docs/PROTOCOL.md, "Conference") ---------------------------
    def conference(self, refs: list[int], now: float) -> Events:
        """Join these calls (and their far ends) into one conference at the switch."""
        self._conferences.join(refs, now)
        return self._flush()

    def leave_conference(self, ref: int, now: float) -> Events:
        """Leave the conference call ``ref`` is in: our calls in it end, the other parties stay connected."""
        self._conferences.leave(ref, now)
        return self._flush()

    # -- calls: media outcomes -------------------------------------------------------------
    def want_media(self, ref: int, now: float) -> Events:
        """An element was set: re-offer if the call is past the point where an offer rides along a request."""
        record = self._book.records.get(ref)
        if record is not None and not record.ended:
            self._offers.want_media(record, now)
        return self._flush()

    def offer_ready(self, ref: int, sdp: dict[str, str], now: float) -> Events:
        record = self._book.records.get(ref)
        if record is not None:
            self._offers.offer_ready(record, sdp, now)
        return self._flush()

    def offer_failed(self, ref: int, error: ConsoleError, now: float) -> Events:
        record = self._book.records.get(ref)
        if record is not None:
            self._offers.offer_failed(record, error, now)
        return self._flush()

    def answer_applied(self, ref: int, now: float) -> Events:
        record = self._book.records.get(ref)
        if record is not None:
            self._offers.answer_applied(record, now)
        return self._flush()

    def answer_failed(self, ref: int, error: ConsoleError, now: float) -> Events:
        record = self._book.records.get(ref)
        if record is not None:
            self._offers.answer_failed(record, error, now)
        return self._flush()

    def video_negotiated(self, ref: int, active: bool) -> Events:
        """The call's media now carries video (or no longer does)."""
        record = self._book.records.get(ref)
        if record is not None and not record.ended and record.video != active:
            record.video = active
            self._out.append(ev.VideoChanged(ref, active))
        return self._flush()

    def media_digits(self, ref: int, digits: str) -> Events:
        """Digits that arrived in the call's media (RFC 4733 events), reported like the switch's ``dtmf``."""
        record = self._book.records.get(ref)
        if record is not None and not record.ended:
            self._out.append(ev.DigitsReceived(ref, digits))
        return self._flush()

    def media_failed(self, ref: int, error: ConsoleError, now: float) -> Events:
        """The call's media died (ICE/DTLS failed, or a health check): end it with MEDIA, tell the switch (over SIP,
        fresh media is offered first: ``OfferAnswer.renew_dead_media``)."""
        record = self._book.records.get(ref)
        if record is not None and not record.ended and not self._offers.renew_dead_media(record, error, now):
            self._requests.media_failure(record, error, now)
        return self._flush()

    # -- internals: login --------------------------------------------------------------
    def _set_login(self, state: LOGIN_STATES) -> None:
        if state == self.login_state:
            return
        if state not in LOGIN_TABLE[self.login_state]:
            raise LocalProtocolError(f"login state cannot go from {self.login_state} to {state}")  # a bug here
        log.debug("login: %s -> %s", self.login_state, state)
        self.login_state = state
        self._out.append(ev.LoginChanged(state))

    def _retire(self, error: CommClosed | None = None) -> None:
        """The current connection no longer counts: fail its requests, forget it.

        Each request fails with its own error (one per recipient), saying why the connection ended.
        """
        conn, self._live, self._open, self._login = self._live, None, False, None

        def closed() -> CommClosed:
            if error is None or (error.code is None and not error.reason):
                return CommClosed(None, "the link to the server dropped")
            return CommClosed(error.code, error.reason)

        for request_id in [i for i, p in self._pending.items() if p.conn == conn]:
            pending = self._pending.pop(request_id)
            # calls, attendant requests (directory, presence, DND, forwarding) and conferences each fail with
            # why; a login, restore or logout ends in its login state instead
            if not isinstance(pending.request, (LoginRequest, RestoreRequest, LogoutRequest)):
                self._outcome(pending, None, closed(), 0.0)
        for record in list(self._book.records.values()):
            command = record.negotiation.drop()
            if command is not None:
                self._requests.fail_request(record, command, closed())

    def _finish_logout(self) -> None:
        self._logging_out = False
        if self._live is not None:
            self._out.append(ev.Close(self._live))
            self._retire()
        self._book.end_all(DISC_REASON.USERTERMINATED)
        self._set_login(LOGIN_STATES.LOGGED_OUT_EXPLICIT)

    def _logged_in(self, request: Request, result: LoginResult) -> None:
        self.identifier = result.identifier
        self.number, self.name = result.number, result.name
        if result.lifetime is not None:
            self.lifetime = result.lifetime
        if result.ice_servers:  # an empty list (the switch names none) keeps the instance's own
            self._out.append(ev.UseIceServers(result.ice_servers))
        restored = isinstance(request, RestoreRequest)
        if not restored:
            self._book.end_all(DISC_REASON.ERROR)  # calls of an earlier session this new one does not know
        self._attendant.logged_in(restored)
        self._set_login(LOGIN_STATES.SUCCESS)
        if restored:
            restore_calls(self._book, result.calls)

    # -- internals: requests -------------------------------------------------------------
    def send(self, request: Request, now: float, record: CallRecord | None = None) -> int:
        assert self._live is not None and self._wire is not None
        self._clock = max(self._clock, now)
        request_id, self._next_id = self._next_id, self._next_id + 1
        if isinstance(request, (LoginRequest, RestoreRequest)):
            request = with_client(request, self.client_description)
        self._pending[request_id] = _Pending(self._live, request, now + self.request_timeout, record)
        self._exchange(self._wire.send(request_id, request, now))  # its reports: handled in _flush
        return request_id

    def _reply(self, request_id: int, reply: Reply | None, error: ConsoleError | None, now: float) -> None:
        pending = self._pending.pop(request_id, None)
        if pending is None:
            self._book.report(None, RemoteProtocolError(ErrorCode.MALFORMED, f"an answer to request {request_id}, which is not waiting"))
            return
        self._outcome(pending, reply, error, now)

    def _outcome(self, pending: _Pending, reply: Reply | None, error: ConsoleError | None, now: float) -> None:
        request = pending.request
        if isinstance(request, (LoginRequest, RestoreRequest)):
            self._login_outcome(request, reply, error)
            self._attendant.renew(now)
        elif isinstance(request, LogoutRequest):
            if error is not None:
                log.info("logout: %s", error)
            self._finish_logout()
        elif isinstance(request, ATTENDANT_REQUESTS):
            self._attendant.outcome(request, reply, error)
        elif isinstance(request, ConferenceCommand):
            if error is not None:  # success needs nothing here: conference_state events follow
                self._conferences.failed(request, pending.record.ref if pending.record is not None else None, error)
        elif pending.record is not None and isinstance(request, CallCommand):
            self._requests.outcome(pending.record, request, reply, error, now)

    def _login_outcome(self, request: Request, reply: Reply | None, error: ConsoleError | None) -> None:
        if self.login_state is not LOGIN_STATES.CONNECTING:
            return
        if error is None and reply is not None:
            self._logged_in(request, reply.login or LoginResult())
            return
        log.warning("login refused: %s", error)
        self.last_login_failure = of_refusal(error, isinstance(request, RestoreRequest))
        if self._live is not None:
            self._out.append(ev.Close(self._live))
        self._retire()
        state = refused_login_state(error, isinstance(request, RestoreRequest))
        if state is LOGIN_STATES.LOGIN_RESTORE_FAILED:
            self._book.end_all(DISC_REASON.ERROR)
        self._set_login(state)

    # -- internals ------------------------------------------------------------------------
    def _refused(self, ref: int | None, error: ConsoleError) -> Events:
        self._book.report(ref, error)
        return self._flush()

    def _flush(self) -> Events:
        while self._inbox:
            self._inbound(self._inbox.pop(0), self._clock)
        out = self._out[:]  # the list itself is shared with the collaborators
        self._out.clear()
        self._book.sweep()
        return out


__all__ = ["ClientSession", "REQUEST_TIMEOUT"]
