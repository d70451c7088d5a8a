"""Everything an outsider can consume is bounded, and each bound says so in the log (issue 13, items 3, 5, 6)."""

from __future__ import annotations

import asyncio
import json
import logging
import socket

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from console.switch import connection
from console.switch.limits import Limits, TripLog



def tripped(caplog, limit: str) -> bool:
    return any(f"limit {limit}:" in r.getMessage() for r in caplog.records)


async def test_error_frames_quote_only_a_short_prefix_of_the_input(switch, clients):
    wire = await clients.open()
    huge = "\u00e9\u4e2d" * 8000  # 16,000 non-ASCII characters (40 KB of UTF-8): 6 bytes each once JSON-escaped
    for frame in (
        json.dumps({"v": 1, "type": huge, "id": 1}, ensure_ascii=False),
        json.dumps({"v": 1, "type": "login", "id": 2, "auth": huge}, ensure_ascii=False),
        json.dumps({"v": 1, "type": "login", "id": 3, "auth": "password", "username": "a", "password": "b",
                    "number": huge[:200]}, ensure_ascii=False),
        huge,
    ):
        await wire.send(frame)
        reply = await wire.take(lambda f: f.get("type") == "error")
        assert len(reply["message"]) <= switch.limits.error_echo
        assert len(json.dumps(reply)) < 1024


async def test_connections_are_limited_globally_and_per_address(start, clients, caplog):
    switch = await start(limits=Limits(max_connections=3, max_connections_per_address=2))
    first, second = await clients.open(switch), await clients.open(switch)
    await first.login("alice")
    await second.login("bob")
    third = await clients.open(switch)
    assert await third.wait_closed() == 1013  # a third from 127.0.0.1
    assert tripped(caplog, "max_connections_per_address")
    await second.close()
    await switch_connections(switch, 1)
    fourth = await clients.open(switch)
    await fourth.login("bob")  # room again
    assert switch.stats()["connections"] == 2

    crowded = await start(limits=Limits(max_connections=1))
    one = await clients.open(crowded)
    await one.login("alice")
    two = await clients.open(crowded)
    assert await two.wait_closed() == 1013
    assert tripped(caplog, "max_connections")


async def test_an_unauthenticated_connection_must_log_in_in_time(start, clients, caplog):
    switch = await start(limits=Limits(login_timeout=0.5))
    idle, working = await clients.open(switch), await clients.open(switch)
    await working.login("alice")
    assert await idle.wait_closed(timeout=5) == 1008
    assert tripped(caplog, "login_timeout")
    await switch_connections(switch, 1)
    await working.request("dial", number="9000")  # the logged-in one is untouched


async def test_a_fragmented_message_must_finish_in_time(start, caplog):
    switch = await start(limits=Limits(fragment_timeout=0.5, login_timeout=60))
    ws = await connect(switch.url, ping_interval=None)
    never = asyncio.Event()

    async def fragments():
        yield '{"v": 1, "type": "login", '
        await never.wait()

    sending = asyncio.create_task(ws.send(fragments()))
    try:
        async with asyncio.timeout(5):
            await ws.wait_closed()
        assert tripped(caplog, "fragment_timeout")
    finally:
        sending.cancel()
        await asyncio.gather(sending, return_exceptions=True)
        await ws.close()


async def test_a_console_that_does_not_read_is_cut_off_at_the_byte_bound(start, monkeypatch, caplog):
    """It floods requests and never reads the answers: the switch queues at most outbox_bytes for it."""
    monkeypatch.setattr(connection, "RATE", 1e9)
    monkeypatch.setattr(connection, "BURST", 1e9)
    limit = 32 * 1024
    switch = await start(limits=Limits(outbox_bytes=limit))
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", switch.port))
    ws = await connect(switch.url, sock=sock, ping_interval=None)
    ws.transport.pause_reading()
    conn = next(iter(switch.connections))
    peak = 0
    frame = json.dumps({"v": 1, "type": "dial", "id": 1, "number": "x" * 200})
    try:
        for _ in range(200_000):
            if conn.done.is_set():
                break
            try:
                await ws.send(frame)
            except (ConnectionClosed, OSError):
                break  # the switch cut us off
            peak = max(peak, conn.queued_bytes)
            await asyncio.sleep(0)
        async with asyncio.timeout(5):
            await conn.done.wait()
    finally:
        ws.transport.abort()
    assert tripped(caplog, "outbox")
    assert peak <= limit


async def test_a_user_places_at_most_max_calls(switch, clients):
    guest = await clients.login("guest", number="299")
    ids = [(await guest.request("dial", number="9005"))["call"]["call"] for _ in range(10)]  # no answer: they ring
    ends = {}
    for call in ids[8:]:
        ends[call] = (await guest.call(call, "DISCONNECTED"))["reason"]
    assert set(ends.values()) == {"CONGESTION"}
    assert switch.stats()["legs"] == 8
    alice = await clients.login("alice")
    mine = (await alice.request("dial", number="9000"))["call"]["call"]
    await alice.call(mine, "CONNECTED")  # everyone else still gets through


async def test_a_call_me_token_places_at_most_max_calls_over_all_its_sessions(switch, clients):
    """A Call Me login has no user: its token is whose calls ``max_calls`` counts (as for the sessions), so a
    replayed token does not get max_calls per session it opens."""
    from .test_switch_login import token

    replayed = token(switch, name="a web page")
    wires = [await clients.open() for _ in range(2)]
    for wire in wires:
        await wire.request("login", auth="token", token=replayed)
    ids = [(await wires[n % 2].request("dial", number="9005"))["call"]["call"] for n in range(10)]  # they ring
    ends = [(await wires[n % 2].call(call, "DISCONNECTED"))["reason"] for n, call in enumerate(ids) if n >= 8]
    assert ends == ["CONGESTION", "CONGESTION"]
    assert switch.stats()["legs"] == 8
    visitor = await clients.open()  # another visitor's token: its own calls
    await visitor.request("login", auth="token", token=token(switch, name="another visitor"))
    mine = (await visitor.request("dial", number="9000"))["call"]["call"]
    await visitor.call(mine, "CONNECTED")


