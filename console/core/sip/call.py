"""One SIP call (an INVITE dialog usage): its phase table and hold/direction rules.

The phase is SIP's view (RFC 3261 13, RFC 6026); :func:`seed_state` maps it
to the seed's CALL_STATES the same way the embedded switch does: phase plus
two hold flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..enums import CALL_STATES, DISC_REASON, Direction
from .dialog import Dialog
from .errors import SipStateError
from .message import SipRequest
from .sdp import MediaDirection, OriginKeeper
from .transaction import ClientTransaction, ServerTransaction


class CallPhase(StrEnum):
    INVITING = "inviting"  # out: INVITE sent, nothing but 100 yet
    EARLY = "early"  # out: 18x received; in: 180 sent
    INCOMING = "incoming"  # in: INVITE received, not yet alerted
    ANSWERED = "answered"  # in: 200 sent, its ACK pending
    CONFIRMED = "confirmed"
    CANCELLING = "cancelling"  # out: CANCEL sent (or due after the first 1xx)
    TERMINATING = "terminating"  # BYE sent
    TERMINATED = "terminated"


P = CallPhase
CALL_TABLE: dict[CallPhase, frozenset[CallPhase]] = {
    P.INVITING: frozenset({P.INVITING, P.EARLY, P.CONFIRMED, P.CANCELLING, P.TERMINATED}),
    P.EARLY: frozenset({P.EARLY, P.ANSWERED, P.CONFIRMED, P.CANCELLING, P.TERMINATED}),
    P.INCOMING: frozenset({P.EARLY, P.ANSWERED, P.TERMINATED}),
    P.ANSWERED: frozenset({P.CONFIRMED, P.TERMINATING, P.TERMINATED}),
    P.CONFIRMED: frozenset({P.TERMINATING, P.TERMINATED}),
    P.CANCELLING: frozenset({P.TERMINATING, P.TERMINATED}),
    P.TERMINATING: frozenset({P.TERMINATED}),
    P.TERMINATED: frozenset(),
}

_SEED = {
    P.INVITING: CALL_STATES.DIALING, P.INCOMING: CALL_STATES.OFFERING, P.ANSWERED: CALL_STATES.CONNECTED,
    P.CONFIRMED: CALL_STATES.CONNECTED, P.CANCELLING: CALL_STATES.DISCONNECTED,
    P.TERMINATING: CALL_STATES.DISCONNECTED, P.TERMINATED: CALL_STATES.DISCONNECTED,
}

# (we send?, we receive?) for each direction, and back
_BITS = {MediaDirection.SENDRECV: (True, True), MediaDirection.SENDONLY: (True, False),
         MediaDirection.RECVONLY: (False, True), MediaDirection.INACTIVE: (False, False)}
_FROM_BITS = {bits: d for d, bits in _BITS.items()}


def offer_direction(local_hold: bool, remote_hold: bool) -> MediaDirection:
    """Our offer's direction (RFC 3264 8.4): holding stops our receiving; being held stops our sending."""
    return _FROM_BITS[(not remote_hold, not local_hold)]


def answer_direction(offered: MediaDirection, local_hold: bool) -> MediaDirection:
    """The answer's direction: the mirror of the offer, less receiving if we hold."""
    they_send, they_recv = _BITS[offered]
    return _FROM_BITS[(they_recv, they_send and not local_hold)]


def is_hold_offer(direction: MediaDirection) -> bool:
    """A far end that offers sendonly or inactive has put us on hold (RFC 3264 8.4)."""
    return direction in (MediaDirection.SENDONLY, MediaDirection.INACTIVE)


@dataclass
class SipCall:
    call_id: str
    direction: Direction
    phase: CallPhase
    invite: SipRequest  # the initial INVITE (ours or theirs)
    local_tag: str
    invite_tx: ClientTransaction | ServerTransaction | None = None
    dialog: Dialog | None = None
    local_hold: bool = False
    remote_hold: bool = False
    reinvite_tx: ClientTransaction | None = None  # our re-INVITE in progress
    offer_tx: ServerTransaction | None = None  # their re-INVITE, waiting for our answer
    offer_request: SipRequest | None = None
    origin: OriginKeeper = field(default_factory=OriginKeeper)
    cancel_pending: bool = False
    seen_provisional: bool = False
    auth_tries: int = 0
    reason: DISC_REASON | None = None
    refer_from: SipRequest | None = None  # a REFER we accepted: we owe NOTIFYs about it
    hold_before: bool = False  # local_hold before our pending re-INVITE
    bye_after_ack: DISC_REASON | None = None  # hung up between our 200 and its ACK

    def go(self, phase: CallPhase) -> None:
        if phase not in CALL_TABLE[self.phase]:
            raise SipStateError(f"call {self.call_id}: cannot go from {self.phase} to {phase}")
        self.phase = phase

    @property
    def ended(self) -> bool:
        return self.phase in (P.CANCELLING, P.TERMINATING, P.TERMINATED)


def seed_state(call: SipCall) -> CALL_STATES:
    if call.phase is P.EARLY:
        return CALL_STATES.RINGING
    state = _SEED[call.phase]
    if state is CALL_STATES.CONNECTED:
        if call.local_hold:
            return CALL_STATES.HELD
        if call.remote_hold:
            return CALL_STATES.HOLDING
    return state
