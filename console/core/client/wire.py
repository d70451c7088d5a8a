"""The seam between the client session and a signalling protocol.

:class:`~console.core.client.session.ClientSession` speaks in wire-neutral
requests (:data:`Request`) and reads wire-neutral reports (:data:`Inbound`).
A *wire* turns one into frames and frames into the other. Our JSON protocol
(docs/PROTOCOL.md) is :class:`~console.core.client.jsonwire.JsonWire`; a SIP
over WebSocket wire will be a second implementation of :class:`ClientWire`
without touching the session or ``console.webrtc``.

What a wire must provide (see docs/SESSION.md):

* ``encode(request_id, request) -> str``: one frame for a request. The
  session numbers requests; a wire that has its own transaction ids keeps a
  map from the session's numbers to them.
* ``decode(frame) -> Inbound``: one report for one frame, or raise
  :class:`~console.core.errors.RemoteProtocolError` (with ``request_id`` if
  the frame answered a request, so that request fails instead of timing out).
  A frame that needs no report (a keepalive, a provisional response) decodes
  to :class:`Nothing`.
* Replies carry what the session needs: for a login or restore a
  :class:`LoginResult`, for a dial the new call's :class:`CallInfo`, for a
  negotiating request the answer SDP ``{"type": "answer", "sdp": ...}``.
* A refusal carries an :class:`~console.core.enums.ErrorCode` value when the
  reason is one the session maps (login refusals, ``invalid_sdp``,
  ``unknown_call``); any other code is reported as it is.

No I/O and no clocks: a wire like that is pure translation.

A protocol with state of its own (SIP: transactions and their timers,
automatic ACKs and challenge retries, registration refresh, keep-alives,
requests from the far end that need answers) implements the wider
:class:`SessionWire` instead: every input (a request, a frame, the time, the
connection's end) gives an :class:`Exchange` -- any number of reports and of
frames to send -- and the wire names its own deadlines. A pure
:class:`ClientWire` is adapted to it by :class:`PureWire`, so both kinds plug
into the same session (see docs/SESSION.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Union, runtime_checkable

from console.core.directory import DirectoryEntry, Orbit, PresenceState, TurnedAway
from console.core.callinfo import CallInfo
from console.core.enums import AuthMethod
from console.core.machines import CallRequest
from console.core.queues import QueueStatus


# -- requests (session -> wire) ---------------------------------------------------

@dataclass(frozen=True)
class LoginRequest:
    auth: AuthMethod
    username: str | None = None
    password: str | None = None
    token: str | None = None
    number: str | None = None
    notification: bool = False
    client: str | None = None


@dataclass(frozen=True)
class RestoreRequest:
    identifier: str
    notification: bool = False
    client: str | None = None


@dataclass(frozen=True)
class LogoutRequest:
    pass


@dataclass(frozen=True)
class CallCommand:
    """A request about one call. ``call`` is the switch's id (None only for a dial)."""

    request: CallRequest
    call: str | None = None
    number: str | None = None
    name: str | None = None
    sdp: dict[str, str] | None = None
    to: str | None = None
    digits: str | None = None
    orbit: str | None = None  # park (attendant extension); a blind transfer's target is ``number``
    recall: float | None = None  # transfer, blind transfer: seconds before nobody taking it brings it back (extension)


# -- attendant extension (docs/PROTOCOL.md, "Attendant extension") ----------------------

@dataclass(frozen=True)
class DirectoryRequest:
    pass


@dataclass(frozen=True)
class SubscribeRequest:
    presence: bool = True


@dataclass(frozen=True)
class DndRequest:
    on: bool


@dataclass(frozen=True)
class ForwardingRequest:
    always: str | None = None
    busy: str | None = None
    no_answer: str | None = None
    after: float | None = None


@dataclass(frozen=True)
class QueuePauseRequest:
    """Queues (extension): pause or unpause this console's number in ``queue``, or in all of its queues (None)."""

    paused: bool
    queue: str | None = None


@dataclass(frozen=True)
class QueueStatusRequest:
    """Queues (extension): who waits in ``queue`` and its members' states."""

    queue: str


# Session-wide requests of the extensions; the queue requests need ``capabilities.queues``.
AttendantRequest = Union[DirectoryRequest, SubscribeRequest, DndRequest, ForwardingRequest, QueuePauseRequest,
                         QueueStatusRequest]
ATTENDANT_REQUESTS = (DirectoryRequest, SubscribeRequest, DndRequest, ForwardingRequest, QueuePauseRequest,
                      QueueStatusRequest)
QUEUE_REQUESTS = (QueuePauseRequest, QueueStatusRequest)


