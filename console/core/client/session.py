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
* request ids, their deadlines (``tick(now)``) and their outcomes;
* the calls and their states, enforced both for the application's requests
  (``LEGAL``: an illegal request is reported, never raised, and changes
  nothing) and for what the wire reports (``CALL_STATE_TABLE``: a report
  outside it is a :class:`RemoteProtocolError`, reported, and ignored);
* pending hang-ups (``disconnect()`` right after ``dial()``), call reports
  that overtake their dial's result, and restore sequencing.

The wire format is not here: a :class:`~console.core.client.wire.ClientWire`
turns requests into frames and frames into reports.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass

from console.core.callinfo import CallInfo
from console.core.client.failures import LoginFailureKind, of_connect_failure, of_refusal
from console.core.dtmf import check_digits
from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction, ErrorCode, LogoutReason
from console.core.errors import (
    CallStateError, CommClosed, CommError, ConsoleError, InvalidDigitError, LocalProtocolError,
    RemoteProtocolError, RequestRefused, RequestTimeout,
)
from console.core.machines import LEGAL, LOGIN_TABLE, TALKING_STATES, CallRequest, call_transition_ok

from . import events as ev
from .calls import CallRecord, valid_dial_string
from .wire import (
    ATTENDANT_REQUESTS, AttendantRequest, CallCommand, CallReport, ClientWire, ConferenceCommand, ConferenceReport,
    DigitsReport, DirectoryRequest, DndRequest, Exchange, IdentifierChanged, Inbound, LoginRequest, LoginResult,
    LogoutRequest, MediaDigits, Nothing, OrbitReport, PresenceReport, Refusal, RemoteAnswer, RemoteOffer, RenewMedia,
    Reply, Request, RestoreRequest, SessionEnded, SessionWire, SubscribeRequest, TransportFailed, as_session_wire,
)
from .wires import wire_for

log = logging.getLogger("console.core.client")

REQUEST_TIMEOUT = 10.0
MAX_ORPHANS = 64

_LOGIN_FAILURES = {
    str(ErrorCode.DIAL_STRING_MISSING): LOGIN_STATES.DIAL_STRING_MISSING,
    str(ErrorCode.NO_DIAL_STRING_FOR_USER): LOGIN_STATES.NO_DIAL_STRING_FOR_USER,
    str(ErrorCode.RESTORE_FAILED): LOGIN_STATES.LOGIN_RESTORE_FAILED,
}
# requests that carry an SDP offer when the call has media, and the direction they offer
# where a queued request leaves the call: one that finds the call there already has nothing left to do
_OUTCOME = {CallRequest.HOLD: CALL_STATES.HELD, CallRequest.RETRIEVE: CALL_STATES.CONNECTED,
            CallRequest.ANSWER: CALL_STATES.CONNECTED}
