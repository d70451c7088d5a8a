"""What the SIP stack tells its driver. Plain frozen records; ``call`` is the Call-ID."""

from __future__ import annotations

from dataclasses import dataclass

from ..enums import DISC_REASON


@dataclass(frozen=True)
class Event:
    pass


# registration
@dataclass(frozen=True)
class Registered(Event):
    expires: int
    refresh_at: float


@dataclass(frozen=True)
class RegistrationFailed(Event):
    status: int
    reason: str
    auth_failed: bool = False  # the credentials were refused (a challenge again after our answer, or 403)


@dataclass(frozen=True)
class Unregistered(Event):
    pass


@dataclass(frozen=True)
class FlowFailed(Event):
    """No pong to a CRLF keep-alive (RFC 5626 4.4.1): the connection is dead; reconnect and register."""


# calls
@dataclass(frozen=True)
class IncomingCall(Event):
    call: str
    remote: str  # the From header (display name and URI)
    local: str  # the To header
    sdp: str
    replaces: tuple[str, str, str] | None = None  # INVITE with Replaces (RFC 3891): (call-id, to-tag, from-tag)


@dataclass(frozen=True)
class CallProgress(Event):
    call: str
    status: int  # 180, 183, ...
    sdp: str | None = None


@dataclass(frozen=True)
class CallAnswered(Event):
    call: str
    sdp: str


@dataclass(frozen=True)
class CallConfirmed(Event):
    """The ACK of our 200 arrived: the incoming call is established."""

    call: str


@dataclass(frozen=True)
class CallEnded(Event):
    call: str
    reason: DISC_REASON
    status: int | None = None  # the SIP status that ended it, if any
    remote: bool = True  # ended by the far end or the network, not by us


@dataclass(frozen=True)
class OfferReceived(Event):
    """A re-INVITE with an offer: the driver answers with :meth:`UserAgent.answer_offer`."""

    call: str
    sdp: str
    remote_hold: bool


@dataclass(frozen=True)
class AnswerReceived(Event):
    """The 200 to our re-INVITE (hold, retrieve, ICE restart)."""

    call: str
    sdp: str


@dataclass(frozen=True)
class OfferFailed(Event):
    call: str
    status: int


@dataclass(frozen=True)
class DtmfReceived(Event):
    call: str
    digit: str
    duration_ms: int


@dataclass(frozen=True)
class TransferRequested(Event):
    """The far end sent REFER (we answered 202). ``replaces`` is (call-id, to-tag, from-tag) or None."""

    call: str
    target: str
    replaces: tuple[str, str, str] | None


@dataclass(frozen=True)
class TransferProgress(Event):
    """A NOTIFY about a REFER we sent: the sipfrag's status line."""

    call: str
    status: int
    final: bool


@dataclass(frozen=True)
class MessageRejected(Event):
    """Received bytes the stack refused (logged by the driver; answered when a request)."""

    detail: str
    status: int | None
