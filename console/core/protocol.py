"""The wire protocol, sans I/O: frames to messages and back, validated.

Every frame is a JSON object ``{"v": 1, "type": ..., "id": ..., ...}``. The
schema table below is the single place that says which fields a message type
carries; ``docs/PROTOCOL.md`` describes the same table in prose. Both the
console and the switch decode with :func:`decode` and build with
:func:`encode`, so a frame one side accepts is a frame the other sends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Mapping

from .enums import ErrorCode
from .errors import ProtocolError

VERSION = 1
MAX_FRAME = 64 * 1024  # bytes; websockets enforces it too (max_size)
MAX_ID = 2**53 - 1  # request ids must survive a JavaScript peer


class MsgType(StrEnum):
    # console -> switch (requests; each carries an id)
    LOGIN = "login"
    RESTORE = "restore"
    LOGOUT = "logout"
    DIAL = "dial"
    ACCEPT = "accept"
    ANSWER = "answer"
    DECLINE = "decline"
    DISCONNECT = "disconnect"
    HOLD = "hold"
    RETRIEVE = "retrieve"
    TRANSFER = "transfer"
    DTMF = "dtmf"  # also switch -> console, without id
    MEDIA = "media"
    # switch -> console
    RESULT = "result"
    ERROR = "error"
    CALL = "call"
    LOGOUT_EVENT = "logged_out"
    # attendant extension (docs/PROTOCOL.md, "Attendant extension")
    DIRECTORY = "directory"
    SUBSCRIBE = "subscribe"
    BLIND_TRANSFER = "blind_transfer"
    PARK = "park"
    DND = "dnd"
    FORWARDING = "forwarding"
    PRESENCE = "presence"  # switch -> console
    ORBIT = "orbit"  # switch -> console
    TURNED_AWAY = "turned_away"  # switch -> console: a caller DND or forwarding sent elsewhere
    # conference (docs/PROTOCOL.md, "Conference"): console -> switch requests, then switch -> console event
    CONFERENCE = "conference"
    CONFERENCE_LEAVE = "conference_leave"
    CONFERENCE_STATE = "conference_state"
    # queues shared by operators (docs/PROTOCOL.md, "Queues"): console -> switch requests
    QUEUE_PAUSE = "queue_pause"
    QUEUE_STATUS = "queue_status"


# Field types: a tuple of accepted Python types. ``None`` in the tuple allows null.
_STR = (str,)
_OPT_STR = (str, type(None))
_BOOL = (bool,)
_DICT = (dict,)
_OPT_DICT = (dict, type(None))
_LIST = (list,)
_OPT_INT = (int, type(None))


@dataclass(frozen=True)
class Field:
    types: tuple[type, ...]
    required: bool = True
    max_len: int = 256  # for strings; SDP is checked separately


# type -> (needs an id?, {field: Field})
SCHEMA: dict[MsgType, tuple[bool, dict[str, Field]]] = {
    MsgType.LOGIN: (True, {
        "auth": Field(_STR, max_len=16),
        "username": Field(_OPT_STR, required=False),
        "password": Field(_OPT_STR, required=False, max_len=1024),
        "token": Field(_OPT_STR, required=False, max_len=8192),
        "number": Field(_OPT_STR, required=False, max_len=64),
        "notification": Field(_BOOL, required=False),
        "client": Field(_OPT_STR, required=False),
    }),
    MsgType.RESTORE: (True, {
        "identifier": Field(_STR),
        "notification": Field(_BOOL, required=False),
        "client": Field(_OPT_STR, required=False),
    }),
    MsgType.LOGOUT: (True, {}),
    MsgType.DIAL: (True, {
        "number": Field(_STR, max_len=64),
        "name": Field(_OPT_STR, required=False),
        "sdp": Field(_OPT_DICT, required=False),
    }),
    MsgType.ACCEPT: (True, {"call": Field(_STR, max_len=64)}),
    MsgType.ANSWER: (True, {"call": Field(_STR, max_len=64), "sdp": Field(_OPT_DICT, required=False)}),
    MsgType.DECLINE: (True, {"call": Field(_STR, max_len=64)}),
    MsgType.DISCONNECT: (True, {"call": Field(_STR, max_len=64)}),
    MsgType.HOLD: (True, {"call": Field(_STR, max_len=64), "sdp": Field(_OPT_DICT, required=False)}),
    MsgType.RETRIEVE: (True, {"call": Field(_STR, max_len=64), "sdp": Field(_OPT_DICT, required=False)}),
    MsgType.TRANSFER: (True, {"call": Field(_STR, max_len=64), "to": Field(_STR, max_len=64),
                              "recall": Field((int, float, type(None)), required=False)}),
    MsgType.DTMF: (False, {"call": Field(_STR, max_len=64), "digits": Field(_STR, max_len=32)}),
    MsgType.MEDIA: (True, {"call": Field(_STR, max_len=64), "sdp": Field(_DICT)}),
    MsgType.RESULT: (True, {}),  # free-form body, depends on the request
    MsgType.ERROR: (False, {
        "code": Field(_STR, max_len=64),
        "message": Field(_STR, max_len=1024),
    }),
    MsgType.CALL: (False, {"call": Field(_DICT)}),
    MsgType.LOGOUT_EVENT: (False, {"reason": Field(_STR, max_len=64)}),
}

# -- attendant extension: directory, presence, blind transfer, park, DND, forwarding --
_NUMBER = Field(_STR, max_len=64)
_OPT_NUMBER = Field(_OPT_STR, required=False, max_len=64)
SCHEMA.update({
    MsgType.DIRECTORY: (True, {}),
    MsgType.SUBSCRIBE: (True, {"presence": Field(_BOOL)}),
    MsgType.BLIND_TRANSFER: (True, {"call": Field(_STR, max_len=64), "number": _NUMBER,
                                    "recall": Field((int, float, type(None)), required=False)}),
    MsgType.PARK: (True, {"call": Field(_STR, max_len=64), "orbit": _OPT_NUMBER}),
    MsgType.DND: (True, {"on": Field(_BOOL)}),
    MsgType.FORWARDING: (True, {"always": _OPT_NUMBER, "busy": _OPT_NUMBER, "no_answer": _OPT_NUMBER,
                                "after": Field((int, float, type(None)), required=False)}),
    MsgType.PRESENCE: (False, {"number": _NUMBER, "state": Field(_STR, max_len=16)}),
    MsgType.ORBIT: (False, {"orbit": Field(_DICT)}),
    MsgType.TURNED_AWAY: (False, {"number": _NUMBER, "name": Field(_OPT_STR, required=False),
                                  "at": Field((int, float)), "why": Field(_STR, max_len=16), "to": _OPT_NUMBER}),
})
ATTENDANT_REQUESTS = frozenset({
    MsgType.DIRECTORY, MsgType.SUBSCRIBE, MsgType.BLIND_TRANSFER, MsgType.PARK, MsgType.DND, MsgType.FORWARDING,
})

# Conference (docs/PROTOCOL.md, "Conference"). A list's items are checked by the side that reads it.
MAX_CONFERENCE_CALLS = 32  # call ids in one conference request or state event
SCHEMA.update({
    MsgType.CONFERENCE: (True, {"calls": Field(_LIST)}),
    MsgType.CONFERENCE_LEAVE: (True, {"conference": Field(_STR, max_len=64)}),
    MsgType.CONFERENCE_STATE: (False, {
        "conference": Field(_STR, max_len=64),
        "calls": Field(_LIST),
        "parties": Field((int,)),
    }),
})

# Queues (docs/PROTOCOL.md, "Queues"): a member pauses itself (in one queue, or all of its queues), anyone reads one.
SCHEMA.update({
    MsgType.QUEUE_PAUSE: (True, {"queue": _OPT_NUMBER, "paused": Field(_BOOL)}),
    MsgType.QUEUE_STATUS: (True, {"queue": _NUMBER}),
})
QUEUE_REQUESTS = frozenset({MsgType.QUEUE_PAUSE, MsgType.QUEUE_STATUS})

REQUESTS = frozenset({
    MsgType.LOGIN, MsgType.RESTORE, MsgType.LOGOUT, MsgType.DIAL, MsgType.ACCEPT,
    MsgType.ANSWER, MsgType.DECLINE, MsgType.DISCONNECT, MsgType.HOLD,
    MsgType.RETRIEVE, MsgType.TRANSFER, MsgType.DTMF, MsgType.MEDIA,
    MsgType.CONFERENCE, MsgType.CONFERENCE_LEAVE,
}) | ATTENDANT_REQUESTS | QUEUE_REQUESTS


def call_id_list(value: Any, request_id: int | None = None) -> tuple[str, ...]:
    """A conference's ``calls``: 1 to MAX_CONFERENCE_CALLS distinct call ids (strings of 1-64 characters)."""
    if (not isinstance(value, list) or len(value) > MAX_CONFERENCE_CALLS
            or not all(isinstance(c, str) and 0 < len(c) <= 64 for c in value) or len(set(value)) != len(value)):
        raise ProtocolError(ErrorCode.MALFORMED, f"calls must be a list of at most {MAX_CONFERENCE_CALLS} "
                                                 "distinct call ids", request_id)
    return tuple(value)