_NEGOTIATING = {
    CallRequest.DIAL: "sendrecv", CallRequest.ANSWER: "sendrecv", CallRequest.HOLD: "inactive",
    CallRequest.RETRIEVE: "sendrecv", CallRequest.MEDIA: None,
}


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
                 request_timeout: float = REQUEST_TIMEOUT, max_orphans: int = MAX_ORPHANS) -> None:
        """``wire`` None: chosen per login from the server address (``wires.wire_for``)."""
        self._fixed_wire = wire is not None
        self.wire: ClientWire | SessionWire | None = wire
        self._wire: SessionWire | None = as_session_wire(wire) if wire is not None else None
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
        self._logging_out = False
        self._pending: dict[int, _Pending] = {}
        self._next_id = 1
        self._calls: dict[int, CallRecord] = {}
        self._by_id: dict[str, CallRecord] = {}
        self._orphans: OrderedDict[str, CallInfo] = OrderedDict()
        self._next_ref = 1
        self._out: Events = []
        self._subscribed = False  # presence: subscribe again after a restore
        self._resubscribe = False

    # -- reading ---------------------------------------------------------------------
    def call(self, ref: int) -> CallRecord:
        return self._calls[ref]

    @property
    def calls(self) -> list[CallRecord]:
        """Calls that have not ended, oldest first."""
        return [c for c in self._calls.values() if not c.ended]

    def next_deadline(self) -> float | None:
        wire = self._wire.next_deadline() if self._wire is not None and self._open else None
        return min([p.deadline for p in self._pending.values()] + ([wire] if wire is not None else []), default=None)

    def link_details(self, now: float) -> dict[str, str]:
        """What the wire says about the link (SIP: AOR, registration expiry, transport), label -> text."""
        status = getattr(self._wire, "status", None)
        return dict(status(now)) if callable(status) else {}

    @property
    def connection(self) -> int | None:
        """The number of the connection that counts now, if any."""
        return self._live

    # -- login -----------------------------------------------------------------------
    def login(self, server: object, secure: bool, request: LoginRequest | RestoreRequest) -> Events:
        """Start a login or restore. Illegal in CONNECTING and SUCCESS (reported, nothing changes)."""
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
        if not self._fixed_wire:
            try:
                self._choose_wire(server)
            except ValueError as exc:  # a sip+ws:// address without a host, ...
                log.warning("login: %s", exc)
                self._set_login(LOGIN_STATES.SERVER_ACCESS)
                return self._flush()
        assert self._wire is not None
        if server.startswith("sip+"):
            secure = server.startswith("sip+wss://")  # a SIP address names its transport: the scheme decides
        self._conn += 1
        self._live, self._open = self._conn, False
        self.server, self.secure = server, bool(secure)
        self._login = request
        self._out.append(ev.Connect(self._conn, server, bool(secure), getattr(self._wire, "subprotocol", None)))
        return self._flush()

    def _choose_wire(self, server: str) -> None:
        wire = wire_for(server)
        if self.wire is not None and type(wire) is type(self.wire) and getattr(self.wire, "server", None) == getattr(wire, "server", None):
            return  # the same wire again (a restore keeps the SIP wire's dialogs)
        self.wire, self._wire = wire, as_session_wire(wire)

    def can_login(self) -> bool:
        return LOGIN_STATES.CONNECTING in LOGIN_TABLE[self.login_state]

    def logout(self, now: float) -> Events:
        if self.login_state is LOGIN_STATES.CONNECTING:
            self._finish_logout()
        elif self.login_state is LOGIN_STATES.SUCCESS and not self._logging_out:
            self._logging_out = True
            if self._open:
                self._send(LogoutRequest(), now)
            else:
                self._finish_logout()
        else:
            self._report(None, LocalProtocolError(f"logout: not logged in (login state {self.login_state})"))
        return self._flush()

    def give_up_restore(self) -> Events:
        """The driver's reconnector gave up: the old session's calls end, LOGIN_RESTORE_FAILED."""
        if LOGIN_STATES.LOGIN_RESTORE_FAILED in LOGIN_TABLE[self.login_state]:
            self._end_all(DISC_REASON.ERROR)
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
        self._send(request, now)
        return self._flush()

    def connect_failed(self, conn: int, error: CommError) -> Events:
        if conn != self._live:
            return []
        log.warning("login: %s", error)
        self._retire()
        self.last_login_failure = of_connect_failure(error)
        self._set_login(LOGIN_STATES.CONNECTION_LOST if self._restoring_lost else LOGIN_STATES.SERVER_ACCESS)
        return self._flush()

    def closed(self, conn: int, error: CommClosed | None = None, now: float | None = None) -> Events:
        """Connection ``conn`` ended (whatever the cause)."""
        if conn != self._live:
            return []
        log.debug("connection %d closed: %s", conn, error)
        self._lost(now)
        return self._flush()

    def _lost(self, now: float | None) -> None:
        if self._wire is not None:
            self._exchange(self._wire.closed(self._clock if now is None else now), send=False)
        self._retire()
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
                self._report(None, exc)
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
                log.warning("switch error: %s %s", report.code, report.message)
                self._report(None, RequestRefused(report.code, report.message))
        elif isinstance(report, CallReport):
            self._call_report(report.info)
        elif isinstance(report, DigitsReport):
            record = self._by_id.get(report.call)
            if record is not None and not record.ended:
                self._out.append(ev.DigitsReceived(record.ref, report.digits))
        elif isinstance(report, ConferenceReport):
            self._conference_report(report)
        elif isinstance(report, SessionEnded):
            log.info("the switch ended the session: %s", report.reason)
            if self._live is not None:
                self._out.append(ev.Close(self._live))
            self._retire()
            self._end_all(DISC_REASON.REDIRECTED if report.reason == LogoutReason.TAKEN_OVER else DISC_REASON.ERROR)
            if self.login_state is LOGIN_STATES.SUCCESS:
                self._set_login(LOGIN_STATES.LOGGED_OUT_IMPLICIT)
        elif isinstance(report, RemoteOffer):
            self._remote_offer(report, now)
        elif isinstance(report, RemoteAnswer):
            record = self._by_id.get(report.call)
            if record is not None and not record.ended and record.answer_follows:
                record.answer_follows = False
                record.applying = True
                self._out.append(ev.ApplyAnswer(record.ref, {"type": "answer", "sdp": report.sdp}))
        elif isinstance(report, MediaDigits):
            record = self._by_id.get(report.call)
            if record is not None and not record.ended:
                self._out.append(ev.SendDigits(record.ref, report.digits))
        elif isinstance(report, RenewMedia):
            record = self._by_id.get(report.call)
            if record is not None and not record.ended:
                command = CallCommand(CallRequest.MEDIA, record.id)
                if record.busy or not record.has_media or not self._open:
                    self._send_call(record, command, now)  # no media to move: the wire refuses
                else:
                    record.fresh_media = True
                    self._start(record, command, True, now)
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
        elif isinstance(report, Nothing):
            pass

    def _remote_offer(self, report: RemoteOffer, now: float) -> None:
        record = self._by_id.get(report.call)
        if record is None or record.ended:
            return
        record.remote_offer = {"type": "offer", "sdp": report.sdp}
        if record.state in (CALL_STATES.OFFERING, CALL_STATES.RINGING, CALL_STATES.DIALING):
            return  # answered by ``answer`` (incoming) or not at all
        command = CallCommand(CallRequest.MEDIA, record.id)
        if record.busy or not record.has_media or not self._open:
            record.remote_offer = None
            self._send_call(record, command, now)  # no answer now: the wire refuses the offer
            return
        self._start(record, command, True, now)

    # -- attendant extension (docs/PROTOCOL.md) ------------------------------------------
    def attendant(self, request: AttendantRequest, now: float) -> Events:
        """directory, subscribe, dnd, forwarding: sent when logged in, else reported."""
        if self.login_state is not LOGIN_STATES.SUCCESS or not self._open:
            return self._refused(None, LocalProtocolError(
                f"{_what(request)}: not logged in (login state {self.login_state})"))
        if not self.supports_attendant:
            return self._refused(None, LocalProtocolError(f"{_what(request)} is not supported by the {self.wire.name} wire"))
        if isinstance(request, SubscribeRequest):
            self._subscribed = bool(request.presence)
        self._send(request, now)
        return self._flush()

    def tick(self, now: float) -> Events:
        self._clock = now
        if self._wire is not None and self._open:
            self._exchange(self._wire.tick(now))
        for request_id in [i for i, p in self._pending.items() if p.deadline <= now]:
            pending = self._pending.pop(request_id)
            self._outcome(pending, None, RequestTimeout(f"no answer to {_what(pending.request)} in {self.request_timeout:g} s"), now)
        return self._flush()

    # -- calls: the application's requests -----------------------------------------------
    def create_call(self) -> int:
        record = CallRecord(self._new_ref(), Direction.OUT, CALL_STATES.IDLE,
                            local_number=self.number or "", local_name=self.name or "")
        self._calls[record.ref] = record
        return record.ref

    def dial(self, ref: int, number: object, name: object, media: bool, now: float) -> Events:
        record = self._get(ref, CallRequest.DIAL)
        if record is None or self._refuse(record, CallRequest.DIAL):
            return self._flush()
        if not valid_dial_string(number):
            record.remote_number = number.strip() if isinstance(number, str) else ""
            log.info("dial: %r is not a dial string", number)
            self._end(record, DISC_REASON.DIALSTRING)
            return self._flush()
        assert isinstance(number, str)
        record.remote_number = number.strip()
        display = name if isinstance(name, str) and name else (self.name or None)
        self._set_state(record, CALL_STATES.DIALING)
        self._start(record, CallCommand(CallRequest.DIAL, number=record.remote_number, name=display), media, now)
        return self._flush()

    def request(self, ref: int, request: CallRequest, now: float, *, media: bool = False,
                to: int | None = None, digits: object = None, number: object = None, orbit: object = None) -> Events:
        """accept, answer, decline, disconnect, hold, retrieve, transfer (``to``), dtmf (``digits``), media;
        blind_transfer (``number``) and park (optional ``orbit``) of the attendant extension."""
        record = self._get(ref, request)
        if record is None:
            return self._flush()
        if request is CallRequest.DISCONNECT:
            self._disconnect(record, now)
            return self._flush()
        if request is CallRequest.DTMF:
            try:
                digits = check_digits(digits)  # type: ignore[arg-type]
            except InvalidDigitError as exc:
                return self._refused(ref, exc)
        if request in _NEGOTIATING and request is not CallRequest.MEDIA and record.busy and not record.ended:
            # hold, retrieve or answer typed while an exchange is still under way (its answer not applied
            # yet): it runs once that exchange ends, checked against the state the call is in by then;
            # the last one asked for wins
            record.queued = (request, media)
            return self._flush()
        if self._refuse(record, request):
            return self._flush()
        command = CallCommand(request, record.id, digits=digits if isinstance(digits, str) else None)
        if request is CallRequest.TRANSFER:
            other = self._calls.get(to) if isinstance(to, int) else None
            problem = _transfer_problem(record, other)
            if problem:
                return self._refused(ref, CallStateError(problem))
            assert other is not None
            command = CallCommand(request, record.id, to=other.id)
        if request in (CallRequest.BLIND_TRANSFER, CallRequest.PARK) and not self._wire_carries(request):
            return self._refused(ref, CallStateError(f"{request} is not supported by the {self.wire.name} wire"))
        if request is CallRequest.BLIND_TRANSFER:
            if not valid_dial_string(number):
                return self._refused(ref, CallStateError(f"blind transfer: {number!r} is not a number to dial"))
            assert isinstance(number, str)
            command = CallCommand(request, record.id, number=number.strip())
        if request is CallRequest.PARK:
            if orbit is not None and not valid_dial_string(orbit):
                return self._refused(ref, CallStateError(f"park: {orbit!r} is not an orbit number"))
            command = CallCommand(request, record.id, orbit=orbit.strip() if isinstance(orbit, str) else None)
        if request in _NEGOTIATING:
            if request is CallRequest.MEDIA and record.busy:
                record.media_wanted = True  # after the exchange under way
                return self._flush()
        self._start(record, command, media or request is CallRequest.MEDIA, now)
        return self._flush()

    # -- conference (extension: docs/PROTOCOL.md, "Conference") ---------------------------
    def conference(self, refs: list[int], now: float) -> Events:
        """Join these calls (and their far ends) into one conference at the switch."""
        records = [self._calls.get(ref) for ref in refs]
        first = refs[0] if refs else None
        if len(set(refs)) < 2 and not any(r is not None and r.conference for r in records):
            return self._refused(first, CallStateError("a conference needs two calls (or one and a conference)"))
        for ref, record in zip(refs, records):
            if record is None or record.ended or record.id is None or record.state not in TALKING_STATES:
                return self._refused(ref, CallStateError("a conference joins calls that are connected or on hold"))
        if self._live is None or self.login_state is not LOGIN_STATES.SUCCESS:
            return self._refused(first, CallStateError("conference: not logged in"))
        if not self.supports_attendant:  # our protocol's extension: the SIP wire does not encode it
            return self._refused(first, LocalProtocolError(f"conference is not supported by the {self.wire.name} wire"))
        self._send(ConferenceCommand(calls=tuple(r.id for r in records)), now)  # type: ignore[union-attr,misc]
        return self._flush()

    def leave_conference(self, ref: int, now: float) -> Events:
        """Leave the conference call ``ref`` is in: our calls in it end, the other parties stay connected."""
        record = self._calls.get(ref)
        if record is None or record.ended or not record.conference:
            return self._refused(ref, CallStateError("leave_conference: the call is not in a conference"))
        if self._live is None or self.login_state is not LOGIN_STATES.SUCCESS:
            return self._refused(ref, CallStateError("leave_conference: not logged in"))
        if not self.supports_attendant:
            return self._refused(ref, LocalProtocolError(f"leave_conference is not supported by the {self.wire.name} wire"))
        self._send(ConferenceCommand(conference=record.conference, leave=True), now, record)
        return self._flush()

    def _conference_report(self, report: ConferenceReport) -> None:
        members = set(report.calls)
        for record in self._calls.values():
            inside = record.id in members and report.parties > 0
            if inside:
                changed = record.conference != report.conference or record.conference_parties != report.parties
                record.conference, record.conference_parties = report.conference, report.parties
            elif record.conference == report.conference:
                changed = True
                record.conference, record.conference_parties = "", 0
            else:
                changed = False
            if changed and not record.ended:
                self._out.append(ev.ConferenceChanged(record.ref, record.conference, record.conference_parties))

    # -- calls: media outcomes -------------------------------------------------------------
    def want_media(self, ref: int, now: float) -> Events:
        """An element was set: re-offer if the call is past the point where an offer rides along a request."""
        record = self._calls.get(ref)
        if record is None or record.ended:
            return self._flush()
        if record.awaiting_offer is not None:
            return self._flush()  # the offer about to be made carries the elements already
        if record.negotiating is not None:
            record.media_wanted = True  # the offer under way was made before: re-offer once it has ended
            return self._flush()
        if record.id is None or record.state not in LEGAL[CallRequest.MEDIA][0]:
            return self._flush()  # the next request that applies carries the offer
        if self.login_state is not LOGIN_STATES.SUCCESS or not self._open:
            return self._flush()
        self._start(record, CallCommand(CallRequest.MEDIA, record.id), True, now)
        return self._flush()

    def offer_ready(self, ref: int, sdp: dict[str, str], now: float) -> Events:
        record = self._calls.get(ref)
        if record is None:
            return self._flush()
        command, record.awaiting_offer = record.awaiting_offer, None
        if command is None or record.ended:
            return self._flush()
        if not self._open:
            self._fail_request(record, command, CommClosed(None, "not connected"))
            return self._flush()
        command = CallCommand(command.request, record.id if command.request is not CallRequest.DIAL else None,
                              number=command.number, name=command.name, sdp=sdp)
        self._send_call(record, command, now)
        return self._flush()

    def offer_failed(self, ref: int, error: ConsoleError, now: float) -> Events:
        record = self._calls.get(ref)
        if record is not None:
            command, record.awaiting_offer = record.awaiting_offer, None
            if command is not None and not record.ended:
                self._media_failure(record, error, now)
        return self._flush()

    def answer_applied(self, ref: int, now: float) -> Events:
        record = self._calls.get(ref)
        if record is not None:
            record.applying = False
            self._negotiation_done(record, now)
        return self._flush()

    def answer_failed(self, ref: int, error: ConsoleError, now: float) -> Events:
        record = self._calls.get(ref)
        if record is not None:
            record.applying = False
            record.negotiating = None
            record.held_back.clear()
            if not record.ended:
                self._media_failure(record, error, now)
        return self._flush()

    def video_negotiated(self, ref: int, active: bool) -> Events:
        """The call's media now carries video (or no longer does)."""
        record = self._calls.get(ref)
        if record is not None and not record.ended and record.video != active:
            record.video = active
            self._out.append(ev.VideoChanged(ref, active))
        return self._flush()

    def media_digits(self, ref: int, digits: str) -> Events:
        """Digits that arrived in the call's media (RFC 4733 events), reported like the switch's ``dtmf``."""
        record = self._calls.get(ref)
        if record is not None and not record.ended:
            self._out.append(ev.DigitsReceived(ref, digits))
        return self._flush()

    def media_failed(self, ref: int, error: ConsoleError, now: float) -> Events:
        """The call's media died (ICE/DTLS failed, or a health check): end it with MEDIA, tell the switch."""
        record = self._calls.get(ref)
        if record is not None and not record.ended:
            self._media_failure(record, error, now)
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

    def _retire(self) -> None:
        """The current connection no longer counts: fail its requests, forget it."""
        conn, self._live, self._open, self._login = self._live, None, False, None
        closed = CommClosed(None, "the connection ended")
        for request_id in [i for i, p in self._pending.items() if p.conn == conn]:
            pending = self._pending.pop(request_id)
            if isinstance(pending.request, CallCommand):
                self._outcome(pending, None, closed, 0.0)
        for record in list(self._calls.values()):
            if record.awaiting_offer is not None:
                self._fail_request(record, record.awaiting_offer, closed)
                record.awaiting_offer = None

    def _finish_logout(self) -> None:
        self._logging_out = False
        if self._live is not None:
            self._out.append(ev.Close(self._live))
            self._retire()
        self._end_all(DISC_REASON.USERTERMINATED)
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
            self._end_all(DISC_REASON.ERROR)  # calls of an earlier session this new one does not know
            self._subscribed = False  # a new session: the application subscribes again if it wants to
        self._set_login(LOGIN_STATES.SUCCESS)
        self._resubscribe = restored and self._subscribed  # events missed while away: a fresh snapshot
        if not restored:
            return
        seen: set[str] = set()
        for info in result.calls:
            seen.add(info.call)
            record = self._by_id.get(info.call)
            if record is None or record.ended:
                record = CallRecord(self._new_ref(), info.direction, info.state, id=info.call)
                self._calls[record.ref] = record
                self._by_id[info.call] = record
            previous = record.state
            record.absorb(info)
            record.state = info.state
            record.video = info.video
            if info.held_by_remote is not None:
                record.held_by_remote = info.held_by_remote
            self._out.append(ev.RestoredCall(record.ref))
            self._out.append(ev.CallChanged(record.ref, info.state, previous, forced=True))
            if info.state is CALL_STATES.DISCONNECTED:
                self._forget(record)
        for record in list(self._calls.values()):
            if not record.ended and record.id not in seen:
                log.info("call %s ended while the connection was lost", record.id)
                self._end(record, DISC_REASON.ERROR)

    # -- internals: requests -------------------------------------------------------------
    def _send(self, request: Request, now: float, record: CallRecord | None = None) -> int:
        assert self._live is not None and self._wire is not None
        self._clock = max(self._clock, now)
        request_id, self._next_id = self._next_id, self._next_id + 1
        if isinstance(request, (LoginRequest, RestoreRequest)) and self.client_description:
            request = _with_client(request, self.client_description)
        self._pending[request_id] = _Pending(self._live, request, now + self.request_timeout, record)
        self._exchange(self._wire.send(request_id, request, now))  # its reports: handled in _flush
        return request_id

    def _start(self, record: CallRecord, command: CallCommand, media: bool, now: float) -> None:
        media = media or bool(getattr(self._wire, "media_required", False))  # SIP: no call without SDP
        direction = _NEGOTIATING.get(command.request, "")
        if command.request is CallRequest.MEDIA:
            direction = "inactive" if record.state is CALL_STATES.HELD else "sendrecv"
        if media and command.request in _NEGOTIATING:
            record.awaiting_offer = command
            record.has_media = True
            offer, record.remote_offer = record.remote_offer, None
            fresh, record.fresh_media = record.fresh_media, False
            self._out.append(ev.MakeOffer(record.ref, direction or "sendrecv", offer, fresh))
            return
        if command.request is CallRequest.MEDIA:
            return  # nothing to negotiate without media
        self._send_call(record, command, now)

    def _send_call(self, record: CallRecord, command: CallCommand, now: float) -> None:
        request_id = self._send(command, now, record)
        if command.request is CallRequest.DIAL:
            record.dial_sent = True
        if command.request is CallRequest.DISCONNECT:
            record.hanging_up = True
        if command.sdp is not None:
            record.negotiating = request_id

    def _reply(self, request_id: int, reply: Reply | None, error: ConsoleError | None, now: float) -> None:
        pending = self._pending.pop(request_id, None)
        if pending is None:
            self._report(None, RemoteProtocolError(ErrorCode.MALFORMED, f"an answer to request {request_id}, which is not waiting"))
            return
        self._outcome(pending, reply, error, now)

    def _outcome(self, pending: _Pending, reply: Reply | None, error: ConsoleError | None, now: float) -> None:
        request = pending.request
        if isinstance(request, (LoginRequest, RestoreRequest)):
            self._login_outcome(request, reply, error)
            if self._resubscribe and self._open and self.login_state is LOGIN_STATES.SUCCESS:
                self._resubscribe = False
                self._send(SubscribeRequest(True), now)
        elif isinstance(request, LogoutRequest):
            if error is not None:
                log.info("logout: %s", error)
            self._finish_logout()
        elif isinstance(request, ATTENDANT_REQUESTS):
            self._attendant_outcome(request, reply, error)
        elif isinstance(request, ConferenceCommand):
            if error is not None:  # success needs nothing here: conference_state events follow
                ref = pending.record.ref if pending.record is not None else None
                self._report(ref, _failed("leave_conference" if request.leave else "conference", error))
        elif pending.record is not None:
            self._call_outcome(pending.record, request, reply, error, now)

    @property
    def supports_attendant(self) -> bool:
        """Whether the wire carries the attendant extension (directory, presence, park, DND, forwarding)."""
        return bool(getattr(self.wire, "supports_attendant", False))

    def _wire_carries(self, request: CallRequest) -> bool:
        """Whether the wire encodes an extension call request: all of them with the attendant extension;
        without it a wire may still map blind transfer (SIP: a REFER)."""
        if self.supports_attendant:
            return True
        return request is CallRequest.BLIND_TRANSFER and bool(getattr(self.wire, "supports_blind_transfer", False))

    def _attendant_outcome(self, request: AttendantRequest, reply: Reply | None, error: ConsoleError | None) -> None:
        if error is not None or reply is None:
            if isinstance(request, SubscribeRequest) and request.presence:
                self._subscribed = False
            self._report(None, _failed(_what(request), error or LocalProtocolError("no reply")))
            return
        data = reply.attendant
        if isinstance(request, DirectoryRequest):
            self._out.append(ev.DirectoryReceived(data.entries or () if data else ()))
            if data is not None and data.orbits is not None:
                self._out.append(ev.OrbitsChanged(data.orbits, snapshot=True))
        elif isinstance(request, SubscribeRequest):
            if data is not None and data.presence is not None:
                self._out.append(ev.PresenceChanged(data.presence, snapshot=True))
            if data is not None and data.orbits is not None:
                self._out.append(ev.OrbitsChanged(data.orbits, snapshot=True))
        else:
            self._out.append(ev.SettingConfirmed("dnd" if isinstance(request, DndRequest) else "forwarding"))

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
        state = LOGIN_STATES.SERVER_ACCESS
        if isinstance(error, RequestRefused):
            state = _LOGIN_FAILURES.get(error.code, state)
        elif isinstance(request, RestoreRequest) and isinstance(error, RemoteProtocolError):
            state = LOGIN_STATES.LOGIN_RESTORE_FAILED
        if state is LOGIN_STATES.LOGIN_RESTORE_FAILED:
            self._end_all(DISC_REASON.ERROR)
        self._set_login(state)

    def _call_outcome(self, record: CallRecord, command: Request, reply: Reply | None,
                      error: ConsoleError | None, now: float) -> None:
        assert isinstance(command, CallCommand)
        if command.request is CallRequest.DISCONNECT:
            record.hanging_up = False
        if error is not None:
            if record.negotiating is not None and command.sdp is not None:
                record.negotiating = None
                self._release(record)
            self._fail_request(record, command, error)
            if command.request is CallRequest.DIAL:
                record.hangup_pending = False  # nothing left to hang up
            return
        assert reply is not None
        if command.request is CallRequest.DIAL:
            self._named(record, reply, now)
        if record.ended:
            return
        if reply.sdp is not None and record.negotiating is not None:
            record.applying = True
            self._out.append(ev.ApplyAnswer(record.ref, reply.sdp))
        elif reply.answer_follows and command.sdp is not None:
            record.answer_follows = True  # a RemoteAnswer will bring it; reports are not held back meanwhile
        elif command.sdp is not None:
            self._negotiation_done(record, now)

    def _named(self, record: CallRecord, reply: Reply, now: float) -> None:
        info = reply.call
        if info is None:
            self._report(record.ref, RemoteProtocolError(ErrorCode.MALFORMED, "a dial result without its call"))
            self._end(record, DISC_REASON.ERROR)
            return
        record.id = info.call
        self._by_id[info.call] = record
        newer = self._orphans.pop(info.call, None)
        if record.ended:  # ended locally meanwhile (a media failure): the switch must end it too
            record.hangup_pending = False
            latest = newer or info
            if self._open and latest.state is not CALL_STATES.DISCONNECTED:
                self._send_call(record, CallCommand(CallRequest.DISCONNECT, record.id), now)
            self._by_id.pop(info.call, None)
            return
        record.absorb(info)
        self._apply_report(record, info)
        if newer is not None:
            self._call_report(newer)
        if record.hangup_pending and not record.ended:
            record.hangup_pending = False
            if self._open:
                self._send_call(record, CallCommand(CallRequest.DISCONNECT, record.id), now)

    def _fail_request(self, record: CallRecord, command: CallCommand, error: ConsoleError) -> None:
        if record.ended:
            return
        what = str(command.request)
        if command.request is CallRequest.DIAL and record.id is None:
            reason = DISC_REASON.ERROR
            if record.hangup_pending:
                reason = DISC_REASON.USERTERMINATED
            elif isinstance(error, RequestRefused) and error.code == ErrorCode.INVALID_SDP:
                reason = DISC_REASON.MEDIA
            log.warning("dial failed: %s", error)
            self._end(record, reason)
            return
        if (command.request is CallRequest.DISCONNECT and isinstance(error, RequestRefused)
                and error.code == ErrorCode.UNKNOWN_CALL):
            self._end(record, DISC_REASON.USERTERMINATED)  # the switch has forgotten it already
            return
        log.warning("call %s: %s failed: %s", record.id, what, error)
        self._report(record.ref, _failed(what, error))

    def _negotiation_done(self, record: CallRecord, now: float) -> None:
        record.negotiating = None
        self._release(record)
        if record.queued is not None and not record.ended:
            (request, media), record.queued = record.queued, None
            if record.state is _OUTCOME.get(request):
                log.debug("call %s: %s queued, and the call is %s already", record.id, request, record.state)
            elif not self._refuse(record, request):
                record.media_wanted = False  # the queued request carries a fresh offer
                self._start(record, CallCommand(request, record.id), media, now)
                return
        if record.media_wanted and not record.ended and record.state in LEGAL[CallRequest.MEDIA][0] and self._open:
            record.media_wanted = False
            self._start(record, CallCommand(CallRequest.MEDIA, record.id), True, now)

    def _release(self, record: CallRecord) -> None:
        """Apply the reports held back while the answer was being applied."""
        held, record.held_back = record.held_back, []
        for info in held:
            if record.ended:
                break
            self._apply_report(record, info)

    def _media_failure(self, record: CallRecord, error: ConsoleError, now: float) -> None:
        log.warning("call %s: media failed: %s", record.id, error)
        if record.id is not None and self._open and not record.hanging_up:
            self._send_call(record, CallCommand(CallRequest.DISCONNECT, record.id), now)
        elif record.id is None and record.dial_sent:
            record.hangup_pending = True  # the dial result will name it; hang up then
        self._end(record, DISC_REASON.MEDIA)  # the one thing the application sees (the log says why)

    def _disconnect(self, record: CallRecord, now: float) -> None:
        if record.state not in LEGAL[CallRequest.DISCONNECT][0]:
            self._report(record.ref, CallStateError(f"disconnect is not possible in state {record.state}"))
            return
        if record.id is None:  # dialing, not named yet
            if record.dial_sent:
                if record.hangup_pending:
                    self._report(record.ref, CallStateError("disconnect: already hanging up"))
                record.hangup_pending = True  # hang up as soon as the switch names it
            else:
                record.awaiting_offer = None  # the dial never left: nothing to tell the switch
                self._end(record, DISC_REASON.USERTERMINATED)
            return
        if record.hanging_up:
            self._report(record.ref, CallStateError("disconnect: already hanging up"))
            return
        if not self._open:
            self._report(record.ref, CommClosed(None, "disconnect: not connected to the switch"))
            return
        self._send_call(record, CallCommand(CallRequest.DISCONNECT, record.id), now)

    def _refuse(self, record: CallRecord, request: CallRequest) -> bool:
        """Report (and return True) if ``request`` does not apply now."""
        states, directions = LEGAL[request]
        problem = None
        if record.direction not in directions:
            problem = f"{request} is not possible on an {'incoming' if record.direction is Direction.IN else 'outgoing'} call"
        elif record.state not in states:
            problem = f"{request} is not possible in state {record.state} (only in {', '.join(sorted(states))})"
        elif self.login_state is not LOGIN_STATES.SUCCESS or self._live is None:
            problem = f"{request}: not logged in (login state {self.login_state})"
        elif record.id is None and request is not CallRequest.DIAL:
            problem = f"{request} is not possible before the switch has named the call"
        if problem is None:
            return False
        self._report(record.ref, CallStateError(problem))
        return True

    # -- internals: call reports ------------------------------------------------------------
    def _call_report(self, info: CallInfo) -> None:
        record = self._by_id.get(info.call)
        if record is not None:
            if record.ended:
                return
            who = (record.remote_number, record.remote_name)
            record.absorb(info)
            if (record.negotiating is not None and not record.answer_follows
                    and info.state is not CALL_STATES.DISCONNECTED):
                record.held_back.append(info)  # shown once the answer is applied
                return
            state = record.state
            self._apply_report(record, info)
            if record.state is state and who != (record.remote_number, record.remote_name) and not record.ended:
                # the far end changed (a transfer) without a state change: the state handler hears of it
                self._out.append(ev.CallChanged(record.ref, state, state, forced=True))
            return
        if info.direction is Direction.IN and info.state is CALL_STATES.OFFERING:
            record = CallRecord(self._new_ref(), Direction.IN, CALL_STATES.OFFERING, id=info.call, video=info.video)
            record.absorb(info)
            self._calls[record.ref] = record
            self._by_id[info.call] = record
            self._out.append(ev.IncomingCall(record.ref))
            return
        if any(c.id is None and c.dial_sent for c in self._calls.values()):
            if len(self._orphans) >= self.max_orphans:
                self._orphans.popitem(last=False)
            self._orphans[info.call] = info  # a dial result will claim it
            return
        log.debug("a report about call %s, which this console does not know: ignored", info.call)

    def _apply_report(self, record: CallRecord, info: CallInfo) -> None:
        if info.video != record.video:
            record.video = info.video
            self._out.append(ev.VideoChanged(record.ref, info.video))
        if info.held_by_remote is not None and info.held_by_remote != record.held_by_remote \
                and info.state is not CALL_STATES.DISCONNECTED:
            record.held_by_remote = info.held_by_remote
            self._out.append(ev.RemoteHoldChanged(record.ref, info.held_by_remote))
        if not call_transition_ok(record.state, info.state):
            self._report(record.ref, RemoteProtocolError(
                ErrorCode.MALFORMED, f"call {record.id}: the switch reported {record.state} -> {info.state}"))
            return
        if info.state is CALL_STATES.DISCONNECTED:
            self._end(record, info.reason or record.reason or DISC_REASON.ERROR)
        else:
            self._set_state(record, info.state)

    # -- internals: states ------------------------------------------------------------------
    def _set_state(self, record: CallRecord, state: CALL_STATES) -> None:
        if state == record.state:
            return
        previous, record.state = record.state, state
        self._out.append(ev.CallChanged(record.ref, state, previous))

    def _end(self, record: CallRecord, reason: DISC_REASON) -> None:
        if record.ended:
            return
        record.reason = reason
        record.awaiting_offer = None
        record.held_back.clear()
        self._set_state(record, CALL_STATES.DISCONNECTED)
        self._forget(record)

    def _forget(self, record: CallRecord) -> None:
        if record.id is not None and not record.hangup_pending:
            self._by_id.pop(record.id, None)

    def _end_all(self, reason: DISC_REASON) -> None:
        for record in list(self._calls.values()):
            if not record.ended:
                self._end(record, reason)

    def _get(self, ref: int, request: CallRequest) -> CallRecord | None:
        """The live record of ``ref``; an ended (forgotten) call is reported and None returned."""
        record = self._calls.get(ref)
        if record is None or record.ended:
            self._report(ref, CallStateError(f"{request} is not possible in state {CALL_STATES.DISCONNECTED}"))
            return None
        return record

    def _report(self, ref: int | None, error: ConsoleError) -> None:
        self._out.append(ev.ErrorReported(ref, error))

    def _refused(self, ref: int | None, error: ConsoleError) -> Events:
        self._report(ref, error)
        return self._flush()

    def _new_ref(self) -> int:
        ref, self._next_ref = self._next_ref, self._next_ref + 1
        return ref

    def _flush(self) -> Events:
        while self._inbox:
            self._inbound(self._inbox.pop(0), self._clock)
        out, self._out = self._out, []
        for record in [r for r in self._calls.values() if r.ended and not r.hangup_pending and not r.applying]:
            del self._calls[record.ref]  # the driver keeps its own handle; the session forgets ended calls
        return out


