"""Bad frames: each gets a defined error, the connection and other calls unharmed."""

from __future__ import annotations

import json
import logging

from console.core.protocol import MAX_FRAME

from .conftest import connect_call


async def reply_to(wire, frame) -> dict:
    await wire.send(frame)
    return await wire.take(lambda f: f.get("type") in ("result", "error"))


async def test_binary_frames_are_malformed(clients):
    wire = await clients.login("alice")
    reply = await reply_to(wire, b'{"v":1,"type":"logout","id":1}')
    assert reply["code"] == "malformed" and reply["id"] is None


async def test_bad_envelopes(clients):
    wire = await clients.login("alice")
    cases = [
        ("not json", "malformed", None),
        ("[1, 2]", "malformed", None),
        ({"v": 2, "type": "dial", "id": 5, "number": "9000"}, "unsupported_version", 5),
        ({"v": 1, "type": "fly", "id": 6}, "unknown_type", 6),
        ({"v": 1, "type": "result", "id": 7}, "unknown_type", 7),
        ({"v": 1, "type": "dtmf", "call": "c1", "digits": "1"}, "malformed", None),
        ({"v": 1, "type": "dial", "id": 8, "number": "9000", "extra": 1}, "malformed", 8),
        ({"v": 1, "type": "dial", "id": 9}, "malformed", 9),
        ({"v": 1, "type": "dial", "id": -1, "number": "9000"}, "malformed", None),
        ({"v": 1, "type": "media", "id": 10, "call": "c1", "sdp": {"type": "offer", "sdp": "nope"}}, "invalid_sdp", 10),
        ({"v": 1, "type": "login", "id": 11, "auth": "magic"}, "already_logged_in", 11),
    ]
    for frame, code, request_id in cases:
        reply = await reply_to(wire, json.dumps(frame) if isinstance(frame, dict) else frame)
        assert (reply["code"], reply["id"]) == (code, request_id), frame
    call = (await wire.request("dial", number="9000"))["call"]["call"]
    await wire.call(call, "CONNECTED")


async def test_oversized_frame_closes_with_1009_and_the_session_survives(switch, clients):
    wire = await clients.login("alice")
    await wire.send("x" * (MAX_FRAME + 1))
    assert await wire.wait_closed() == 1009
    again = await clients.open()
    await again.request("restore", identifier=wire.session["identifier"])


async def test_a_flood_is_rate_limited_and_every_frame_answered(clients):
    wire = await clients.login("alice")
    for i in range(1000):
        await wire.send({"v": 1, "type": "dtmf", "id": 1000 + i, "call": "c0", "digits": "1"})
    codes = [(await wire.event("error", id=1000 + i))["code"] for i in range(1000)]
    assert "rate_limited" in codes and "unknown_call" in codes
    assert set(codes) == {"rate_limited", "unknown_call"}


async def test_an_exception_in_a_handler_is_an_internal_error(switch, clients, caplog):
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a, b = await connect_call(alice, bob, "202")

    def broken(*args):
        raise RuntimeError("boom")

    switch.exchange.dtmf = broken
    assert (await alice.ask("dtmf", call=a, digits="1"))["code"] == "internal"
    assert any("boom" in (r.exc_text or "") or r.exc_info for r in caplog.records if r.levelno == logging.ERROR)
    del switch.exchange.dtmf
    await alice.request("dtmf", call=a, digits="2")
    assert (await bob.event("dtmf", call=b))["digits"] == "2"
    caplog.clear()  # the error above was expected