MAX_SDP = 48 * 1024


@dataclass(frozen=True)
class Message:
    """One decoded frame. ``body`` holds every field but ``v``, ``type`` and ``id``."""

    type: MsgType
    id: int | None = None
    body: Mapping[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.body.get(name, default)


def encode(msg: Message) -> str:
    frame: dict[str, Any] = {"v": VERSION, "type": str(msg.type)}
    if msg.id is not None or msg.type is MsgType.ERROR:  # an error always says which request (or null)
        frame["id"] = msg.id
    frame.update(msg.body)
    return json.dumps(frame, separators=(",", ":"), default=str)


def decode(text: str | bytes) -> Message:
    """Parse and validate one frame, or raise :class:`ProtocolError`."""
    if len(text) > MAX_FRAME:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"frame of {len(text)} bytes exceeds {MAX_FRAME}")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(ErrorCode.MALFORMED, f"frame is not UTF-8: {exc}") from None
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(ErrorCode.MALFORMED, f"frame is not JSON: {exc}") from None
    if not isinstance(frame, dict):
        raise ProtocolError(ErrorCode.MALFORMED, "frame is not a JSON object")
    request_id = frame.get("id")
    if request_id is not None and (
        not isinstance(request_id, int) or isinstance(request_id, bool) or not 0 <= request_id <= MAX_ID
    ):
        raise ProtocolError(ErrorCode.MALFORMED, "id must be a non-negative integer")
    version = frame.get("v")
    if version != VERSION:
        raise ProtocolError(ErrorCode.UNSUPPORTED_VERSION, f"version {version!r} unsupported; this side speaks v{VERSION}", request_id)
    try:
        msg_type = MsgType(frame.get("type"))
    except ValueError:
        raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown message type {frame.get('type')!r}", request_id) from None
    needs_id, fields = SCHEMA[msg_type]
    if needs_id and request_id is None:
        raise ProtocolError(ErrorCode.MALFORMED, f"{msg_type} needs an id", None)
    body = {k: v for k, v in frame.items() if k not in ("v", "type", "id")}
    for name, spec in fields.items():
        if name not in body:
            if spec.required:
                raise ProtocolError(ErrorCode.MALFORMED, f"{msg_type} lacks field {name!r}", request_id)
            continue
        value = body[name]
        if isinstance(value, bool) and bool not in spec.types:
            raise ProtocolError(ErrorCode.MALFORMED, f"field {name!r} has the wrong type", request_id)
        if not isinstance(value, spec.types):
            raise ProtocolError(ErrorCode.MALFORMED, f"field {name!r} has the wrong type", request_id)
        if isinstance(value, str) and len(value) > spec.max_len:
            raise ProtocolError(ErrorCode.MALFORMED, f"field {name!r} is longer than {spec.max_len}", request_id)
    if msg_type in REQUESTS:
        unknown = set(body) - set(fields)
        if unknown:
            raise ProtocolError(ErrorCode.MALFORMED, f"{msg_type} has unknown fields {sorted(unknown)}", request_id)
        if "sdp" in body and body["sdp"] is not None:
            validate_sdp(body["sdp"], request_id)
    return Message(msg_type, request_id, body)


