"""Client and server transactions over a reliable transport (RFC 3261 17, RFC 6026).

On a reliable transport nothing is retransmitted, so Timers A, E and G never
run and D, I, J and K are zero; what remains are the guards: B (INVITE client
gives up), F (non-INVITE client gives up), H (INVITE server waits for the ACK
of a non-2xx), L and M (RFC 6026 accepted states absorb 2xx repeats). States
and their legal transitions are tables; ``now`` is always an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .errors import SipStateError
from .headers import Headers
from .message import SipRequest, SipResponse, response_to

T1 = 0.5
TIMER_B = TIMER_F = TIMER_H = TIMER_L = TIMER_M = 64 * T1


class TxState(StrEnum):
    CALLING = "calling"  # INVITE client, request sent
    TRYING = "trying"  # non-INVITE
    PROCEEDING = "proceeding"
    COMPLETED = "completed"  # INVITE server: final non-2xx sent, waiting for ACK
    ACCEPTED = "accepted"  # RFC 6026: 2xx passed, absorbing repeats
    CONFIRMED = "confirmed"
    TERMINATED = "terminated"


S = TxState
CLIENT_INVITE: dict[TxState, frozenset[TxState]] = {
    S.CALLING: frozenset({S.PROCEEDING, S.ACCEPTED, S.TERMINATED}),
    S.PROCEEDING: frozenset({S.PROCEEDING, S.ACCEPTED, S.TERMINATED}),
    S.ACCEPTED: frozenset({S.ACCEPTED, S.TERMINATED}),
    S.TERMINATED: frozenset(),
}
CLIENT_NON_INVITE = {
    S.TRYING: frozenset({S.PROCEEDING, S.TERMINATED}),
    S.PROCEEDING: frozenset({S.PROCEEDING, S.TERMINATED}),
    S.TERMINATED: frozenset(),
}
SERVER_INVITE = {
    S.PROCEEDING: frozenset({S.PROCEEDING, S.COMPLETED, S.ACCEPTED, S.TERMINATED}),
    S.COMPLETED: frozenset({S.CONFIRMED, S.TERMINATED}),
    S.CONFIRMED: frozenset({S.TERMINATED}),
    S.ACCEPTED: frozenset({S.ACCEPTED, S.TERMINATED}),
    S.TERMINATED: frozenset(),
}
SERVER_NON_INVITE = {
    S.TRYING: frozenset({S.PROCEEDING, S.TERMINATED}),
    S.PROCEEDING: frozenset({S.PROCEEDING, S.TERMINATED}),
    S.TERMINATED: frozenset(),
}


@dataclass
class _Transaction:
    request: SipRequest
    state: TxState
    table: dict
    deadline: float | None = None

    @property
    def branch(self) -> str:
        return self.request.via[0].branch or ""

    @property
    def method(self) -> str:
        return self.request.method

    @property
    def terminated(self) -> bool:
        return self.state is S.TERMINATED

    def _go(self, state: TxState, deadline: float | None = None) -> None:
        if state not in self.table[self.state]:
            raise SipStateError(f"{type(self).__name__} {self.method} cannot go from {self.state} to {state}")
        self.state = state
        self.deadline = deadline


@dataclass
class ClientTransaction(_Transaction):
    last_response: SipResponse | None = None

    @classmethod
    def start(cls, request: SipRequest, now: float) -> ClientTransaction:
        if request.method == "INVITE":
            return cls(request, S.CALLING, CLIENT_INVITE, now + TIMER_B)
        return cls(request, S.TRYING, CLIENT_NON_INVITE, now + TIMER_F)

    def on_response(self, response: SipResponse, now: float) -> tuple[bool, SipRequest | None]:
        """Feed a response; returns (pass it up?, ACK to send)."""
        if self.terminated and not (self.method == "INVITE" and 200 <= response.status < 300):
            return False, None
        self.last_response = response
        status = response.status
        if status < 200:
            if self.state in (S.CALLING, S.TRYING, S.PROCEEDING):
                # Timer B runs only while CALLING; Timer F keeps running in PROCEEDING
                self._go(S.PROCEEDING, None if self.method == "INVITE" else self.deadline)
                return True, None
            return False, None
        if self.method != "INVITE":
            self._go(S.TERMINATED)  # Timer K = 0 on a reliable transport
            return True, None
        if status < 300:
            if self.state is not S.ACCEPTED:
                self._go(S.ACCEPTED, now + TIMER_M)
            return True, None  # every 2xx goes up: the dialog ACKs each one
        if self.state in (S.TERMINATED, S.ACCEPTED):
            return False, None  # a failure after a 2xx (or a repeat) changes nothing
        self._go(S.TERMINATED)  # Timer D = 0 on a reliable transport
        return True, self._ack_for(response)

    def _ack_for(self, response: SipResponse) -> SipRequest:
        """The ACK of a non-2xx final response: same branch, the response's To (RFC 3261 17.1.1.3)."""
        headers = Headers()
        headers.add("Via", self.request.headers.get_all("Via")[0])
        for name in ("Route",):
            for value in self.request.headers.get_all(name):
                headers.add(name, value)
        headers.add("Max-Forwards", "70")
        headers.add("From", self.request.headers.get("From") or "")
        headers.add("To", response.headers.get("To") or "")
        headers.add("Call-ID", self.request.call_id)
        headers.add("CSeq", f"{self.request.cseq.number} ACK")
        return SipRequest(headers=headers, method="ACK", uri=self.request.uri)

    def on_timer(self, now: float) -> bool:
        """True if the transaction timed out (Timer B/F): the TU sees a 408."""
        if self.deadline is None or now < self.deadline or self.terminated:
            return False
        timed_out = self.state is not S.ACCEPTED
        self._go(S.TERMINATED)
        return timed_out

    def timeout_response(self) -> SipResponse:
        return response_to(self.request, 408, "Request Timeout (no answer from the server)")