def _what(request: Request) -> str:
    if isinstance(request, CallCommand):
        return str(request.request)
    if isinstance(request, ConferenceCommand):
        return "leave_conference" if request.leave else "conference"
    return {LoginRequest: "login", RestoreRequest: "restore", LogoutRequest: "logout", DirectoryRequest: "directory",
            SubscribeRequest: "subscribe", DndRequest: "dnd"}.get(type(request), "forwarding")


def _failed(what: str, error: ConsoleError) -> ConsoleError:
    error.args = (f"{what} failed: {error}",)
    return error


def _with_client(request: LoginRequest | RestoreRequest, client: str) -> LoginRequest | RestoreRequest:
    from dataclasses import replace

    return request if request.client else replace(request, client=client)


def _transfer_problem(record: CallRecord, other: CallRecord | None) -> str | None:
    if other is None:
        return "transfer needs another call of this instance"
    if other is record or (other.id is not None and other.id == record.id):
        return "transfer needs two different calls; a call cannot be transferred to itself"
    if (record.state in TALKING_STATES and other.direction is Direction.OUT
            and other.state in (CALL_STATES.DIALING, CALL_STATES.RINGING) and other.id is not None):
        return None  # into a call that still rings (attendant extension: transfer before answer)
    for state in (record.state, other.state):
        if state not in TALKING_STATES:
            return f"transfer is not possible in state {state} (only CONNECTED, HOLDING or HELD)"
    if other.id is None:
        return "transfer: the other call has not been named by the switch"
    return None


__all__ = ["ClientSession", "REQUEST_TIMEOUT"]