def validate_sdp(sdp: Any, request_id: int | None = None) -> None:
    """An SDP object is ``{"type": "offer"|"answer", "sdp": str}``."""
    if (
        not isinstance(sdp, dict)
        or set(sdp) != {"type", "sdp"}
        or sdp["type"] not in ("offer", "answer")
        or not isinstance(sdp["sdp"], str)
    ):
        raise ProtocolError(ErrorCode.INVALID_SDP, 'sdp must be {"type": "offer"|"answer", "sdp": "..."}', request_id)
    if len(sdp["sdp"]) > MAX_SDP:
        raise ProtocolError(ErrorCode.INVALID_SDP, f"sdp longer than {MAX_SDP}", request_id)
    if not sdp["sdp"].startswith("v=0"):
        raise ProtocolError(ErrorCode.INVALID_SDP, "sdp does not start with v=0", request_id)


# Result bodies that carry more than call objects: (field, types, required).
LOGIN_RESULT: dict[str, Field] = {
    "identifier": Field(_STR),
    "number": Field(_OPT_STR),
    "name": Field(_STR),
    "lifetime": Field((int, float)),
    "ice_servers": Field(_LIST),  # RTCIceServer objects: {"urls", "username"?, "credential"?}
}
RESTORE_RESULT: dict[str, Field] = {**LOGIN_RESULT, "calls": Field(_LIST)}
MAX_ICE_SERVERS = 16


