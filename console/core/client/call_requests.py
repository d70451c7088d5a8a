"""The application's call requests and their outcomes, sans I/O: dial, the call requests of the seed API and
the attendant extension, hang-ups that cannot be sent yet, and what a failed request does to its call.

Which request applies in which state is the table in :mod:`console.core.machines` (:func:`check_request`,
:func:`check_transfer`); an illegal request is reported on its call, never raised, and changes nothing. Requests
that negotiate go through :class:`~console.core.client.offers.OfferAnswer`, which this object owns.
"""

from __future__ import annotations

import logging

from console.core.dtmf import check_digits
from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction, ErrorCode
from console.core.errors import CallStateError, CommClosed, ConsoleError, InvalidDigitError, RemoteProtocolError, RequestRefused
from console.core.machines import LEGAL, CallRequest, check_request

from .callbook import CallBook
from .calls import CallRecord, call_command, valid_dial_string
from .link import SessionLink
from .offers import OfferAnswer
from .wire import CallCommand, Reply, WireCapabilities

log = logging.getLogger("console.core.client")

MAX_TRANSFER_RECALL = 300.0  # s, as the switch allows (docs/PROTOCOL.md, "Transfer with recall")


class CallRequests:
    """Implements :class:`~console.core.client.link.CallLink` for its :class:`OfferAnswer`."""

    def __init__(self, link: SessionLink, book: CallBook) -> None:
        self.link = link
        self.book = book
        self.offers = OfferAnswer(self, book)
        self._recall: float | None = None  # sent with transfers (None: the switch's default)

    @property
    def transfer_recall(self) -> float | None:
        return self._recall

    @transfer_recall.setter
    def transfer_recall(self, seconds: float | None) -> None:
        if seconds is not None and (isinstance(seconds, bool) or not 0 < seconds <= MAX_TRANSFER_RECALL):
            raise ValueError(f"transfer_recall must be None or 0 < seconds <= {MAX_TRANSFER_RECALL:g}")
        self._recall = None if seconds is None else float(seconds)

    @property
    def login_state(self) -> LOGIN_STATES | None:
        return self.link.login_state

    @property
    def capabilities(self) -> WireCapabilities:
        return self.link.capabilities

    @property
    def is_open(self) -> bool:
        return self.link.is_open

    def create(self) -> int:
        return self.book.add(CallRecord(self.book.new_ref(), Direction.OUT, CALL_STATES.IDLE,
                                        local_number=self.link.number or "", local_name=self.link.name or "")).ref

    def dial(self, ref: int, number: object, name: object, media: bool, now: float) -> None:
        record = self.book.get(ref, CallRequest.DIAL)
        if record is None or self.refuse(record, CallRequest.DIAL):
            return
        if not valid_dial_string(number):
            record.remote_number = number.strip() if isinstance(number, str) else ""
            log.info("dial: %r is not a dial string", number)
            self.book.end(record, DISC_REASON.DIALSTRING)
            return
        assert isinstance(number, str)
        record.remote_number = number.strip()
        display = name if isinstance(name, str) and name else (self.link.name or None)
        self.book.set_state(record, CALL_STATES.DIALING)
        self.offers.start(record, CallCommand(CallRequest.DIAL, number=record.remote_number, name=display), media, now)

    def request(self, ref: int, request: CallRequest, now: float, *, media: bool = False,
                to: int | None = None, digits: object = None, number: object = None, orbit: object = None) -> None:
        """accept, answer, decline, disconnect, hold, retrieve, transfer (``to``), dtmf (``digits``), media;
        blind_transfer (``number``) and park (optional ``orbit``) of the attendant extension."""
        record = self.book.get(ref, request)
        if record is None:
            return
        if request is CallRequest.DISCONNECT:
            return self._disconnect(record, now)
        if request is CallRequest.DTMF:
            try:
                digits = check_digits(digits)  # type: ignore[arg-type]
            except InvalidDigitError as exc:
                return self.book.report(ref, exc)
        if request is not CallRequest.MEDIA and self.offers.defer(record, request, media):
            return  # runs once the exchange under way has ended
        if self.refuse(record, request):
            return
        try:
            other = self.book.records.get(to) if isinstance(to, int) else None
            command = call_command(record, request, self.link.capabilities, self.link.wire_name,
                                   other=other, digits=digits, number=number, orbit=orbit,
                                   recall=self.transfer_recall)
        except CallStateError as exc:
            return self.book.report(ref, exc)
        if request is CallRequest.MEDIA and self.offers.defer(record, request, media):
            return  # a re-offer after the exchange under way
        self.offers.start(record, command, media or request is CallRequest.MEDIA, now)

    def outcome(self, record: CallRecord, command: CallCommand, reply: Reply | None,
                error: ConsoleError | None, now: float) -> None:
        if command.request is CallRequest.DISCONNECT:
            record.hanging_up = False
        if error is not None:
            self.offers.refused(record, command)
            self.fail_request(record, command, error)
            if command.request is CallRequest.DIAL:
                record.hangup_pending = False  # nothing left to hang up
            return
        assert reply is not None
        if command.request is CallRequest.DIAL:
            self._named(record, reply, now)
        self.offers.replied(record, command, reply, now)

    def _named(self, record: CallRecord, reply: Reply, now: float) -> None:
        info = reply.call
        if info is None:
            self.book.report(record.ref, RemoteProtocolError(ErrorCode.MALFORMED, "a dial result without its call"))
            self.book.end(record, DISC_REASON.ERROR)
            return
        record.id = info.call
        self.book.by_id[info.call] = record
        newer = self.book.orphans.pop(info.call, None)
        if record.ended:  # ended locally meanwhile (a media failure): the switch must end it too
            record.hangup_pending = False
            latest = newer or info
            if self.link.is_open and latest.state is not CALL_STATES.DISCONNECTED:
                self.send_call(record, CallCommand(CallRequest.DISCONNECT, record.id), now)
            self.book.by_id.pop(info.call, None)
            return
        record.absorb(info)
        self.book.apply(record, info)
        if newer is not None:
            self.book.call_report(newer)
        if record.hangup_pending and not record.ended:
            record.hangup_pending = False
            if self.link.is_open:
                self.send_call(record, CallCommand(CallRequest.DISCONNECT, record.id), now)

    def fail_request(self, record: CallRecord, command: CallCommand, error: ConsoleError) -> None:
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
            self.book.end(record, reason)
            return
        if (command.request is CallRequest.DISCONNECT and isinstance(error, RequestRefused)
                and error.code == ErrorCode.UNKNOWN_CALL):
            self.book.end(record, DISC_REASON.USERTERMINATED)  # the switch has forgotten it already
            return
        self.book.report(record.ref, error.failed(what))  # logged where it is reported (the instance): once

    def media_failure(self, record: CallRecord, error: ConsoleError, now: float) -> None:
        log.warning("call %s: media failed: %s", record.id, error)
        if record.id is not None and self.link.is_open and not record.hanging_up:
            self.send_call(record, CallCommand(CallRequest.DISCONNECT, record.id), now)
        elif record.id is None and record.dial_sent:
            record.hangup_pending = True  # the dial result will name it; hang up then
        self.book.end(record, DISC_REASON.MEDIA)  # the one thing the application sees (the log says why)

    def _disconnect(self, record: CallRecord, now: float) -> None:
        if record.state not in LEGAL[CallRequest.DISCONNECT][0]:
            self.book.report(record.ref, CallStateError(f"disconnect is not possible in state {record.state}"))
            return
        if record.id is None:  # dialing, not named yet
            if record.dial_sent:
                if record.hangup_pending:
                    self.book.report(record.ref, CallStateError("disconnect: already hanging up"))
                record.hangup_pending = True  # hang up as soon as the switch names it
            else:
                record.negotiation.drop()  # the dial never left: nothing to tell the switch
                self.book.end(record, DISC_REASON.USERTERMINATED)
            return
        if record.hanging_up:
            self.book.report(record.ref, CallStateError("disconnect: already hanging up"))
            return
        if not self.link.is_open:
            self.book.report(record.ref, CommClosed(None, "disconnect: not connected to the switch"))
            return
        self.send_call(record, CallCommand(CallRequest.DISCONNECT, record.id), now)

    def refuse(self, record: CallRecord, request: CallRequest) -> bool:
        """Report (and return True) if ``request`` does not apply now (the table: :func:`check_request`)."""
        try:
            check_request(request, record.state, record.direction)
        except CallStateError as exc:
            self.book.report(record.ref, exc)
            return True
        problem = None
        if self.link.login_state is not LOGIN_STATES.SUCCESS or not self.link.is_open:
            problem = f"{request}: not logged in (login state {self.link.login_state})"
        elif record.id is None and request is not CallRequest.DIAL:
            problem = f"{request} is not possible before the switch has named the call"
        if problem is None:
            return False
        self.book.report(record.ref, CallStateError(problem))
        return True

    def send_call(self, record: CallRecord, command: CallCommand, now: float) -> None:
        self.link.send(command, now, record)
        if command.request is CallRequest.DIAL:
            record.dial_sent = True
        if command.request is CallRequest.DISCONNECT:
            record.hanging_up = True