async def test_sessions_per_user_are_bounded(start, clients, caplog):
    switch = await start(limits=Limits(max_sessions_per_user=2))
    first, second = await clients.login("alice", switch), await clients.login("alice", switch)
    third = await clients.open(switch)
    assert (await third.ask("login", auth="password", username="alice", password="alice"))["code"] == "auth_failed"
    await first.close()
    await switch_connections(switch, 2)  # second and third
    third.session = await third.login("alice")  # first's session, kept for restore, makes room
    assert switch.stats()["sessions"] == 2 and tripped(caplog, "max_sessions_per_user")
    assert second.session["identifier"] != third.session["identifier"]


async def test_a_black_holed_console_is_noticed_within_two_keepalives(start):
    """It stops reading (no pongs): the switch drops it within ping interval + ping timeout + close timeout."""
    switch = await start(limits=Limits(keepalive=0.5))
    ws = await connect(switch.url, ping_interval=None)
    await ws.send(json.dumps({"v": 1, "type": "login", "id": 1, "auth": "password", "username": "alice",
                              "password": "alice"}))
    await ws.recv()
    conn = next(iter(switch.connections))
    ws.transport.pause_reading()
    try:
        async with asyncio.timeout(0.5 + 0.5 + 2.0 + 1.5):  # 1.5 s of slack for a loaded machine
            await conn.done.wait()
    finally:
        ws.transport.abort()
    assert switch.stats() == {"sessions": 1, "connections": 0, "legs": 0}  # the session waits for restore


def test_the_trip_log_says_each_limit_once_per_period():
    now = [0.0]
    records: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    logger = logging.getLogger("test.trips")
    logger.addHandler(Catch())
    trips = TripLog(logger, every=10, clock=lambda: now[0])
    for _ in range(1000):
        trips.trip("outbox", "console at %s", "x")
    now[0] = 11
    trips.trip("outbox", "console at %s", "x")
    trips.trip("login_timeout", "y")
    assert records == ["limit outbox: console at x", "limit outbox: console at x (and 999 more times in the last 10 s)",
                       "limit login_timeout: y"]
    assert trips.trips == {"outbox": 1001, "login_timeout": 1}


@pytest.mark.parametrize("raw, message", [
    ({"max_connections": 0}, "[limits] max_connections: must be > 0"),
    ({"max_connections": 1.5}, "[limits] max_connections: must be an integer"),
    ({"login_timeout": "10"}, "[limits] login_timeout: must be a number"),
    ({"max_conections": 1}, "[limits] max_conections: unknown key"),
])
def test_limits_in_the_config_are_checked(raw, message):
    from console.switch.config import ConfigError, parse_config

    with pytest.raises(ConfigError) as err:
        parse_config({"limits": raw}, "switch.toml")
    assert str(err.value).startswith(f"switch.toml: {message}")
    assert parse_config({"limits": {"login_timeout": 3, "max_connections": 50}}).limits.login_timeout == 3


async def switch_connections(switch, count: int) -> None:
    """Wait until the switch's handlers of closed connections have returned, leaving ``count``."""
    async with asyncio.timeout(5):
        while len(switch.connections) > count:
            waits = [asyncio.ensure_future(c.done.wait()) for c in switch.connections]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waits:
                    w.cancel()


async def test_closes_are_the_ones_protocol_md_lists(switch, clients):
    """Bad UTF-8 in a text frame closes with 1007 (no error frame); the session survives for restore."""
    wire = await clients.login("alice")
    await wire.ws.send(b'{"v":1,"type":"\xff"}', text=True)
    assert await wire.wait_closed() == 1007
    again = await clients.open()
    await again.request("restore", identifier=wire.session["identifier"])


def test_every_limit_is_in_protocol_md():
    """Every bound is configurable and documented: each ``[limits]`` key has its row in docs/PROTOCOL.md's Limits."""
    from pathlib import Path

    from console.switch.limits import LIMIT_KEYS

    text = (Path(__file__).parents[2] / "docs" / "PROTOCOL.md").read_text(encoding="utf-8")
    table = text[text.index("## Limits"):text.index("## Conference")]
    assert [key for key in sorted(LIMIT_KEYS) if f"`{key}`" not in table] == []


async def test_one_call_me_token_cannot_open_sessions_without_bound(start, clients, caplog):
    """A Call Me token names no user, yet its sessions are bounded like a user's (``max_sessions_per_user``): a
    token replayed from a web page cannot fill the switch with restorable sessions. Another token is not held back."""
    from .test_switch_login import login_error, token

    switch = await start(limits=Limits(max_sessions_per_user=2))
    replayed = token(switch)  # no sub, no number: Call Me
    first, second = await clients.open(switch), await clients.open(switch)
    for wire in (first, second):
        await wire.request("login", auth="token", token=replayed)
    third = await clients.open(switch)
    assert await login_error(third, auth="token", token=replayed) == "auth_failed"
    other = await clients.open(switch)
    await other.request("login", auth="token", token=token(switch, name="another page"))
    assert switch.stats()["sessions"] == 3
    await first.close()
    await switch_connections(switch, 3)  # second, third and other
    await third.request("login", auth="token", token=replayed)  # first's session, kept for restore, makes room
    assert switch.stats()["sessions"] == 3 and tripped(caplog, "max_sessions_per_user")