def validate_ice_servers(servers: Any) -> list[dict[str, Any]]:
    """Check an ``ice_servers`` list (as in RTCConfiguration.iceServers); return it normalised.

    Each item is ``{"urls": str | [str, ...], "username"?: str, "credential"?: str}``;
    ``urls`` are ``stun:``, ``stuns:``, ``turn:`` or ``turns:`` URIs. Raises ProtocolError(MALFORMED).
    """
    def bad(why: str) -> ProtocolError:
        return ProtocolError(ErrorCode.MALFORMED, f"ice_servers: {why}")

    if not isinstance(servers, list) or len(servers) > MAX_ICE_SERVERS:
        raise bad(f"must be a list of at most {MAX_ICE_SERVERS} servers")
    normal = []
    for i, server in enumerate(servers):
        if not isinstance(server, dict) or not set(server) <= {"urls", "username", "credential"} or "urls" not in server:
            raise bad(f"item {i} must be an object with urls and optional username, credential")
        urls = server["urls"]
        url_list = [urls] if isinstance(urls, str) else urls
        if not isinstance(url_list, list) or not url_list:
            raise bad(f"item {i}: urls must be a string or a non-empty list of strings")
        for url in url_list:
            if not isinstance(url, str) or len(url) > 256 or url.split(":", 1)[0] not in ("stun", "stuns", "turn", "turns"):
                raise bad(f"item {i}: {url!r} is not a stun:, stuns:, turn: or turns: URI")
        item: dict[str, Any] = {"urls": urls}
        for key in ("username", "credential"):
            if key in server:
                if not isinstance(server[key], str) or len(server[key]) > 1024:
                    raise bad(f"item {i}: {key} must be a string")
                item[key] = server[key]
        normal.append(item)
    return normal


# Builders: one per message, so neither side spells a frame by hand.

def request(msg_type: MsgType, request_id: int, **body: Any) -> Message:
    return Message(msg_type, request_id, {k: v for k, v in body.items() if v is not None})


def result(request_id: int, **body: Any) -> Message:
    return Message(MsgType.RESULT, request_id, body)


def error(code: ErrorCode, message: str, request_id: int | None = None) -> Message:
    return Message(MsgType.ERROR, request_id, {"code": str(code), "message": message})
