"""The wire codec: every bad frame becomes a ProtocolError naming what is wrong."""

from __future__ import annotations

import json

import pytest

from console.core.callinfo import CallInfo
from console.core.enums import CALL_STATES, DISC_REASON, Direction, ErrorCode
from console.core.errors import ProtocolError
from console.core.protocol import MAX_FRAME, SCHEMA, Message, MsgType, decode, encode, error, request, result


def frame(**fields) -> str:
    return json.dumps({"v": 1, **fields})


def test_round_trip_of_every_request_type():
    for msg_type, (needs_id, fields) in SCHEMA.items():
        body = {}
        for name, spec in fields.items():
            if spec.required:
                body[name] = {str: "x", dict: {"call": "c1"}, bool: True, list: ["c1"], int: 1}[spec.types[0]]
        if "sdp" in fields and fields["sdp"].required:
            body["sdp"] = {"type": "offer", "sdp": "v=0\r\n"}
        msg = Message(msg_type, 7 if needs_id else None, body)
        assert decode(encode(msg)) == msg


@pytest.mark.parametrize("text, code", [
    ("not json", ErrorCode.MALFORMED),
    ("[1, 2]", ErrorCode.MALFORMED),
    (frame(type="dial", number="1"), ErrorCode.MALFORMED),  # no id
    (json.dumps({"v": 2, "type": "logout", "id": 1}), ErrorCode.UNSUPPORTED_VERSION),
    (frame(type="teleport", id=1), ErrorCode.UNKNOWN_TYPE),
    (frame(type="dial", id=1), ErrorCode.MALFORMED),  # lacks number
    (frame(type="dial", id=1, number=5), ErrorCode.MALFORMED),
    (frame(type="dial", id=1, number="1", extra=1), ErrorCode.MALFORMED),
    (frame(type="dial", id=-1, number="1"), ErrorCode.MALFORMED),
    (frame(type="dial", id=True, number="1"), ErrorCode.MALFORMED),
    (frame(type="dial", id=1, number="1" * 65), ErrorCode.MALFORMED),
    (frame(type="login", id=1, auth="password", notification="yes"), ErrorCode.MALFORMED),
    (frame(type="media", id=1, call="c", sdp={"type": "offer"}), ErrorCode.INVALID_SDP),
    (frame(type="media", id=1, call="c", sdp={"type": "pranswer", "sdp": "v=0"}), ErrorCode.INVALID_SDP),
    (frame(type="media", id=1, call="c", sdp={"type": "offer", "sdp": "hello"}), ErrorCode.INVALID_SDP),
    ("x" * (MAX_FRAME + 1), ErrorCode.TOO_LARGE),
    (b"\xff\xfe", ErrorCode.MALFORMED),
    ("[" * 100000, ErrorCode.TOO_LARGE),
])
def test_bad_frames(text, code):
    with pytest.raises(ProtocolError) as info:
        decode(text)
    assert info.value.code is code
    assert info.value.message


def test_error_keeps_the_request_id_when_it_could_be_read():
    with pytest.raises(ProtocolError) as info:
        decode(frame(type="dial", id=42))
    assert info.value.request_id == 42


def test_deeply_nested_json_is_malformed_not_a_crash():
    with pytest.raises(ProtocolError):
        decode("[" * 30000 + "]" * 30000)


def test_builders():
    assert decode(encode(request(MsgType.DIAL, 1, number="9000", name=None))).body == {"number": "9000"}
    assert decode(encode(result(3, identifier="abc"))).get("identifier") == "abc"
    err = decode(encode(error(ErrorCode.WRONG_STATE, "no", 4)))
    assert err.type is MsgType.ERROR and err.id == 4 and err.get("code") == "wrong_state"


def test_call_info_round_trip_and_validation():
    info = CallInfo("c1", Direction.IN, CALL_STATES.DISCONNECTED, "200", "Op", "201", "Alice", DISC_REASON.BUSY)
    assert CallInfo.from_wire(json.loads(json.dumps(info.to_wire()))) == info
    with pytest.raises(ProtocolError):
        CallInfo.from_wire({"call": "c1", "direction": "sideways", "state": "IDLE"})
    with pytest.raises(ProtocolError):
        CallInfo.from_wire({"call": 5, "direction": "in", "state": "IDLE"})


def test_ice_servers_are_validated():
    from console.core.protocol import validate_ice_servers

    good = [{"urls": "stun:a:3478"}, {"urls": ["turn:b", "turns:b"], "username": "u", "credential": "c"}]
    assert validate_ice_servers(good) == good
    for bad in ("stun:a", [{"urls": []}], [{"urls": "http://a"}], [{"urls": "stun:a", "extra": 1}], [{"urls": "stun:a"}] * 17, [{"urls": "stun:a", "credential": 3}]):
        with pytest.raises(ProtocolError) as err:
            validate_ice_servers(bad)
        assert err.value.code == ErrorCode.MALFORMED
