"""The INVITE user agent: calls out and in, hold, transfer, DTMF over INFO.

Commands (``dial``, ``accept``, ``answer``, ``decline``, ``hangup``, ``hold``,
``retrieve``, ``answer_offer``, ``send_dtmf``, ``transfer``, ``notify_transfer``)
queue requests or responses on the transaction layer; received messages turn
into events. Each call is a :class:`SipCall` whose phase follows ``CALL_TABLE``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..enums import DISC_REASON, Direction
from .address import NameAddr
from .call import P, SipCall, answer_direction, is_hold_offer, offer_direction
from .config import AgentConfig
from .dialog import Dialog
from .auth import Authenticator
from .errors import SipError, SipParseError, SipStateError
from . import saved_call
from .events import (AnswerReceived, CallAnswered, CallConfirmed, CallEnded, CallProgress, DtmfReceived, Event,
                     IncomingCall, OfferFailed, OfferReceived, TransferProgress, TransferRequested)
from .ids import Ids
from .info import (DTMF_RELAY, SIPFRAG, dtmf_relay_body, parse_dtmf_relay, parse_replaces, parse_sipfrag, refer_to_with_replaces,
                   replaces_from_refer_to, replaces_value, sipfrag_body)
from .matching import TransactionLayer
from .message import REASON_PHRASES, SipRequest, SipResponse, response_to
from .requests import build_cancel, build_invite, with_credentials
from .reasons import DECLINE_STATUS, DEFAULT_DECLINE, REASON_HEADER, reason_for_status, reason_from_header
from .sdp import SessionDescription
from .transaction import ClientTransaction, ServerTransaction
from .uri import SipUri

SDP = "application/sdp"


@dataclass
class InviteUsage:
    config: AgentConfig
    ids: Ids
    tx: TransactionLayer
    max_calls: int
    calls: dict[str, SipCall] = field(default_factory=dict)
    _events: list[Event] = field(default_factory=list)
    _auth: Authenticator | None = None
    _refers: dict[int, str] = field(default_factory=dict)  # id(REFER client tx) -> call

    def __post_init__(self) -> None:
        self._auth = Authenticator(self.config.username, self.config.password, self.config.token,
                                   lambda: self.ids.random_hex(8), saved_ha1=dict(self.config.saved_ha1))

    def drain_events(self) -> list[Event]:
        out, self._events = self._events, []
        return out

    def next_deadline(self) -> float | None:
        return None

    def on_timer(self, now: float) -> None:
        self.calls = {k: c for k, c in self.calls.items() if c.phase is not P.TERMINATED}

    def get(self, call_id: str) -> SipCall:
        call = self.calls.get(call_id)
        if call is None or call.phase is P.TERMINATED:
            raise SipStateError(f"no call {call_id!r}")
        return call

    # ================================================================ commands
    def dial(self, target: str, sdp: str, now: float, replaces: tuple[str, str, str] | None = None) -> str:
        """INVITE ``target`` (a SIP URI or a bare number at the AOR's domain); returns the Call-ID."""
        uri = self._target_uri(target)
        call_id, tag = self.ids.call_id(), self.ids.tag()
        invite = build_invite(self.config, self._via(), uri, call_id, tag, replaces)
        call = SipCall(call_id, Direction.OUT, P.INVITING, invite, tag)
        invite.body = call.origin.stamp(sdp).encode()
        call.invite_tx = self.tx.send_request(invite, now)
        self.calls[call_id] = call
        return call_id

    def accept(self, call_id: str, now: float) -> None:
        """Alert the caller: 180 Ringing."""
        call = self._incoming(call_id, (P.INCOMING,))
        self._respond_invite(call, 180, now)
        call.go(P.EARLY)

    def answer(self, call_id: str, sdp: str, now: float) -> None:
        call = self._incoming(call_id, (P.INCOMING, P.EARLY))
        self._respond_invite(call, 200, now, call.origin.stamp(sdp).encode())
        call.go(P.ANSWERED)

    def decline(self, call_id: str, now: float, reason: DISC_REASON = DISC_REASON.REJECTED) -> None:
        call = self._incoming(call_id, (P.INCOMING, P.EARLY))
        self._respond_invite(call, DECLINE_STATUS.get(reason, DEFAULT_DECLINE), now)
        self._end(call, reason, None, remote=False)

    def redirect(self, call_id: str, target: str, now: float) -> None:
        """Forward a call still ringing here: 302 with ``target`` in Contact (forwarding on no answer)."""
        call = self.calls.get(call_id)
        if call is None or call.direction is not Direction.IN or call.phase not in (P.INCOMING, P.EARLY):
            return
        server = call.invite_tx
        assert isinstance(server, ServerTransaction)
        answer = response_to(call.invite, 302, to_tag=call.local_tag)
        answer.headers.add("Contact", f"<{self.target_uri(target)}>")
        self.tx.respond(server, answer, now)
        self._end(call, DISC_REASON.REDIRECTED, 302, remote=False)

    def target_uri(self, target: str) -> SipUri:
        return self._target_uri(target)

    def hangup(self, call_id: str, now: float, reason: DISC_REASON = DISC_REASON.USERTERMINATED) -> None:
        """disconnect(): CANCEL a call still ringing out, decline one ringing in, BYE an established one."""
        call = self.get(call_id)
        if call.phase in (P.CANCELLING, P.TERMINATING):
            return
        if call.direction is Direction.IN and call.phase in (P.INCOMING, P.EARLY):
            self.decline(call_id, now, DISC_REASON.REJECTED)
            return
        if call.phase in (P.INVITING, P.EARLY):
            call.go(P.CANCELLING)
            if call.seen_provisional:
                self._send_cancel(call, reason, now)
            else:
                call.cancel_pending = True  # RFC 3261 9.1: wait for a provisional response
        elif call.phase is P.ANSWERED:
            call.bye_after_ack = reason  # RFC 3261 15: no BYE before the ACK of our 2xx
        else:
            self._bye(call, reason, now)
        self._end(call, reason, None, remote=False, keep_phase=True)

    def hold(self, call_id: str, sdp: str, now: float) -> None:
        self._reinvite(self._confirmed(call_id), sdp, now, local_hold=True)

    def retrieve(self, call_id: str, sdp: str, now: float) -> None:
        self._reinvite(self._confirmed(call_id), sdp, now, local_hold=False)

    def reoffer(self, call_id: str, sdp: str, now: float) -> None:
        """A re-INVITE with a fresh offer (ICE restart after a reconnect), hold state unchanged."""
        self._reinvite(self._confirmed(call_id), sdp, now)

    def answer_offer(self, call_id: str, sdp: str, now: float) -> None:
        """Answer the far end's re-INVITE (event OfferReceived) with our SDP."""
        call = self.get(call_id)
        if call.offer_tx is None or call.offer_request is None:
            raise SipStateError(f"call {call_id} has no offer waiting for an answer")
        offered = SessionDescription.parse(call.offer_request.body).direction
        desc = SessionDescription.parse(call.origin.stamp(sdp))
        desc.set_direction(answer_direction(offered, call.local_hold))
        answer = response_to(call.offer_request, 200, to_tag=call.local_tag, body=str(desc).encode(), content_type=SDP)
        answer.headers.add("Contact", f"<{self.config.contact_uri}>")
        self.tx.respond(call.offer_tx, answer, now)
        call.offer_tx = call.offer_request = None

    def reject_offer(self, call_id: str, now: float, status: int = 488) -> None:
        call = self.get(call_id)
        if call.offer_tx is None or call.offer_request is None:
            raise SipStateError(f"call {call_id} has no offer waiting for an answer")
        self.tx.respond(call.offer_tx, response_to(call.offer_request, status, to_tag=call.local_tag), now)
        call.offer_tx = call.offer_request = None

    def send_dtmf(self, call_id: str, digit: str, duration_ms: int, now: float) -> None:
        """DTMF as SIP INFO application/dtmf-relay (the fallback to RFC 4733 on the media)."""
        call = self._confirmed(call_id)
        request = self._in_dialog(call, "INFO", dtmf_relay_body(digit, duration_ms), DTMF_RELAY)
        self.tx.send_request(request, now)

    def transfer(self, call_id: str, target: str, now: float, replaces_call: str | None = None) -> None:
        """REFER the far end of ``call_id`` to ``target`` (blind), or to ``replaces_call``'s far end (attended)."""
        call = self._confirmed(call_id)
        if replaces_call is not None:
            other = self._confirmed(replaces_call)
            dialog = other.dialog
            assert dialog is not None
            remote = NameAddr.parse(dialog.remote_uri).uri
            refer_to = refer_to_with_replaces(str(remote), replaces_value(dialog.call_id, dialog.remote_tag,
                                                                          dialog.local_tag))
        else:
            refer_to = f"<{self._target_uri(target)}>"
        request = self._in_dialog(call, "REFER")
        request.headers.add("Refer-To", refer_to)
        request.headers.add("Referred-By", f"<{self.config.aor_uri.aor}>")
        tx = self.tx.send_request(request, now)
        self._refers[id(tx)] = call_id

    def notify_transfer(self, call_id: str, status: int, now: float) -> None:
        """Tell the transferor how our call to the REFER's target goes (RFC 3515 NOTIFY with a sipfrag)."""
        call = self.get(call_id)
        if call.refer_from is None:
            raise SipStateError(f"call {call_id} has no transfer in progress")
        final = status >= 200
        request = self._in_dialog(call, "NOTIFY", sipfrag_body(status, REASON_PHRASES.get(status, "")), SIPFRAG)
        request.headers.add("Event", "refer")
        request.headers.add("Subscription-State", "terminated;reason=noresource" if final else "active;expires=60")
        self.tx.send_request(request, now)
        if final:
            call.refer_from = None

    def snapshot(self, call_id: str) -> dict:
        """What to save beside the session so the call can come back after a restart (no secrets)."""
        return saved_call.snapshot(self._confirmed(call_id))

    def restore(self, data: dict) -> str:
        """Adopt a saved call as established; follow with :meth:`reoffer` (a fresh offer, ICE restart)."""
        call = saved_call.restore(data, self._via(), f"<{self.config.contact_uri}>")
        if call.call_id in self.calls:
            raise SipStateError(f"call {call.call_id} exists already")
        self.calls[call.call_id] = call
        return call.call_id

    # ================================================================ received
    def on_request(self, server: ServerTransaction, request: SipRequest, now: float) -> None:
        if request.to.tag:
            self._in_dialog_request(server, request, now)
        elif request.method == "INVITE":
            self._new_invite(server, request, now)
        else:
            self.tx.respond(server, response_to(request, 481), now)

    def on_response(self, client: ClientTransaction | None, response: SipResponse, now: float) -> None:
        call = self.calls.get(response.call_id)
        if client is None or call is None:
            return
        method = client.method
        if client is call.invite_tx:
            self._initial_invite_response(call, response, now)
        elif client is call.reinvite_tx:
            self._reinvite_response(call, response, now)
        elif method == "REFER" and response.status >= 300:
            self._refers.pop(id(client), None)
            self._events.append(TransferProgress(call.call_id, response.status, True))
        elif method == "BYE" and response.status >= 200:
            call.phase = P.TERMINATED if call.phase is P.TERMINATING else call.phase
        elif method == "INFO" and response.status in (408, 481):
            self._end(call, DISC_REASON.ERROR, response.status)  # RFC 5057: the INVITE usage is gone
        elif method == "NOTIFY" and response.status >= 300:
            call.refer_from = None  # RFC 5057: only the refer subscription ends, not the call

    def on_ack(self, ack: SipRequest, now: float) -> None:
        call = self.calls.get(ack.call_id)
        if call is not None and call.phase is P.ANSWERED:
            call.go(P.CONFIRMED)
            if call.bye_after_ack is not None:
                self._bye(call, call.bye_after_ack, now)
                return
            self._events.append(CallConfirmed(call.call_id))

    def on_stray_2xx(self, response: SipResponse, now: float) -> None:
        """A repeated or forked 2xx for an INVITE whose transaction is over: ACK it; BYE a second dialog."""
        call = self.calls.get(response.call_id)
        if call is None or call.dialog is None:
            return
        if response.to.tag == call.dialog.remote_tag:
            self.tx.send_request(call.dialog.request("ACK", self.ids.branch(), self.config.via_host,
                                                     self.config.transport), now)
            return
        fork = Dialog.as_uac(call.invite, response)
        self.tx.send_request(fork.request("ACK", self.ids.branch(), self.config.via_host, self.config.transport), now)
        self.tx.send_request(fork.request("BYE", self.ids.branch(), self.config.via_host, self.config.transport), now)

    def on_cancel(self, invite: ServerTransaction | None, cancel: SipRequest, now: float) -> None:
        call = self.calls.get(cancel.call_id)
        if invite is None or call is None or call.invite_tx is not invite or call.phase not in (P.INCOMING, P.EARLY):
            return
        self._respond_invite(call, 487, now)
        reason = reason_from_header(cancel.headers.get_all("Reason")) or DISC_REASON.SUCCESS
        self._end(call, reason, 487)

    # ================================================================ details
    def _new_invite(self, server: ServerTransaction, request: SipRequest, now: float) -> None:
        if request.call_id in self.calls:
            self.tx.respond(server, response_to(request, 482), now)  # a merged request (RFC 3261 8.2.2.2)
            return
        live = sum(1 for c in self.calls.values() if not c.ended)
        if live >= self.max_calls:
            self.tx.respond(server, response_to(request, 486), now)
            return
        if request.content_type != SDP or not request.body:
            self.tx.respond(server, response_to(request, 488, "Not Acceptable Here (an SDP offer is required)"), now)
            return
        try:
            SessionDescription.parse(request.body)
            target = request.contact[0].uri if request.contact else request.from_.uri  # RFC 2543: From
            if not target.is_sip:
                raise SipParseError("INVITE without a SIP Contact")
        except SipParseError as exc:
            self.tx.respond(server, response_to(request, 488 if exc.status == 488 else 400), now)
            raise
        call = SipCall(request.call_id, Direction.IN, P.INCOMING, request, self.ids.tag(), invite_tx=server)
        self.calls[call.call_id] = call
        self.tx.respond(server, response_to(request, 100), now)
        replaces = None
        if request.headers.get("Replaces"):
            try:
                replaces = parse_replaces(request.headers.get("Replaces") or "")
            except SipParseError:
                replaces = None
        self._events.append(IncomingCall(call.call_id, request.headers.get("From") or "",
                                         request.headers.get("To") or "", request.body.decode("utf-8", "replace"),
                                         replaces))

    def _in_dialog_request(self, server: ServerTransaction, request: SipRequest, now: float) -> None:
        call = self.calls.get(request.call_id)
        dialog = call.dialog if call is not None else None
        if call is None or dialog is None or request.to.tag != dialog.local_tag or \
                (request.from_.tag or "") != dialog.remote_tag:
            self.tx.respond(server, response_to(request, 481), now)
            return
        try:
            dialog.check_request(request)
        except SipStateError:
            self.tx.respond(server, response_to(request, 500, "Server Internal Error (CSeq out of order)"), now)
            raise
        handler = {"BYE": self._on_bye, "INVITE": self._on_reinvite, "INFO": self._on_info,
                   "REFER": self._on_refer, "NOTIFY": self._on_notify}.get(request.method)
        if handler is None:
            self.tx.respond(server, response_to(request, 405), now)
            return
        handler(call, server, request, now)

    def _on_bye(self, call: SipCall, server: ServerTransaction, request: SipRequest, now: float) -> None:
        self.tx.respond(server, response_to(request, 200), now)
        reason = reason_from_header(request.headers.get_all("Reason")) or DISC_REASON.SUCCESS
        if not call.ended:
            self._end(call, reason, None)
        call.phase = P.TERMINATED

    def _on_reinvite(self, call: SipCall, server: ServerTransaction, request: SipRequest, now: float) -> None:
        if call.reinvite_tx is not None or call.offer_tx is not None:
            answer = response_to(request, 491)
            answer.headers.add("Retry-After", "1")
            self.tx.respond(server, answer, now)
            return
        if request.content_type != SDP or not request.body:
            self.tx.respond(server, response_to(request, 488, "Not Acceptable Here (offerless re-INVITE)"), now)
            return
        try:
            direction = SessionDescription.parse(request.body).direction
        except SipParseError:
            self.tx.respond(server, response_to(request, 488), now)
            raise
        call.offer_tx, call.offer_request = server, request
        call.remote_hold = is_hold_offer(direction)
        self._events.append(OfferReceived(call.call_id, request.body.decode("utf-8", "replace"), call.remote_hold))

    def _on_info(self, call: SipCall, server: ServerTransaction, request: SipRequest, now: float) -> None:
        if request.content_type != DTMF_RELAY:
            answer = response_to(request, 415)
            answer.headers.add("Accept", DTMF_RELAY)
            self.tx.respond(server, answer, now)
            return
        try:
            digit, duration = parse_dtmf_relay(request.body)
        except SipParseError:
            self.tx.respond(server, response_to(request, 400), now)
            raise
        self.tx.respond(server, response_to(request, 200), now)
        self._events.append(DtmfReceived(call.call_id, digit, duration))

    def _on_refer(self, call: SipCall, server: ServerTransaction, request: SipRequest, now: float) -> None:
        refer_to = request.headers.get("Refer-To")
        try:
            target = NameAddr.parse(refer_to or "")
            replaces = replaces_from_refer_to(target.uri.headers)
        except SipParseError:
            self.tx.respond(server, response_to(request, 400), now)
            raise
        if call.refer_from is not None:
            self.tx.respond(server, response_to(request, 491), now)
            return
        self.tx.respond(server, response_to(request, 202), now)
        call.refer_from = request
        plain = SipUri(target.uri.host, target.uri.user, target.uri.port, target.uri.scheme, target.uri.params)
        self._events.append(TransferRequested(call.call_id, str(plain), replaces))
        self.notify_transfer(call.call_id, 100, now)

    def _on_notify(self, call: SipCall, server: ServerTransaction, request: SipRequest, now: float) -> None:
        if (request.headers.get("Event") or "").split(";")[0].strip().lower() != "refer":
            self.tx.respond(server, response_to(request, 489), now)
            return
        try:
            status = parse_sipfrag(request.body)
        except SipParseError:
            self.tx.respond(server, response_to(request, 400), now)
            raise
        self.tx.respond(server, response_to(request, 200), now)
        final = (request.headers.get("Subscription-State") or "").lower().startswith("terminated") or status >= 200
        self._events.append(TransferProgress(call.call_id, status, final))

    def _initial_invite_response(self, call: SipCall, response: SipResponse, now: float) -> None:
        status = response.status
        if status < 200:
            call.seen_provisional = True
            if call.cancel_pending:
                call.cancel_pending = False
                self._send_cancel(call, call.reason or DISC_REASON.USERTERMINATED, now)
            if status > 100 and call.phase in (P.INVITING, P.EARLY):
                call.go(P.EARLY)
                sdp = response.body.decode("utf-8", "replace") if response.content_type == SDP else None
                self._events.append(CallProgress(call.call_id, status, sdp))
            return
        if status < 300:
            self._invite_accepted(call, response, now)
            return
        if status in (401, 407) and call.phase in (P.INVITING, P.EARLY):
            header = "WWW-Authenticate" if status == 401 else "Proxy-Authenticate"
            first = call.auth_tries == 0
            call.auth_tries += 1
            if self._auth is not None and self._auth.on_challenge(status, response.headers.get_all(header), first):
                self._resend_with_auth(call, now)
                return
        if call.phase in (P.CANCELLING,):
            call.phase = P.TERMINATED
            return
        reason = reason_from_header(response.headers.get_all("Reason")) or reason_for_status(status)
        self._end(call, reason, status)

    def _invite_accepted(self, call: SipCall, response: SipResponse, now: float) -> None:
        if call.dialog is None:
            call.dialog = Dialog.as_uac(call.invite, response)
        elif response.to.tag != call.dialog.remote_tag:
            self.on_stray_2xx(response, now)
            return
        ack = call.dialog.request("ACK", self.ids.branch(), self.config.via_host, self.config.transport)
        self.tx.send_request(ack, now)
        if call.phase is P.CANCELLING:  # the 200 crossed our CANCEL: end the call properly
            self._bye(call, call.reason or DISC_REASON.USERTERMINATED, now)
            return
        if call.phase is P.CONFIRMED:
            return
        call.go(P.CONFIRMED)
        sdp = response.body.decode("utf-8", "replace")
        try:
            call.remote_hold = is_hold_offer(SessionDescription.parse(sdp).direction) if sdp else False
        except SipParseError:
            self._bye(call, DISC_REASON.MEDIA, now)
            self._end(call, DISC_REASON.MEDIA, None, remote=False, keep_phase=True)
            raise
        self._events.append(CallAnswered(call.call_id, sdp))

    def _reinvite_response(self, call: SipCall, response: SipResponse, now: float) -> None:
        status = response.status
        if status < 200:
            return
        call.reinvite_tx = None
        if status < 300 and call.dialog is not None:
            call.dialog.update_from_response(response)
            self.tx.send_request(call.dialog.request("ACK", self.ids.branch(), self.config.via_host,
                                                     self.config.transport), now)
            self._events.append(AnswerReceived(call.call_id, response.body.decode("utf-8", "replace")))
            return
        call.local_hold = call.hold_before
        if status in (408, 481):
            self._end(call, DISC_REASON.ERROR, status)
            return
        self._events.append(OfferFailed(call.call_id, status))

    def _resend_with_auth(self, call: SipCall, now: float) -> None:
        assert self._auth is not None
        call.invite = with_credentials(call.invite, self._via(), self._auth.headers_for("INVITE", call.invite.uri))
        call.invite_tx = self.tx.send_request(call.invite, now)

    def _reinvite(self, call: SipCall, sdp: str, now: float, local_hold: bool | None = None) -> None:
        if call.reinvite_tx is not None or call.offer_tx is not None:
            raise SipStateError(f"call {call.call_id} has an offer/answer exchange in progress")
        call.hold_before = call.local_hold  # restored if the far end refuses the offer
        if local_hold is not None:
            call.local_hold = local_hold
        desc = SessionDescription.parse(call.origin.stamp(sdp))
        desc.set_direction(offer_direction(call.local_hold, call.remote_hold))
        request = self._in_dialog(call, "INVITE", str(desc).encode(), SDP)
        call.reinvite_tx = self.tx.send_request(request, now)

    def _send_cancel(self, call: SipCall, reason: DISC_REASON, now: float) -> None:
        self.tx.send_request(build_cancel(call.invite, REASON_HEADER.get(reason)), now)

    def _bye(self, call: SipCall, reason: DISC_REASON, now: float) -> None:
        request = self._in_dialog(call, "BYE")
        if reason in REASON_HEADER:
            request.headers.add("Reason", REASON_HEADER[reason])
        self.tx.send_request(request, now)
        call.phase = P.TERMINATING

    def _respond_invite(self, call: SipCall, status: int, now: float, body: bytes = b"") -> None:
        server = call.invite_tx
        assert isinstance(server, ServerTransaction)
        answer = response_to(call.invite, status, to_tag=call.local_tag, body=body, content_type=SDP if body else None)
        if 100 < status < 300:
            answer.headers.add("Contact", f"<{self.config.contact_uri}>")
            if call.dialog is None:
                call.dialog = Dialog.as_uas(call.invite, call.local_tag, f"<{self.config.contact_uri}>")
        self.tx.respond(server, answer, now)

    def _in_dialog(self, call: SipCall, method: str, body: bytes = b"", content_type: str | None = None) -> SipRequest:
        if call.dialog is None:
            raise SipStateError(f"call {call.call_id} has no dialog yet")
        return call.dialog.request(method, self.ids.branch(), self.config.via_host, self.config.transport,
                                   body, content_type)

    def _end(self, call: SipCall, reason: DISC_REASON, status: int | None, remote: bool = True,
             keep_phase: bool = False) -> None:
        if call.reason is not None:
            return
        call.reason = reason
        if not keep_phase:
            call.phase = P.TERMINATED
        self._events.append(CallEnded(call.call_id, reason, status, remote))

    def _incoming(self, call_id: str, phases: tuple) -> SipCall:
        call = self.get(call_id)
        if call.direction is not Direction.IN or call.phase not in phases:
            raise SipStateError(f"call {call_id} is {call.phase}; this needs an incoming call in "
                                f"{', '.join(phases)}")
        return call

    def _confirmed(self, call_id: str) -> SipCall:
        call = self.get(call_id)
        if call.phase not in (P.CONFIRMED, P.ANSWERED) or call.dialog is None:
            raise SipStateError(f"call {call_id} is {call.phase}, not established")
        return call

    def _via(self) -> str:
        return f"SIP/2.0/{self.config.transport} {self.config.via_host};branch={self.ids.branch()}"

    def _target_uri(self, target: str) -> SipUri:
        if target.startswith(("sip:", "sips:")):
            return SipUri.parse(target)
        if not target or any(c in target for c in "<>\"\r\n @;?"):
            raise SipError(f"cannot dial {target[:40]!r}: give a number or a sip: URI", status=484)
        return SipUri(self.config.aor_uri.host, target, self.config.aor_uri.port)
