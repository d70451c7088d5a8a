"""What the session tells its driver: actions to perform (Connect, Send, Close, MakeOffer,
ApplyAnswer) and events to report to the application (everything else)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Union

from console.core.directory import DirectoryEntry, Orbit, PresenceState, TurnedAway

from console.core.enums import CALL_STATES, LOGIN_STATES
from console.core.errors import ConsoleError
from console.core.queues import QueueStatus

from .wire import IceServer


# -- actions for the driver ---------------------------------------------------------

@dataclass(frozen=True)
class Connect:
    """Open connection number ``conn``; then call ``connected`` or ``connect_failed`` with it."""

    conn: int
    server: str
    secure: bool
    subprotocol: str | None = None  # the WebSocket subprotocol the wire speaks (SIP: "sip")


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
    """Make an SDP offer for call ``ref`` with this direction; then ``offer_ready`` or ``offer_failed``.

    ``fresh``: from a new peer connection (the old one is closed). With ``offer`` (the far end's, ``{"type": "offer", "sdp": ...}``) make the answer to it instead
    and hand that to ``offer_ready``.
    """

    ref: int
    direction: str
    offer: dict[str, str] | None = None
    fresh: bool = False  # close the call's media and offer from a new peer connection (RenewMedia)


@dataclass(frozen=True)
class ApplyAnswer:
    """Apply the switch's answer to call ``ref``'s media; then ``answer_applied`` or ``answer_failed``."""

    ref: int
    sdp: dict[str, str]


@dataclass(frozen=True)
class SendDigits:
    """Send DTMF digits in call ``ref``'s media (RFC 4733); a failure is reported with ``media_digits_failed``."""

    ref: int
    digits: str


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
class RemoteHoldChanged:
    """The far end put the call on hold or took it off, whatever our own state (extension)."""

    ref: int
    held: bool


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


# -- attendant extension -----------------------------------------------------------

@dataclass(frozen=True)
class DirectoryReceived:
    entries: tuple[DirectoryEntry, ...]


@dataclass(frozen=True)
class PresenceChanged:
    """``states``: number -> state; ``snapshot``: the whole picture (a subscribe's result), else a change."""

    states: Mapping[str, PresenceState]
    snapshot: bool = False


@dataclass(frozen=True)
class OrbitsChanged:
    """Orbits that changed (a snapshot lists them all)."""

    orbits: tuple[Orbit, ...]
    snapshot: bool = False


@dataclass(frozen=True)
class CallerTurnedAway:
    """A caller to this console's number was sent elsewhere by DND or forwarding (never rang here)."""

    notice: TurnedAway


@dataclass(frozen=True)
class SettingConfirmed:
    """The switch took a DND or forwarding setting (``what``: ``dnd`` or ``forwarding``)."""

    what: str


@dataclass(frozen=True)
class SettingRefused:
    """The switch refused a DND, forwarding or queue pause request, or it went unanswered (``what``: ``dnd``,
    ``forwarding`` or ``queue_pause``): what was asked for is not in force, the error handler says why."""

    what: str


@dataclass(frozen=True)
class QueueStatusReceived:
    """Queues (extension): a ``queue_status`` result."""

    status: QueueStatus


@dataclass(frozen=True)
class QueuePauseConfirmed:
    """Queues (extension): the switch paused (or unpaused) this console in ``queues``."""

    queues: tuple[str, ...]
    paused: bool


Event = Union[Connect, Send, Close, MakeOffer, ApplyAnswer, SendDigits, UseIceServers, LoginChanged, CallChanged,
              IncomingCall, RestoredCall, VideoChanged, RemoteHoldChanged, DigitsReceived, ConferenceChanged,
              ErrorReported, DirectoryReceived, PresenceChanged, OrbitsChanged, SettingConfirmed, SettingRefused,
              CallerTurnedAway, QueueStatusReceived, QueuePauseConfirmed]
# what console/webrtc/attendant_view.py takes in
ATTENDANT_EVENTS = (DirectoryReceived, PresenceChanged, OrbitsChanged, SettingConfirmed, SettingRefused,
                    CallerTurnedAway, QueueStatusReceived, QueuePauseConfirmed)