@dataclass(frozen=True)
class ConferenceCommand:
    """Join calls into a conference (``calls``: the switch's ids), or leave ``conference`` (``leave``)."""

    calls: tuple[str, ...] = ()
    conference: str | None = None
    leave: bool = False


Request = Union[LoginRequest, RestoreRequest, LogoutRequest, CallCommand, AttendantRequest, ConferenceCommand]


# -- reports (wire -> session) ----------------------------------------------------

@dataclass(frozen=True)
class IceServer:
    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None


@dataclass(frozen=True)
class LoginResult:
    identifier: str | None = None
    number: str | None = None
    name: str | None = None
    lifetime: float | None = None
    ice_servers: tuple[IceServer, ...] | None = None  # None: the switch named none
    calls: tuple[CallInfo, ...] = ()


@dataclass(frozen=True)
class Reply:
    """A request succeeded.

    ``answer_follows``: the request carried an offer whose answer arrives later
    as a :class:`RemoteAnswer` (a SIP INVITE is answered by its 200, after ringing).
    """

    request_id: int
    login: LoginResult | None = None
    call: CallInfo | None = None
    sdp: dict[str, str] | None = None
    answer_follows: bool = False
    attendant: AttendantData | None = None  # directory, presence snapshot, park orbit


@dataclass(frozen=True)
class AttendantData:
    """What an attendant request's result carries (each field None when the result has none)."""

    entries: tuple[DirectoryEntry, ...] | None = None
    presence: dict[str, PresenceState] | None = None
    orbits: tuple[Orbit, ...] | None = None
    orbit: str | None = None
    queue: QueueStatus | None = None  # a queue_status result (queues extension)
    queues: tuple[str, ...] | None = None  # the queues a queue_pause paused or unpaused


@dataclass(frozen=True)
class Refusal:
    """A request failed at the switch (or an error frame answered no request: ``request_id`` None)."""

    request_id: int | None
    code: str
    message: str


@dataclass(frozen=True)
class CallReport:
    info: CallInfo


@dataclass(frozen=True)
class DigitsReport:
    call: str
    digits: str


@dataclass(frozen=True)
class ConferenceReport:
    """Which of this console's calls are in ``conference`` now, and how many parties it has (0: it ended)."""

    conference: str
    calls: tuple[str, ...]
    parties: int


@dataclass(frozen=True)
class SessionEnded:
    """The switch ended the session (``reason`` a LogoutReason value)."""

    reason: str


@dataclass(frozen=True)
class PresenceReport:
    number: str
    state: PresenceState


@dataclass(frozen=True)
class OrbitReport:
    orbit: Orbit


@dataclass(frozen=True)
class TurnedAwayReport:
    notice: TurnedAway


@dataclass(frozen=True)
class Nothing:
    """A frame that needs no report."""

    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RemoteOffer:
    """The far end offers SDP (an incoming call's INVITE, a re-INVITE): the call's media must answer it.

    For a call still offering, the answer rides on ``answer``; on a call that talks, the session
    answers at once with a ``media`` request carrying ``{"type": "answer", ...}``.
    """

    call: str
    sdp: str


@dataclass(frozen=True)
class RemoteAnswer:
    """The answer to the offer a request carried, after its :class:`Reply` said ``answer_follows``."""

    call: str
    sdp: str


@dataclass(frozen=True)
class MediaDigits:
    """Send these digits in the call's media (RFC 4733): the wire has no signalling for them."""

    call: str
    digits: str


@dataclass(frozen=True)
class RenewMedia:
    """The call needs a fresh offer on new media (a SIP REFER moves it to a new dialog with another party).

    The session answers with a ``media`` request whose offer comes from a new peer connection; without
    media it sends the request without SDP (the wire then refuses the transfer).
    """

    call: str


@dataclass(frozen=True)
class IdentifierChanged:
    """What ``get_login_identifier`` returns changed (a SIP wire carries its saved dialogs in it)."""

    identifier: str


@dataclass(frozen=True)
class TransportFailed:
    """The wire found the connection dead (no keep-alive answer): close it; it counts as lost."""

    reason: str


Inbound = Union[Reply, Refusal, CallReport, DigitsReport, ConferenceReport, SessionEnded, PresenceReport, OrbitReport,
                TurnedAwayReport, Nothing, RemoteOffer, RemoteAnswer, MediaDigits, RenewMedia, IdentifierChanged, TransportFailed]