@dataclass
class ServerTransaction(_Transaction):
    last_response: SipResponse | None = None
    sent_by: str = ""

    @classmethod
    def start(cls, request: SipRequest) -> ServerTransaction:
        via = request.via[0]
        if request.method == "INVITE":
            return cls(request, S.PROCEEDING, SERVER_INVITE, sent_by=via.sent_by)
        return cls(request, S.TRYING, SERVER_NON_INVITE, sent_by=via.sent_by)

    def respond(self, response: SipResponse, now: float) -> SipResponse:
        """Pass the TU's response through the machine; returns it (to send)."""
        if self.state not in (S.TRYING, S.PROCEEDING) and not (self.state is S.ACCEPTED and response.status < 300):
            raise SipStateError(f"{self.method} transaction already answered ({self.state})")
        status = response.status
        self.last_response = response
        if status < 200:
            self._go(S.PROCEEDING)
        elif self.method != "INVITE":
            self._go(S.TERMINATED)  # Timer J = 0
        elif status < 300:
            self._go(S.ACCEPTED, now + TIMER_L)
        else:
            self._go(S.COMPLETED, now + TIMER_H)
        return response

    def on_retransmission(self) -> SipResponse | None:
        """A repeated request (possible on a reconnect): send the last provisional or final answer again."""
        if self.state in (S.PROCEEDING, S.COMPLETED):
            return self.last_response
        return None

    def on_ack(self) -> None:
        if self.state is S.COMPLETED:
            self._go(S.CONFIRMED)
            self._go(S.TERMINATED)  # Timer I = 0

    def on_timer(self, now: float) -> bool:
        """True if Timer H fired: the ACK for our error response never came."""
        if self.deadline is None or now < self.deadline or self.terminated:
            return False
        lost_ack = self.state is S.COMPLETED
        self._go(S.TERMINATED)
        return lost_ack
