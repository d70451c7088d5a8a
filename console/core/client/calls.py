"""One call as the session keeps it (mutable, owned by the session; drivers read it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from console.core.callinfo import CallInfo
from console.core.enums import CALL_STATES, DISC_REASON, Direction

from .negotiation import Negotiation

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
    # requests in flight
    dial_sent: bool = False  # the dial request is on the wire (not waiting for its offer)
    hangup_pending: bool = False  # disconnect() before the switch named the call: hang up once it has
    hanging_up: bool = False  # a disconnect request is on the wire
    negotiation: Negotiation = field(default_factory=Negotiation)  # the offer/answer exchange (negotiation.py)

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
