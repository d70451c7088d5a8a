"""The user agent: one object a driver feeds bytes and time, and drains messages and events from.

It owns the transaction layer, the registration, the CRLF keep-alive and the
calls (:class:`~.invite.InviteUsage`). Received bytes never raise out of
:meth:`UserAgent.receive`: malformed input becomes a :class:`MessageRejected`
event and, for a request that can be answered, a 4xx/5xx response.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .config import AgentConfig
from .desk_policy import IncomingPolicy
from .errors import SipError, SipParseError
from .events import Event, FlowFailed, MessageRejected
from .ids import Ids
from .invite import InviteUsage
from .keepalive import FlowState, KeepAlive, is_keepalive
from .matching import Kind, Matched, TransactionLayer
from .message import SipRequest, error_response, parse, response_to
from .registration import Registration, RegState
from .subscription import LampWatcher
from .requests import ALLOW
from .transaction import ClientTransaction, TxState

ALLOWED = frozenset(ALLOW.split(", "))
SUPPORTED = frozenset({"replaces", "outbound", "path"})  # option tags a Require may name (RFC 3261 8.2.2.3)
BODY_TYPES = {"INVITE": ("application/sdp",)}  # the bodies a request may carry; other methods check their own
ACCEPT = "application/sdp, application/dtmf-relay, message/sipfrag"


def _accepts(accept: list[str], media_type: str) -> bool:
    """Whether Accept values admit ``media_type``; no Accept at all means application/sdp (RFC 3261 20.1)."""
    if not accept:
        return True
    kind = media_type.split("/")[0]
    ranges = {value.split(";")[0].strip().lower() for value in accept}
    return bool(ranges & {media_type, f"{kind}/*", "*/*"})
KNOWN_METHODS = frozenset({"REGISTER", "SUBSCRIBE", "PUBLISH", "MESSAGE", "UPDATE", "PRACK", *ALLOWED})


@dataclass
class UserAgent:
    config: AgentConfig
    ids: Ids = field(default_factory=Ids)
    max_calls: int = 32

    def __post_init__(self) -> None:
        self.tx = TransactionLayer()
        self.registration = Registration(self.config, self.ids)
        self.keepalive = KeepAlive(self.config.keepalive_interval or 0.0)
        self.calls = InviteUsage(self.config, self.ids, self.tx, self.max_calls)
        self.lamps = LampWatcher(self.config, self.ids, self.tx)  # busy lamps (RFC 4235), console/core/sip/subscription.py
        self.policy = IncomingPolicy()  # DND and forwarding, answered here (desk_policy.py)
        self._events: list[Event] = []
        self._raw: list[bytes] = []  # keep-alive pings
        self._reg_tx: ClientTransaction | None = None

    # ---------------------------------------------------------------- driver side
    def data_to_send(self) -> list[bytes]:
        """Messages to write, one per WebSocket frame, in order."""
        out = self._raw + [m.serialize() for m in self.tx.outbox]
        self._raw.clear()
        self.tx.outbox.clear()
        return out

    def events(self) -> list[Event]:
        out = self._events + self.calls.drain_events() + self.lamps.drain_events()
        self._events = []
        return out

    def next_deadline(self) -> float | None:
        times = [t for t in (self.tx.next_deadline(), self.registration.refresh_at, self.keepalive.deadline,
                             self.calls.next_deadline(), self.lamps.next_deadline(), self.policy.next_deadline())
                 if t is not None]
        return min(times, default=None)

    def receive(self, data: bytes | str, now: float) -> None:
        if is_keepalive(data):
            self.keepalive.on_pong(now)
            return
        try:
            message = parse(data)
        except SipParseError as exc:
            self._reject(exc)
            return
        try:
            matched = self.tx.receive(message, now)
        except SipParseError as exc:  # parsed, but refused by the transaction layer (branch, limits)
            self._events.append(MessageRejected(str(exc), exc.status))
            if isinstance(message, SipRequest) and message.method != "ACK":
                self.tx.outbox.append(response_to(message, exc.status))
            return
        try:
            self._dispatch(matched, now)
        except SipError as exc:  # a state the far end should not have caused: answer and carry on
            self._events.append(MessageRejected(str(exc), exc.status))
            server = matched.server
            if matched.kind is Kind.REQUEST and server is not None and server.state in (TxState.TRYING,
                                                                                          TxState.PROCEEDING):
                self.tx.respond(server, response_to(server.request, exc.status), now)

    def on_timer(self, now: float) -> None:
        for matched in self.tx.on_timer(now):
            try:
                self._dispatch(matched, now)
            except SipError as exc:
                self._events.append(MessageRejected(str(exc), exc.status))
        refresh = self.registration.due(now)
        if refresh is not None:
            self._reg_tx = self.tx.send_request(refresh, now)
        was = self.keepalive.state
        ping = self.keepalive.on_timer(now)
        if ping is not None:
            self._raw.append(ping)
        elif self.keepalive.state is FlowState.FAILED and was is not FlowState.FAILED:
            self._events.append(FlowFailed())
        for call_id in self.policy.due(now):
            self.calls.redirect(call_id, self.policy.no_answer or "", now)
        self.lamps.on_timer(now)
        self.calls.on_timer(now)

    def connection_lost(self, now: float) -> None:
        """The WebSocket is gone: pending transactions fail, the binding must be renewed.

        A re-INVITE cut off with the flow fails as a transport error (RFC 3261 8.1.3.1: a 503), not as the far
        end's 408, which would end the dialog (RFC 3261 14.1): its call goes on, to be re-offered on the next
        flow (a reconnect, another node of a proxy pair)."""
        reinvites = {id(call.reinvite_tx) for call in self.calls.calls.values() if call.reinvite_tx is not None}
        for matched in self.tx.on_timer(float("inf")):
            if matched.kind is Kind.TIMEOUT and id(matched.client) in reinvites:
                matched = Matched(Kind.TIMEOUT, response_to(matched.client.request, 503, "Flow Failed"), matched.client)
            try:
                self._dispatch(matched, now)
            except SipError as exc:
                self._events.append(MessageRejected(str(exc), exc.status))
        self.registration.transport_lost()
        self.keepalive.stop()

    # ---------------------------------------------------------------- registration
    def register(self, now: float) -> None:
        self._reg_tx = self.tx.send_request(self.registration.register(now), now)

    def refresh_registration(self, now: float) -> None:
        """Re-REGISTER now (after a reconnect, or when the driver wants to check the binding)."""
        self._reg_tx = self.tx.send_request(self.registration.register(now), now)

    def use_proxy(self, outbound_proxy: str | None) -> None:
        """Route out-of-dialog requests through another proxy from now on (a pair's other node, after a
        failover); dialogs keep their route sets (RFC 3261 12.2: fixed when the dialog was made)."""
        self.config = replace(self.config, outbound_proxy=outbound_proxy)
        for part in (self.registration, self.calls, self.lamps):
            part.config = self.config

    def unregister(self, now: float) -> None:
        self._reg_tx = self.tx.send_request(self.registration.unregister(now), now)

    # ---------------------------------------------------------------- dispatch
    def _reject(self, exc: SipParseError) -> None:
        self._events.append(MessageRejected(str(exc), exc.status))
        answer = error_response(exc)
        if answer is not None:
            self.tx.outbox.append(answer)

    def _dispatch(self, matched: Matched, now: float) -> None:
        kind, message = matched.kind, matched.message
        if kind in (Kind.RESPONSE, Kind.TIMEOUT):
            if matched.client is not None and matched.client is self._reg_tx:
                self._on_register_response(message, now)
            elif self.lamps.owns(matched.client):
                self.lamps.on_response(matched.client, message, now)
            else:
                self.calls.on_response(matched.client, message, now)
        elif kind is Kind.REQUEST:
            self._on_request(matched, now)
        elif kind is Kind.ACK_2XX:
            self.calls.on_ack(message, now)
        elif kind is Kind.STRAY_2XX:
            self.calls.on_stray_2xx(message, now)
        elif kind is Kind.CANCEL:
            self.tx.respond(matched.server, response_to(message, 200), now)
            self.calls.on_cancel(matched.invite, message, now)

    def _on_register_response(self, response, now: float) -> None:
        events, retry = self.registration.on_response(response, now)
        self._events += events
        if retry is not None:
            self._reg_tx = self.tx.send_request(retry, now)
        if self.registration.state is not RegState.REGISTERED:
            self.keepalive.stop()
        elif events and (self.config.keepalive_interval or response.headers.get("Flow-Timer")):
            flow = response.headers.get("Flow-Timer") or ""
            self.keepalive.start(now, int(flow) if flow.isdigit() else None)

    def _on_request(self, matched: Matched, now: float) -> None:
        """RFC 3261 8.2 in its order: method (501/405), Request-URI scheme (416), Require (420),
        body type (415) and Accept (406), then the method itself."""
        request: SipRequest = matched.message
        server = matched.server
        method = request.method
        refusal = self._refusal(request)
        if refusal is not None:
            self.tx.respond(server, refusal, now)
            if refusal.status in (501, 416, 420, 415, 406):
                self._events.append(MessageRejected(f"{method[:20]}: {refusal.status} {refusal.reason}", refusal.status))
        elif method == "OPTIONS":
            answer = response_to(request, 200, to_tag=self.ids.tag())
            answer.headers.add("Allow", ALLOW)
            answer.headers.add("Accept", ACCEPT)
            answer.headers.add("Supported", ", ".join(sorted(SUPPORTED)))
            self.tx.respond(server, answer, now)
        elif method == "NOTIFY" and not self.calls.calls.get(request.call_id) and \
                self.lamps.on_notify(server, request, now):
            return
        elif method == "INVITE" and not request.to.tag and self._desk_refusal(server, request, now):
            return
        else:
            self.calls.on_request(server, request, now)
            if method == "INVITE" and not request.to.tag and request.call_id in self.calls.calls:
                self.policy.ringing(request.call_id, now)

    def _desk_refusal(self, server, request: SipRequest, now: float) -> bool:
        """DND (486/480) or forwarding (302 with the target in Contact) answered before the call rings."""
        live = sum(1 for c in self.calls.calls.values() if not c.ended)
        refusal = self.policy.refusal(live)
        if refusal is None:
            return False
        status, target = refusal
        answer = response_to(request, status, to_tag=self.ids.tag())
        if target:
            answer.headers.add("Contact", f"<{self.calls.target_uri(target)}>")
        self.tx.respond(server, answer, now)
        return True

    def _refusal(self, request: SipRequest):
        method = request.method
        if method not in KNOWN_METHODS:
            answer = response_to(request, 501)
            answer.headers.add("Allow", ALLOW)
            return answer
        if method not in ALLOWED:
            answer = response_to(request, 405)
            answer.headers.add("Allow", ALLOW)
            return answer
        if request.uri.partition(":")[0].lower() not in ("sip", "sips"):
            return response_to(request, 416)  # RFC 3261 8.2.2.1; RFC 4475 3.3.2, 3.3.3
        if method != "CANCEL":  # RFC 3261 8.2.2.3: Require is ignored in CANCEL (and ACK has no answer)
            unsupported = [tag for tag in request.headers.get_all("Require") if tag.lower() not in SUPPORTED]
            if unsupported:
                answer = response_to(request, 420)
                answer.headers.add("Unsupported", ", ".join(unsupported))
                return answer
        accepted = BODY_TYPES.get(method)
        if accepted is not None and request.body and request.content_type not in accepted:
            answer = response_to(request, 415)  # RFC 3261 8.2.3; RFC 4475 3.3.6
            answer.headers.add("Accept", ", ".join(accepted))
            return answer
        if method == "INVITE" and not _accepts(request.headers.get_all("Accept"), "application/sdp"):
            answer = response_to(request, 406)  # our answer is SDP; RFC 4475 3.3.15
            answer.headers.add("Warning", '399 console "an answer can only be application/sdp"')
            return answer
        return None
