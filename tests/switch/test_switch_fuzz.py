"""Thousands of random bad frames from one console while two others keep a call.

Seeded, so a failure replays. Every frame must get exactly one ``result`` or
``error`` (oversized ones: a 1009 close), the switch must log no error, and the
bystanders' call must still be CONNECTED and pass DTMF afterwards.
"""

from __future__ import annotations

import json
import random

import pytest

from console.core.protocol import MAX_FRAME
from console.switch import connection

from .conftest import connect_call
from .wire import Wire

FRAMES = 3000
SEED = 20240611
TYPES = ["login", "restore", "logout", "dial", "accept", "answer", "decline", "disconnect",
         "hold", "retrieve", "transfer", "dtmf", "media", "result", "error", "call", "logged_out", "bogus"]
VALUES = [None, True, False, 0, -1, 1.5, 2**60, "", "x" * 300, "9000", "201", "c1", [], {}, [1, "a"],
          {"type": "offer", "sdp": "v=0\r\n"}, {"type": "offer", "sdp": "garbage"}, "\u0000\ud7ff\U0001f600"]


class Fuzzer:
    def __init__(self, rng: random.Random, call_ids: list[str]):
        self.rng = rng
        self.call_ids = call_ids
        self.next_id = 1

    def request(self) -> dict:
        """A well-formed request of a random type with plausible, often wrong, fields."""
        r = self.rng
        self.next_id += 1
        kind = r.choice(TYPES[:13])
        call = r.choice(self.call_ids + ["c1", "c2", "nope", ""])
        bodies = {
            "login": {"auth": r.choice(["password", "token", "x"]), "username": "guest", "password": "wrong"},
            "restore": {"identifier": r.choice(["", "made-up", "x" * 40])},
            "logout": {},
            "dial": {"number": r.choice(["9000", "9002", "9005", "9004", "201", "55555", "12ab", "9" * 40])},
            "transfer": {"call": call, "to": r.choice(self.call_ids + ["c3"])},
            "dtmf": {"call": call, "digits": r.choice(["1", "#*", "x", "ABCD", "123456789"])},
            "media": {"call": call, "sdp": {"type": "offer", "sdp": "v=0\r\n"}},
        }
        body = bodies.get(kind, {"call": call})
        return {"v": 1, "type": kind, "id": self.next_id, **body}

    def frame(self) -> tuple[str, str | bytes]:
        r = self.rng
        roll = r.random()
        if roll < 0.01:
            return "oversized", "{" + "x" * (MAX_FRAME + r.randint(1, 1000))
        if roll < 0.08:
            return "binary", r.randbytes(r.randint(0, 80))
        if roll < 0.16:
            return "garbage", "".join(chr(r.randint(1, 0x2FFF)) for _ in range(r.randint(0, 60)))
        if roll < 0.24:
            text = json.dumps(self.request())
            return "truncated", text[: r.randint(0, len(text) - 1)]
        if roll < 0.28:
            return "deep", "[" * r.randint(1000, 60000)
        if roll < 0.32:
            return "not-an-object", r.choice(["null", "42", '"s"', "[1,2]", "true", "1e999"])
        if roll < 0.70:
            frame = self.request()
            key = r.choice(list(frame) + ["extra", "v", "id", "type"])
            action = r.random()
            if action < 0.4:
                frame[key] = r.choice(VALUES)
            elif action < 0.6:
                frame.pop(key, None)
            else:
                frame[f"x{r.randint(0, 9)}"] = r.choice(VALUES)
            return "mutated", json.dumps(frame)
        return "request", json.dumps(self.request())


@pytest.mark.timeout(120)
async def test_fuzz_one_console_while_two_others_talk(switch, clients, monkeypatch):
    monkeypatch.setattr(connection, "RATE", 1e9)  # measure robustness, not the limiter
    monkeypatch.setattr(connection, "BURST", 1e9)
    alice, bob = await clients.login("alice"), await clients.login("bob")
    a, b = await connect_call(alice, bob, "202")
    rng = random.Random(SEED)
    fuzzer = Fuzzer(rng, [a, b])
    wire = await clients.login("guest", number="299")
    seen: dict[str, int] = {}
    for _ in range(FRAMES):
        kind, frame = fuzzer.frame()
        seen[kind] = seen.get(kind, 0) + 1
        await wire.send(frame)
        if kind == "oversized":
            assert await wire.wait_closed() == 1009
            wire = await reconnect(clients, wire)
            continue
        reply = await wire.take(lambda f: f.get("type") in ("result", "error"))
        assert reply.get("code") != "internal", (kind, frame, reply)
        if reply["type"] == "error":
            assert "id" in reply and reply["message"]
        else:
            assert kind in ("request", "mutated"), (kind, frame, reply)
        wire.frames.clear()  # drop the events of the fuzzer's own calls
        if reply["type"] == "result" and json.loads(frame).get("type") == "logout":
            assert await wire.wait_closed() == 1000
            wire = await reconnect(clients, wire)
    assert seen["oversized"] > 5 and seen["binary"] > 100 and seen["request"] > 500
    assert not alice.pending("call") and not bob.pending("call")
    await alice.request("dtmf", call=a, digits="1*")
    assert (await bob.event("dtmf", call=b))["digits"] == "1*"
    await bob.request("dtmf", call=b, digits="#9")
    assert (await alice.event("dtmf", call=a))["digits"] == "#9"
    assert switch.stats()["legs"] >= 2


async def reconnect(clients, old: Wire) -> Wire:
    """Restore the fuzzer's session if it survived, else log in again."""
    wire = await clients.open()
    reply = await wire.ask("restore", identifier=old.session["identifier"])
    if reply["type"] == "error":
        wire.session = await wire.login("guest", number="299")
    else:
        wire.session = reply  # the restore's result carries the session's new identifier
    return wire
