"""Our JSON protocol (docs/PROTOCOL.md) as a :class:`~console.core.client.wire.ClientWire`."""

from __future__ import annotations

from typing import Any, Mapping

from console.core.directory import MAX_DIRECTORY, DirectoryEntry, Orbit, PresenceState, TurnedAway, parse_presence
from console.core.callinfo import CallInfo
from console.core.enums import ErrorCode
from console.core.errors import ProtocolError, RemoteProtocolError
from console.core.machines import CallRequest
from console.core.protocol import Message, MsgType, call_id_list, decode, encode, validate_ice_servers
from console.core.queues import QueueStatus

from .wire import (
    ATTENDANT_REQUESTS, AttendantData, AttendantRequest, CallReport, ConferenceCommand, ConferenceReport, DigitsReport,
    DirectoryRequest, DndRequest, IceServer, Inbound, LoginRequest, LoginResult, LogoutRequest, OrbitReport,
    PresenceReport, QueuePauseRequest, QueueStatusRequest, Refusal, Reply, Request, RestoreRequest, SessionEnded,
    SubscribeRequest, TurnedAwayReport, WireCapabilities,
)

_CALL_TYPES = {request: MsgType(str(request)) for request in CallRequest}


class JsonWire:
    name = "json"
    capabilities = WireCapabilities(attendant=True, queues=True)  # the attendant extension, conference; queues

    def encode(self, request_id: int, request: Request) -> str:
        if isinstance(request, LoginRequest):
            body: dict[str, Any] = {
                "auth": str(request.auth), "username": request.username, "password": request.password,
                "token": request.token, "number": request.number, "client": request.client,
                "notification": bool(request.notification),
            }
            return _frame(MsgType.LOGIN, request_id, body)
        if isinstance(request, RestoreRequest):
            return _frame(MsgType.RESTORE, request_id, {"identifier": request.identifier,
                                                         "notification": bool(request.notification),
                                                         "client": request.client})
        if isinstance(request, LogoutRequest):
            return _frame(MsgType.LOGOUT, request_id, {})
        if isinstance(request, ATTENDANT_REQUESTS):
            return _attendant_frame(request_id, request)
        if isinstance(request, ConferenceCommand):
            if request.leave:
                return _frame(MsgType.CONFERENCE_LEAVE, request_id, {"conference": request.conference})
            return _frame(MsgType.CONFERENCE, request_id, {"calls": list(request.calls)})
        body = {"call": request.call, "number": request.number, "name": request.name, "sdp": request.sdp,
                "to": request.to, "digits": request.digits, "orbit": request.orbit,
                "recall": request.recall if request.request in _RECALLING else None}
        return _frame(_CALL_TYPES[request.request], request_id, body)

    def decode(self, frame: str | bytes) -> Inbound:
        try:
            msg = decode(frame)
        except ProtocolError as exc:
            raise RemoteProtocolError(exc.code, exc.message, exc.request_id) from None
        if msg.type is MsgType.RESULT:
            assert msg.id is not None  # the schema requires it
            return _reply(msg)
        if msg.type is MsgType.ERROR:
            return Refusal(msg.id, str(msg.get("code")), str(msg.get("message")))
        if msg.type is MsgType.CALL:
            return CallReport(_call_info(msg.get("call"), None))
        if msg.type is MsgType.DTMF:
            return DigitsReport(msg.get("call"), msg.get("digits"))
        if msg.type is MsgType.CONFERENCE_STATE:
            try:
                calls = call_id_list(msg.get("calls"))
            except ProtocolError as exc:
                raise RemoteProtocolError(exc.code, exc.message, None) from None
            return ConferenceReport(str(msg.get("conference")), calls, max(0, int(msg.get("parties"))))
        if msg.type is MsgType.LOGOUT_EVENT:
            return SessionEnded(str(msg.get("reason")))
        if msg.type is MsgType.PRESENCE:
            try:
                return PresenceReport(msg.get("number"), PresenceState(msg.get("state")))
            except ValueError:
                raise RemoteProtocolError(ErrorCode.MALFORMED, f"unknown presence state {msg.get('state')!r}") from None
        if msg.type is MsgType.ORBIT:
            return OrbitReport(_checked(Orbit.from_wire, msg.get("orbit"), None))
        if msg.type is MsgType.TURNED_AWAY:
            return TurnedAwayReport(_checked(TurnedAway.from_wire, msg.body, None))
        raise RemoteProtocolError(ErrorCode.UNKNOWN_TYPE, f"a console does not expect a {msg.type} frame", msg.id)


_RECALLING = frozenset({CallRequest.TRANSFER, CallRequest.BLIND_TRANSFER})


def _frame(msg_type: MsgType, request_id: int, body: dict[str, Any]) -> str:
    return encode(Message(msg_type, request_id, {k: v for k, v in body.items() if v is not None}))