@dataclass(frozen=True)
class WireCapabilities:
    """What a wire carries beyond the seed API, declared once: the session reads this, never probes a wire.

    Every wrapper (:class:`PureWire`) forwards the wrapped wire's value unchanged.
    """

    attendant: bool = False  # the attendant extension: directory, presence, blind transfer, park, DND, forwarding, conference
    blind_transfer: bool = False  # blind transfer without the rest of the extension (SIP: REFER to a number)
    desk: bool = False  # directory, presence, DND and forwarding without the rest (SIP: lamps by RFC 4235, 486, 302)
    media_required: bool = False  # every call negotiates media, elements set or not (SIP: no call without SDP)
    subprotocol: str | None = None  # the WebSocket subprotocol to ask for (SIP: "sip", RFC 7118)
    secure: bool | None = None  # the server address names its transport (SIP: sip+wss) and decides TLS; None: the caller
    local_conference: bool = False  # conference requests without a focus at the server: the console mixes (SIP)
    recall_transfer: bool = False  # blind/announced transfers with recall are the console's (SIP: consult, REFER)
    local_park: bool = False  # park is the console's: held here on an orbit, or REFER to a park extension (SIP)
    queues: bool = False  # queues shared by operators: queue_pause, queue_status, the call's queue (our JSON switch)
    renew_dead_media: bool = False  # a call whose media died is re-offered fresh media before it ends (SIP: re-INVITE)

    def carries(self, request: CallRequest) -> bool:
        """Whether the wire encodes this call request: the seed's always, the extension's when declared."""
        if request in (CallRequest.BLIND_TRANSFER, CallRequest.PARK):
            return self.attendant or (request is CallRequest.BLIND_TRANSFER and self.blind_transfer)
        return True


NO_EXTENSIONS = WireCapabilities()


class ClientWire(Protocol):
    """A signalling protocol as the session sees it; see the module docstring."""

    name: str
    capabilities: WireCapabilities

    def encode(self, request_id: int, request: Request) -> str: ...

    def decode(self, frame: str | bytes) -> Inbound: ...


@dataclass(frozen=True)
class Exchange:
    """What a :class:`SessionWire` made of one input: reports for the session and frames to send, in order."""

    inbound: tuple[Inbound, ...] = ()
    frames: tuple[str, ...] = ()


@runtime_checkable
class SessionWire(Protocol):
    """A wire with state and time of its own (SIP); see the module docstring and docs/SESSION.md.

    ``send`` may already contain reports (a dial named at once); ``receive`` never raises:
    what it cannot read it answers or reports as :class:`Refusal` with ``request_id`` None.
    ``status``: what the wire says about the link, label -> text (SIP: AOR, registration expiry, transport).
    """

    name: str
    capabilities: WireCapabilities

    def send(self, request_id: int, request: Request, now: float) -> Exchange: ...

    def receive(self, frame: str | bytes, now: float) -> Exchange: ...

    def tick(self, now: float) -> Exchange: ...

    def next_deadline(self) -> float | None: ...

    def closed(self, now: float) -> Exchange: ...

    def status(self, now: float) -> dict[str, str]: ...


class PureWire:
    """A :class:`ClientWire` as a :class:`SessionWire`: one frame per request, one report per frame, no time.

    Its name and capabilities are the wrapped wire's (a wrapper that dropped one would silently change the session).
    """

    def __init__(self, wire: ClientWire) -> None:
        self.wire = wire
        self.name = wire.name
        self.capabilities = wire.capabilities

    def send(self, request_id: int, request: Request, now: float) -> Exchange:
        return Exchange(frames=(self.wire.encode(request_id, request),))

    def receive(self, frame: str | bytes, now: float) -> Exchange:
        return Exchange(inbound=(self.wire.decode(frame),))  # RemoteProtocolError goes to the session

    def tick(self, now: float) -> Exchange:
        return Exchange()

    def next_deadline(self) -> float | None:
        return None

    def closed(self, now: float) -> Exchange:
        return Exchange()

    def status(self, now: float) -> dict[str, str]:
        return {}


def as_session_wire(wire: ClientWire | SessionWire) -> SessionWire:
    if isinstance(wire, SessionWire):
        return wire
    return PureWire(wire)


def request_name(request: Request) -> str:
    """The request's name in messages (as the API calls it)."""
    if isinstance(request, CallCommand):
        return str(request.request)
    if isinstance(request, ConferenceCommand):
        return "leave_conference" if request.leave else "conference"
    return {LoginRequest: "login", RestoreRequest: "restore", LogoutRequest: "logout", DirectoryRequest: "directory",
            SubscribeRequest: "subscribe", DndRequest: "dnd", QueuePauseRequest: "set_queue_paused",
            QueueStatusRequest: "queue_status"}.get(type(request), "forwarding")
