"""What the session tells its driver: actions to perform (Connect, Send, Close, MakeOffer,
ApplyAnswer) and events to report to the application (everything else)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from console.core.enums import CALL_STATES, LOGIN_STATES
from console.core.errors import ConsoleError

from .wire import IceServer


# -- actions for the driver ---------------------------------------------------------

@dataclass(frozen=True)
class Connect:
    """Open connection number ``conn``; then call ``connected`` or ``connect_failed`` with it."""

    conn: int
    server: str
    secure: bool


@dataclass(frozen=True)
class Send:
    conn: int
    frame: str


@dataclass(frozen=True)
class Close:
    """Close connection ``conn``; its close will not be reported (the session has moved on)."""

    conn: int


@dataclass(frozen=True)
class MakeOffer:
    """Make an SDP offer for call ``ref`` with this direction; then ``offer_ready`` or ``offer_failed``."""

    ref: int
    direction: str


@dataclass(frozen=True)
class ApplyAnswer:
    """Apply the switch's answer to call ``ref``'s media; then ``answer_applied`` or ``answer_failed``."""

    ref: int
    sdp: dict[str, str]


@dataclass(frozen=True)
class UseIceServers:
    """The login result named STUN/TURN servers for the calls' peer connections."""

    servers: tuple[IceServer, ...]


# -- events for the application -----------------------------------------------------

@dataclass(frozen=True)
class LoginChanged:
    state: LOGIN_STATES


@dataclass(frozen=True)
class CallChanged:
    """``forced``: reported even though the state did not change (a restored call's current state)."""

    ref: int
    state: CALL_STATES
    previous: CALL_STATES
    forced: bool = False


@dataclass(frozen=True)
class IncomingCall:
    ref: int


@dataclass(frozen=True)
class RestoredCall:
    ref: int


@dataclass(frozen=True)
class VideoChanged:
    ref: int
    active: bool


@dataclass(frozen=True)
class DigitsReceived:
    ref: int
    digits: str


@dataclass(frozen=True)
class ConferenceChanged:
    """Call ``ref`` joined or left a conference (``conference`` "" : in none), or its party count changed."""

    ref: int
    conference: str
    parties: int


@dataclass(frozen=True)
class ErrorReported:
    """For the application's error handler: ``ref`` is the call concerned, or None."""

    ref: int | None
    error: ConsoleError


Event = Union[Connect, Send, Close, MakeOffer, ApplyAnswer, UseIceServers, LoginChanged, CallChanged,
              IncomingCall, RestoredCall, VideoChanged, DigitsReceived, ConferenceChanged, ErrorReported]
