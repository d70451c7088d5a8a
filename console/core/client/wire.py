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

No I/O and no clocks: a wire is pure translation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Union

from console.core.callinfo import CallInfo
from console.core.enums import AuthMethod
from console.core.machines import CallRequest


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


@dataclass(frozen=True)
class ConferenceCommand:
    """Join calls into a conference (``calls``: the switch's ids), or leave ``conference`` (``leave``)."""

    calls: tuple[str, ...] = ()
    conference: str | None = None
    leave: bool = False


Request = Union[LoginRequest, RestoreRequest, LogoutRequest, CallCommand, ConferenceCommand]


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
    """A request succeeded."""

    request_id: int
    login: LoginResult | None = None
    call: CallInfo | None = None
    sdp: dict[str, str] | None = None


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
class Nothing:
    """A frame that needs no report."""

    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


Inbound = Union[Reply, Refusal, CallReport, DigitsReport, ConferenceReport, SessionEnded, Nothing]


class ClientWire(Protocol):
    """A signalling protocol as the session sees it; see the module docstring."""

    name: str

    def encode(self, request_id: int, request: Request) -> str: ...

    def decode(self, frame: str | bytes) -> Inbound: ...
