"""Driving each call's offer/answer exchange (the table is :mod:`~console.core.client.negotiation`), sans I/O.

A request that negotiates (dial, answer, hold, retrieve, media) first asks the driver for SDP (``MakeOffer``:
our offer, or our answer to the far end's), sends it with the request, and has the driver apply the answer
(``ApplyAnswer``). One exchange per call at a time: a hold, retrieve or answer asked for meanwhile runs once it
ends (the last one wins), a media re-offer likewise; call reports wait while the answer is applied.
"""

from __future__ import annotations

import logging

from console.core.enums import CALL_STATES, ErrorCode, LOGIN_STATES
from console.core.errors import CommClosed, ConsoleError, RemoteProtocolError
from console.core.machines import LEGAL, CallRequest

from . import events as ev
from .callbook import CallBook
from .calls import CallRecord
from .link import CallLink
from .negotiation import MAKING, Step
from .wire import CallCommand, RemoteAnswer, RemoteOffer, RenewMedia, Reply

log = logging.getLogger("console.core.client")

NEGOTIATING = {
    CallRequest.DIAL: "sendrecv", CallRequest.ANSWER: "sendrecv", CallRequest.HOLD: "inactive",
    CallRequest.RETRIEVE: "sendrecv", CallRequest.MEDIA: None,
}
"""Requests that carry SDP when the call has media, and the direction they offer (media: the call's own)."""

_OUTCOME = {CallRequest.HOLD: CALL_STATES.HELD, CallRequest.RETRIEVE: CALL_STATES.CONNECTED,
            CallRequest.ANSWER: CALL_STATES.CONNECTED}
"""Where a queued request leaves the call: one that finds the call there already has nothing left to do."""


RENEWABLE = frozenset({CALL_STATES.CONNECTED, CALL_STATES.HELD, CALL_STATES.HOLDING})
RENEW_AGAIN_AFTER = 30.0  # seconds: media that dies again sooner after a renewal ends the call (MEDIA)


