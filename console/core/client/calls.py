"""One call as the session keeps it (mutable, owned by the session; drivers read it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from console.core.callinfo import CallInfo, Recall
from console.core.enums import CALL_STATES, DISC_REASON, Direction
from console.core.errors import CallStateError
from console.core.machines import CallRequest, check_transfer
from console.core.queues import QueueOffer

from .negotiation import Negotiation
from .wire import CallCommand, WireCapabilities

DIAL_STRING_RE = re.compile(r"^\+?[0-9*#]{1,32}$")
"""A dial string the console sends: E.164-ish digits with * and #. Anything else ends with DIALSTRING."""


def valid_dial_string(number: object) -> bool:
    return isinstance(number, str) and DIAL_STRING_RE.match(number.strip()) is not None


@dataclass(eq=False)
class CallRecord:
    ref: int  # the session's handle, stable for the call's life
    direction: Direction
    state: CALL_STATES
    id: str | None = None  # the switch's id, once it has named the call
    reason: DISC_REASON | None = None
    local_number: str = ""
    local_name: str = ""
    remote_number: str = ""
    remote_name: str = ""
    video: bool = False
    held_by_remote: bool | None = None  # the far end holds the call (None: the switch does not say)
    conference: str = ""  # the switch's conference id while this call is in one (extension)
    conference_parties: int = 0
    waiting_since: float | None = None  # a recall: when its caller first rang in (Unix seconds, the switch's)
    recall_from: str = ""  # a recall: the orbit it comes back from
    parked_on: str = ""  # ended because its far end was parked on this orbit
    # who handed this call here, and a recall (extensions: docs/PROTOCOL.md, "Transfer with recall")
    transferred_by: str = ""
    forwarded_from: str = ""
    recall: Recall | None = None
    queue: QueueOffer | None = None  # offered by a queue (extension: docs/PROTOCOL.md, "Queues")
    # requests in flight
    dial_sent: bool = False  # the dial request is on the wire (not waiting for its offer)
    hangup_pending: bool = False  # disconnect() before the switch named the call: hang up once it has
    hanging_up: bool = False  # a disconnect request is on the wire
    negotiation: Negotiation = field(default_factory=Negotiation)  # the offer/answer exchange (negotiation.py)
    media_renewed_at: float | None = None  # when its dead media was last re-offered (WireCapabilities.renew_dead_media)

    @property
    def ended(self) -> bool:
        return self.state is CALL_STATES.DISCONNECTED

    def absorb(self, info: CallInfo) -> None:
        self.local_number = info.local_number or self.local_number
        self.local_name = info.local_name or self.local_name
        self.remote_number = info.remote_number or self.remote_number
        self.remote_name = info.remote_name or self.remote_name
        if info.reason is not None:
            self.reason = info.reason
        self.waiting_since = info.waiting_since if info.waiting_since is not None else self.waiting_since
        self.recall_from = info.recall_from or self.recall_from
        self.parked_on = info.parked_on or self.parked_on
        self.transferred_by = info.transferred_by or self.transferred_by
        self.forwarded_from = info.forwarded_from or self.forwarded_from
        self.recall = info.recall or self.recall
        self.queue = info.queue or self.queue


def call_command(record: CallRecord, request: CallRequest, capabilities: WireCapabilities, wire_name: str, *,
                 other: CallRecord | None = None, digits: object = None, number: object = None,
                 orbit: object = None, recall: float | None = None) -> CallCommand:
    """The command for the application's ``request`` on ``record`` (legal in its state already), its arguments
    checked: transfer (``other``), dtmf (``digits``, checked already), blind transfer (``number``), park (``orbit``).
    Raises :class:`CallStateError`."""
    if request is CallRequest.TRANSFER:
        problem = transfer_problem(record, other)
        if problem:
            raise CallStateError(problem)
        assert other is not None
        return CallCommand(request, record.id, to=other.id, recall=recall)
    if request in (CallRequest.BLIND_TRANSFER, CallRequest.PARK) and not capabilities.carries(request):
        raise CallStateError(f"{request} is not supported by the {wire_name} wire")
    if request is CallRequest.BLIND_TRANSFER:
        if not valid_dial_string(number):
            raise CallStateError(f"blind transfer: {number!r} is not a number to dial")
        assert isinstance(number, str)
        return CallCommand(request, record.id, number=number.strip(), recall=recall)
    if request is CallRequest.PARK:
        if orbit is not None and not valid_dial_string(orbit):
            raise CallStateError(f"park: {orbit!r} is not an orbit number")
        return CallCommand(request, record.id, orbit=orbit.strip() if isinstance(orbit, str) else None)
    return CallCommand(request, record.id, digits=digits if isinstance(digits, str) else None)


def transfer_problem(record: CallRecord, other: CallRecord | None) -> str | None:
    """The rule is :func:`check_transfer`'s (shared with the switch); the console adds that both calls are its own
    and named."""
    if other is None:
        return "transfer needs another call of this instance"
    same = other is record or (other.id is not None and other.id == record.id)
    try:
        check_transfer(record.state, other.state, same, other.direction if other.id is not None else None)
    except CallStateError as exc:
        return str(exc)
    if other.id is None:
        return "transfer: the other call has not been named by the switch"
    return None