def _reply(msg: Message) -> Reply:
    rid = msg.id
    login = None
    if "identifier" in msg.body or "calls" in msg.body or "ice_servers" in msg.body:
        calls = msg.get("calls") or []
        if not isinstance(calls, list):
            raise RemoteProtocolError(ErrorCode.MALFORMED, "calls must be a list", rid)
        lifetime = msg.get("lifetime")
        login = LoginResult(
            identifier=_opt_str(msg.get("identifier"), rid),
            number=_opt_str(msg.get("number"), rid),
            name=_opt_str(msg.get("name"), rid),
            lifetime=float(lifetime) if isinstance(lifetime, (int, float)) and not isinstance(lifetime, bool) and lifetime > 0 else None,
            ice_servers=_ice_servers(msg.get("ice_servers"), rid),
            calls=tuple(_call_info(c, rid) for c in calls),
        )
    call = _call_info(msg.get("call"), rid) if msg.get("call") is not None else None
    sdp = msg.get("sdp")
    if sdp is not None and not (isinstance(sdp, dict) and isinstance(sdp.get("sdp"), str) and sdp.get("type") == "answer"):
        raise RemoteProtocolError(ErrorCode.INVALID_SDP, 'a result\'s sdp must be {"type": "answer", "sdp": "..."}', rid)
    return Reply(rid, login=login, call=call, sdp=sdp, attendant=_attendant_data(msg))  # type: ignore[arg-type]


def _attendant_frame(request_id: int, request: AttendantRequest) -> str:
    if isinstance(request, DirectoryRequest):
        return _frame(MsgType.DIRECTORY, request_id, {})
    if isinstance(request, SubscribeRequest):
        return _frame(MsgType.SUBSCRIBE, request_id, {"presence": bool(request.presence)})
    if isinstance(request, DndRequest):
        return _frame(MsgType.DND, request_id, {"on": bool(request.on)})
    if isinstance(request, QueuePauseRequest):
        return _frame(MsgType.QUEUE_PAUSE, request_id, {"queue": request.queue, "paused": bool(request.paused)})
    if isinstance(request, QueueStatusRequest):
        return _frame(MsgType.QUEUE_STATUS, request_id, {"queue": request.queue})
    # forwarding: every field is sent, null meaning off
    return encode(Message(MsgType.FORWARDING, request_id, {
        "always": request.always, "busy": request.busy, "no_answer": request.no_answer,
        **({"after": request.after} if request.after is not None else {})}))


def _attendant_data(msg: Message) -> AttendantData | None:
    rid = msg.id
    if not any(k in msg.body for k in ("entries", "presence", "orbits", "orbit", "queue", "queues")):
        return None
    queues = msg.get("queues")
    if queues is not None and (not isinstance(queues, list) or len(queues) > 64
                               or not all(isinstance(q, str) and len(q) <= 64 for q in queues)):
        raise RemoteProtocolError(ErrorCode.MALFORMED, "queues must be a list of queue numbers", rid)
    entries = msg.get("entries")
    orbits = msg.get("orbits")
    orbit = msg.get("orbit")
    for name, value in (("entries", entries), ("orbits", orbits)):
        if value is not None and (not isinstance(value, list) or len(value) > MAX_DIRECTORY):
            raise RemoteProtocolError(ErrorCode.MALFORMED, f"{name} must be a list of at most {MAX_DIRECTORY}", rid)
    return AttendantData(
        entries=None if entries is None else tuple(_checked(DirectoryEntry.from_wire, e, rid) for e in entries),
        presence=None if msg.get("presence") is None else _checked(parse_presence, msg.get("presence"), rid),
        orbits=None if orbits is None else tuple(_checked(Orbit.from_wire, o, rid) for o in orbits),
        orbit=_opt_str(orbit, rid),
        queue=None if msg.get("queue") is None else _checked(QueueStatus.from_wire, msg.get("queue"), rid),
        queues=None if queues is None else tuple(queues),
    )


def _checked(parse, data: Any, rid: int | None) -> Any:
    try:
        return parse(data)
    except ProtocolError as exc:
        raise RemoteProtocolError(exc.code, exc.message, rid) from None


def _call_info(data: Any, rid: int | None) -> CallInfo:
    if not isinstance(data, Mapping):
        raise RemoteProtocolError(ErrorCode.MALFORMED, "call must be an object", rid)
    try:
        return CallInfo.from_wire(data)
    except ProtocolError as exc:
        raise RemoteProtocolError(exc.code, exc.message, rid) from None


def _opt_str(value: Any, rid: int | None) -> str | None:
    if value is None or (isinstance(value, str) and len(value) <= 256):
        return value
    raise RemoteProtocolError(ErrorCode.MALFORMED, "expected a string of at most 256 characters", rid)


def _ice_servers(value: Any, rid: int | None) -> tuple[IceServer, ...] | None:
    """``[{urls: str | [str], username?, credential?}]``; absent means none named."""
    if value is None:
        return None
    try:
        servers = validate_ice_servers(value)
    except ProtocolError as exc:
        raise RemoteProtocolError(exc.code, exc.message, rid) from None
    return tuple(IceServer(tuple([s["urls"]] if isinstance(s["urls"], str) else s["urls"]),
                           s.get("username"), s.get("credential")) for s in servers)