class OfferAnswer:
    def __init__(self, link: CallLink, book: CallBook) -> None:
        self.link = link
        self.book = book

    # -- requests ------------------------------------------------------------------------------
    def defer(self, record: CallRecord, request: CallRequest, media: bool) -> bool:
        """Keep (and return True) a negotiating request asked for while an exchange is under way."""
        negotiation = record.negotiation
        if request not in NEGOTIATING or not negotiation.busy or record.ended:
            return False
        if request is CallRequest.MEDIA:
            negotiation.media_wanted = True  # after the exchange under way
        else:
            # hold, retrieve or answer typed while an exchange is still under way (its answer not applied
            # yet): it runs once that exchange ends, checked against the state the call is in by then
            negotiation.queued = (request, media)
        return True

    def start(self, record: CallRecord, command: CallCommand, media: bool, now: float) -> None:
        """Send ``command``, after asking the driver for SDP if it negotiates and the call has media."""
        media = media or self.link.capabilities.media_required  # SIP: no call without SDP
        direction = NEGOTIATING.get(command.request, "")
        if command.request is CallRequest.MEDIA:
            direction = "inactive" if record.state is CALL_STATES.HELD else "sendrecv"
        if media and command.request in NEGOTIATING:
            fresh = record.negotiation.fresh_media
            offer = record.negotiation.begin(command)  # the far end's offer to answer, if it made one
            self.book.out.append(ev.MakeOffer(record.ref, direction or "sendrecv", offer, fresh))
            return
        if command.request is CallRequest.MEDIA:
            return  # nothing to negotiate without media
        self.link.send_call(record, command, now)

    def want_media(self, record: CallRecord, now: float) -> None:
        """An element was set: re-offer if the call is past the point where an offer rides along a request."""
        negotiation = record.negotiation
        if negotiation.state in MAKING:
            return  # the offer about to be made carries the elements already
        if negotiation.busy:
            negotiation.media_wanted = True  # the offer under way was made before: re-offer once it has ended
            return
        if record.id is None or record.state not in LEGAL[CallRequest.MEDIA][0]:
            return  # the next request that applies carries the offer
        if self.link.login_state is not LOGIN_STATES.SUCCESS or not self.link.is_open:
            return
        self.start(record, CallCommand(CallRequest.MEDIA, record.id), True, now)

    # -- the driver's SDP ------------------------------------------------------------------------
    def offer_ready(self, record: CallRecord, sdp: dict[str, str], now: float) -> None:
        command = record.negotiation.take_command()
        if command is None or record.ended:
            return
        if not self.link.is_open:
            record.negotiation.advance(Step.DROP)
            self.link.fail_request(record, command, CommClosed(None, "not connected"))
            return
        record.negotiation.advance(Step.SEND)
        command = CallCommand(command.request, record.id if command.request is not CallRequest.DIAL else None,
                              number=command.number, name=command.name, sdp=sdp)
        self.link.send_call(record, command, now)

    def offer_failed(self, record: CallRecord, error: ConsoleError, now: float) -> None:
        if record.negotiation.drop() is not None and not record.ended:
            self.link.media_failure(record, error, now)

    def answer_applied(self, record: CallRecord, now: float) -> None:
        if record.negotiation.allows(Step.APPLIED):
            record.negotiation.advance(Step.APPLIED)
            self.done(record, now)

    def answer_failed(self, record: CallRecord, error: ConsoleError, now: float) -> None:
        if record.negotiation.allows(Step.APPLY_FAILED):
            record.negotiation.advance(Step.APPLY_FAILED)
            record.negotiation.held_back.clear()
            if not record.ended:
                self.link.media_failure(record, error, now)

    # -- the request's outcome ----------------------------------------------------------------------
    def refused(self, record: CallRecord, command: CallCommand) -> None:
        if command.sdp is not None and record.negotiation.allows(Step.REFUSED):
            record.negotiation.advance(Step.REFUSED)
            self.book.release(record)

    def replied(self, record: CallRecord, command: CallCommand, reply: Reply, now: float) -> None:
        """The request that carried our SDP succeeded: apply the answer it brings, wait for it, or end."""
        if record.ended or command.sdp is None:
            return
        negotiation = record.negotiation
        step = Step.ANSWERED if reply.sdp is not None else Step.DEFERRED if reply.answer_follows else Step.CONFIRMED
        if not negotiation.allows(step):  # an answer to our answer: the wire's mistake, and nothing to apply
            self.book.report(record.ref, RemoteProtocolError(
                ErrorCode.MALFORMED, f"call {record.id}: {step} does not fit the exchange ({negotiation.state})"))
            step = Step.CONFIRMED
        negotiation.advance(step)
        if step is Step.ANSWERED:
            self.book.out.append(ev.ApplyAnswer(record.ref, reply.sdp))  # type: ignore[arg-type]
        elif step is Step.CONFIRMED:
            self.done(record, now)
        # DEFERRED: a RemoteAnswer will bring it; reports are not held back meanwhile

    def done(self, record: CallRecord, now: float) -> None:
        """The exchange has ended: show the reports it held back, then run what waited for it."""
        self.book.release(record)
        negotiation = record.negotiation
        if negotiation.queued is not None and not record.ended:
            (request, media), negotiation.queued = negotiation.queued, None
            if record.state is _OUTCOME.get(request):
                log.debug("call %s: %s queued, and the call is %s already", record.id, request, record.state)
            elif not self.link.refuse(record, request):
                negotiation.media_wanted = False  # the queued request carries a fresh offer
                self.start(record, CallCommand(request, record.id), media, now)
                return
        if negotiation.media_wanted and not record.ended and record.state in LEGAL[CallRequest.MEDIA][0] \
                and self.link.is_open:
            negotiation.media_wanted = False
            self.start(record, CallCommand(CallRequest.MEDIA, record.id), True, now)

    # -- the far end -------------------------------------------------------------------------------
    def remote_offer(self, report: RemoteOffer, now: float) -> None:
        record = self.book.live(report.call)
        if record is None:
            return
        record.negotiation.remote_offer = {"type": "offer", "sdp": report.sdp}
        if record.state in (CALL_STATES.OFFERING, CALL_STATES.RINGING, CALL_STATES.DIALING):
            return  # answered by ``answer`` (incoming) or not at all
        self._media_request(record, now, keep_offer=False)

    def remote_answer(self, report: RemoteAnswer) -> None:
        record = self.book.live(report.call)
        if record is not None and record.negotiation.allows(Step.REMOTE_ANSWER):
            record.negotiation.advance(Step.REMOTE_ANSWER)
            self.book.out.append(ev.ApplyAnswer(record.ref, {"type": "answer", "sdp": report.sdp}))

    def renew_media(self, report: RenewMedia, now: float) -> None:
        record = self.book.live(report.call)
        if record is not None:
            self._media_request(record, now, fresh=True)

    def renew_dead_media(self, record: CallRecord, error: ConsoleError, now: float) -> bool:
        """The call's media died: where the wire can (``renew_dead_media``, SIP), offer it fresh media (a new peer
        connection: new ICE and DTLS, as after a restart) instead of ending it, at most once per
        ``RENEW_AGAIN_AFTER`` seconds. A media relay restarted with its calls restored (rtpengine from Redis)
        keeps the addresses but not the DTLS keys: only a new handshake brings the audio back. True if renewed."""
        if (not self.link.capabilities.renew_dead_media or record.id is None or record.hanging_up or record.ended
                or not self.link.is_open or record.negotiation.busy or not record.negotiation.has_media
                or record.state not in RENEWABLE):
            return False
        if record.media_renewed_at is not None and now - record.media_renewed_at < RENEW_AGAIN_AFTER:
            return False
        record.media_renewed_at = now
        log.warning("call %s: %s; offering fresh media", record.id, error)
        self._media_request(record, now, fresh=True)
        return True

    def _media_request(self, record: CallRecord, now: float, *, keep_offer: bool = True, fresh: bool = False) -> None:
        """A ``media`` request the far end asked for; without media to move (or busy) it goes without SDP and
        the wire refuses what the far end asked."""
        command = CallCommand(CallRequest.MEDIA, record.id)
        negotiation = record.negotiation
        if negotiation.busy or not negotiation.has_media or not self.link.is_open:
            if not keep_offer:
                negotiation.remote_offer = None
            self.link.send_call(record, command, now)
            return
        negotiation.fresh_media = negotiation.fresh_media or fresh
        self.start(record, command, True, now)
