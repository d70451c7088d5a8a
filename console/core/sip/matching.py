"""The transaction layer: matches messages to transactions (RFC 3261 17.1.3, 17.2.3).

Client transactions are keyed by (branch, CSeq method), server transactions
by (branch, sent-by, method) with ACK and CANCEL matched to their INVITE.
Received messages come out as :class:`Matched` records for the transaction
user; messages to send are collected in ``outbox``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .errors import SipParseError
from .message import SipMessage, SipRequest, SipResponse
from .transaction import ClientTransaction, ServerTransaction, TxState

MAX_TRANSACTIONS = 256


class Kind(StrEnum):
    RESPONSE = "response"  # a response for a client transaction
    REQUEST = "request"  # a new request: a server transaction was made for it
    ACK_2XX = "ack_2xx"  # an ACK outside any transaction: the dialog's
    STRAY_2XX = "stray_2xx"  # a 2xx for a finished INVITE (forking or repeat): the dialog re-ACKs
    CANCEL = "cancel"  # CANCEL for a pending INVITE server transaction (answered 200 already)
    TIMEOUT = "timeout"  # Timer B/F: ``response`` is a synthesized 408
    ACK_LOST = "ack_lost"  # Timer H
    IGNORED = "ignored"


@dataclass
class Matched:
    kind: Kind
    message: SipMessage | None = None
    client: ClientTransaction | None = None
    server: ServerTransaction | None = None
    invite: ServerTransaction | None = None  # for CANCEL: the INVITE it cancels, if still known


MAGIC_COOKIE = "z9hG4bK"


def server_key(request: SipRequest) -> str:
    """The branch that names a received request's transaction.

    An RFC 3261 branch (the magic cookie and more) names it. A request from an
    RFC 2543 element has no branch, or one without the cookie, or the bare cookie
    (RFC 4475 3.2.1, 3.4.1): it is matched as RFC 3261 17.2.3 says for those, by
    Call-ID, From tag, CSeq number and the top Via, which its ACK and CANCEL share.
    """
    branch = request.via[0].branch or ""
    if branch.startswith(MAGIC_COOKIE) and len(branch) > len(MAGIC_COOKIE):
        return branch
    top = request.headers.get_all("Via")[0]
    return f"rfc2543|{request.call_id}|{request.from_.tag or ''}|{request.cseq.number}|{top}"


@dataclass
class TransactionLayer:
    outbox: list[SipMessage] = field(default_factory=list)
    clients: dict[tuple[str, str], ClientTransaction] = field(default_factory=dict)
    servers: dict[tuple[str, str, str], ServerTransaction] = field(default_factory=dict)
    limit: int = MAX_TRANSACTIONS

    def send_request(self, request: SipRequest, now: float) -> ClientTransaction | None:
        """Send a request; ACK has no transaction (returns None)."""
        self.outbox.append(request)
        if request.method == "ACK":
            return None
        tx = ClientTransaction.start(request, now)
        self.clients[(tx.branch, request.method)] = tx
        return tx

    def respond(self, server: ServerTransaction, response: SipResponse, now: float) -> None:
        self.outbox.append(server.respond(response, now))

    def receive(self, message: SipMessage, now: float) -> Matched:
        try:
            if isinstance(message, SipResponse):
                return self._response(message, now)
            return self._request(message)
        finally:
            self._collect()

    def _response(self, response: SipResponse, now: float) -> Matched:
        via = response.via
        key = (via[0].branch or "", response.cseq.method)
        tx = self.clients.get(key)
        if tx is None:
            if response.cseq.method == "INVITE" and 200 <= response.status < 300:
                return Matched(Kind.STRAY_2XX, response)
            return Matched(Kind.IGNORED, response)
        up, ack = tx.on_response(response, now)
        if ack is not None:
            self.outbox.append(ack)
        if not up:
            return Matched(Kind.IGNORED, response, tx)
        return Matched(Kind.RESPONSE, response, tx)

    def _request(self, request: SipRequest) -> Matched:
        via = request.via[0]
        branch = server_key(request)
        method = "INVITE" if request.method in ("ACK", "CANCEL") else request.method
        invite = self.servers.get((branch, via.sent_by, method))
        if request.method == "ACK":
            if invite is not None and invite.state is TxState.COMPLETED:
                invite.on_ack()
                return Matched(Kind.IGNORED, request, server=invite)
            return Matched(Kind.ACK_2XX, request)
        key = (branch, via.sent_by, request.method)
        existing = self.servers.get(key)
        if existing is not None:
            again = existing.on_retransmission()
            if again is not None:
                self.outbox.append(again)
            return Matched(Kind.IGNORED, request, server=existing)
        if len(self.servers) >= self.limit:
            raise SipParseError(f"more than {self.limit} open transactions", status=503)
        tx = ServerTransaction.start(request)
        self.servers[key] = tx
        if request.method == "CANCEL":
            return Matched(Kind.CANCEL, request, server=tx, invite=invite)
        return Matched(Kind.REQUEST, request, server=tx)

    def on_timer(self, now: float) -> list[Matched]:
        out = []
        for tx in list(self.clients.values()):
            if tx.on_timer(now):
                out.append(Matched(Kind.TIMEOUT, tx.timeout_response(), tx))
        for stx in list(self.servers.values()):
            if stx.on_timer(now):
                out.append(Matched(Kind.ACK_LOST, stx.request, server=stx))
        self._collect()
        return out

    def next_deadline(self) -> float | None:
        deadlines = [t.deadline for t in (*self.clients.values(), *self.servers.values()) if t.deadline is not None]
        return min(deadlines, default=None)

    def _collect(self) -> None:
        self.clients = {k: t for k, t in self.clients.items() if not t.terminated}
        self.servers = {k: t for k, t in self.servers.items() if not t.terminated}
