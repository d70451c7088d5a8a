"""Nobody outside can lock a user out (issue 17, items 11, 13, 14): the legitimate user under attack.

Other hosts are 127.0.0.x source addresses on loopback (the client socket is bound to them).
"""

from __future__ import annotations

import asyncio
import time

import jwt
from websockets.asyncio.client import ClientConnection, connect

from console.switch import auth
from console.switch.config import User, hash_password
from console.switch.limits import Limits

from .wire import Wire

OPERATOR, ELSEWHERE, GUESSER = "127.0.0.1", "127.0.0.3", "127.0.0.2"
WITHIN = 5.0  # s: the "all succeed within 5 s"


def token(switch, sub: str) -> str:
    cfg = switch.config.jwt
    claims = {"iss": cfg.issuer, "aud": cfg.audience, "exp": int(time.time()) + 60, "sub": sub}
    return jwt.encode(claims, cfg.secret, algorithm="HS256")


def trip_lines(caplog, limit: str) -> int:
    return sum(f"limit {limit}:" in r.getMessage() for r in caplog.records)


class Wires:
    def __init__(self, url: str):
        self.url, self.opened = url, []

    async def open(self, source: str = OPERATOR) -> Wire:
        wire = await Wire.open(self.url, source)
        self.opened.append(wire)
        return wire

    async def aclose(self) -> None:
        await asyncio.gather(*(w.close() for w in self.opened), return_exceptions=True)


async def guess(wires: Wires, username: str, guesses: int, source: str, width: int) -> list[str]:
    """``guesses`` wrong passwords for ``username`` from ``source`` over ``width`` connections at once; the codes."""
    codes: list[str] = []

    async def one_connection(count: int) -> None:
        wire = await wires.open(source)
        for n in range(count):
            reply = await _ask(wire, username, f"guess{n}")
            codes.append(reply["code"])

    share = [guesses // width + (i < guesses % width) for i in range(width)]
    await asyncio.gather(*(one_connection(n) for n in share if n))
    return codes


async def _ask(wire: Wire, username: str, password: str) -> dict:
    request_id = next(wire.ids)
    await wire.send({"v": 1, "type": "login", "id": request_id, "auth": "password", "username": username,
                     "password": password})
    return await wire.take(lambda f: f.get("id") == request_id, timeout=60)


async def timed(what) -> tuple[dict, float]:
    began = time.monotonic()
    result = await what
    return result, time.monotonic() - began


async def test_a_guesser_cannot_lock_the_operator_out_at_the_default_limits(start, caplog):
    """Issue 17: "100 wrong passwords for `operator` from one address, then the operator's right password from
    another address, a token login and a restore all succeed within 5 s" (the switch's default limits)."""
    switch = await start(session_lifetime=120.0)
    assert switch.limits == Limits()
    wires = Wires(switch.url)
    try:
        earlier = await wires.open(ELSEWHERE)  # a session to restore later, from a third address
        identifier = (await earlier.login("operator"))["identifier"]
        await earlier.close()

        codes = await guess(wires, "operator", 100, GUESSER, width=50)
        assert codes == ["auth_failed"] * 100
        assert trip_lines(caplog, "login_throttle") >= 1

        reply, took = await timed((await wires.open(OPERATOR)).login("operator"))
        assert reply["number"] == "200" and took < WITHIN, took
        reply, took = await timed((await wires.open(OPERATOR)).request("login", auth="token", token=token(switch, "operator")))
        assert reply["number"] == "200" and took < WITHIN, took
        reply, took = await timed((await wires.open(OPERATOR)).request("restore", identifier=identifier))
        assert reply["number"] == "200" and took < WITHIN, took
        # and from the guesser's own address, a token still gets in (password guessing never blocks a token)
        reply = await (await wires.open(GUESSER)).request("login", auth="token", token=token(switch, "operator"))
        assert reply["number"] == "200"
    finally:
        await wires.aclose()


async def test_the_user_alone_only_slows_answers_and_a_known_address_skips_that(start, caplog):
    """Guessing a user from many addresses slows that user's logins from new addresses (bounded), never refuses."""
    limits = Limits(user_delay_after=4, user_delay_max=0.5, throttle_base=0.25, throttle_after=100, lockout_after=200)
    switch = await start(limits=limits)
    wires = Wires(switch.url)
    try:
        await (await wires.open(ELSEWHERE)).login("operator")  # the operator's own desk
        for n in range(8):  # 8 addresses, one guess each: no address and no pair is throttled
            assert (await _ask(await wires.open(f"127.0.1.{n}"), "operator", "nope"))["code"] == "auth_failed"
        assert switch.login_gate.throttle.delay("operator", time.monotonic()) == 0.5  # doubled to the cap
        await (await wires.open(OPERATOR)).login("operator")  # a new address: slowed, not refused
        assert trip_lines(caplog, "user_delay") >= 1
        assert switch.login_gate.throttle.verdict("operator", ELSEWHERE, time.monotonic()).delay == 0  # known
        await (await wires.open(ELSEWHERE)).login("operator")
    finally:
        await wires.aclose()


async def test_the_guesser_stays_throttled_by_the_configured_rule(start, monkeypatch):
    """Issue 17: "the guesser itself stays throttled (its rate measured)": whatever the machine's speed and however
    many connections it uses, it gets at most ``lockout_after`` password checks per ``lockout`` for one user, and at
    most ``address_lockout_after`` for all users from its address."""
    limits = Limits(throttle_after=2, throttle_base=0.1, throttle_max=0.2, lockout_after=5, lockout=600,
                    address_throttle_after=8, address_lockout_after=12, login_tarpit=0.1)
    switch = await start(limits=limits)
    checked: list[str] = []
    real = auth.verify_password

    def counting(password: str, stored: str) -> bool:
        checked.append(password)
        return real(password, stored)

    monkeypatch.setattr(auth, "verify_password", counting)
    wires = Wires(switch.url)
    try:
        codes = await guess(wires, "operator", 60, GUESSER, width=12)
        assert codes == ["auth_failed"] * 60
        assert 1 <= len(checked) <= limits.lockout_after, len(checked)  # one user: its pair's rule
        await asyncio.gather(*(guess(wires, name, 20, GUESSER, width=4) for name in ("alice", "bob", "carol", "guest")))
        assert len(checked) <= limits.address_lockout_after, len(checked)  # many users: the address's rule
        checked.clear()
        await (await wires.open(OPERATOR)).login("operator")  # meanwhile the operator gets in from elsewhere
        assert checked == ["operator"]
    finally:
        await wires.aclose()


def office(count: int) -> tuple[User, ...]:
    stored = hash_password("office")
    return tuple(User(f"colleague{i:02}", stored, f"Colleague {i}", str(300 + i)) for i in range(1, count + 1))


async def test_an_office_behind_one_address_logs_in_at_once_while_one_mistypes(start, caplog):
    """Issue 17: "20 colleagues behind one address log in at once (more than the login queue) while one of them
    mistypes 10 times": every correct login gets in; a full queue is waited for, never counted as a failure."""
    colleagues = office(20)
    switch = await start(users=switch_users(colleagues), limits=Limits(login_wait=60, login_timeout=60))
    assert len(colleagues) > switch.limits.login_queue
    wires = Wires(switch.url)
    try:
        mistyper = colleagues[-1].username

        async def correct(user: User) -> dict:
            wire = await wires.open(OPERATOR)
            return await _ask(wire, user.username, "office")

        async def mistypes() -> list[str]:
            wire = await wires.open(OPERATOR)
            return [(await _ask(wire, mistyper, f"offfice{n}"))["code"] for n in range(10)]

        replies, typos = await asyncio.gather(asyncio.gather(*(correct(u) for u in colleagues[:-1])), mistypes())
        assert [r["type"] for r in replies] == ["result"] * 19, [r.get("code") for r in replies]
        assert typos == ["auth_failed"] * 10
        assert trip_lines(caplog, "login_queue") >= 1  # the queue was full, and waited for
        again = await wires.open(OPERATOR)  # the address is not throttled for the others
        assert (await _ask(again, colleagues[0].username, "office"))["type"] == "result"
    finally:
        await wires.aclose()


def switch_users(extra: tuple[User, ...]) -> tuple[User, ...]:
    from console.switch.demo import demo_config

    return demo_config().users + extra


async def flood(url: str, addresses: list[str], per_address: int) -> list[ClientConnection]:
    """Open ``per_address`` connections from each address that never log in; the ones the switch admitted."""

    async def one(source: str) -> ClientConnection | None:
        try:
            return await connect(url, local_addr=(source, 0), ping_interval=None, open_timeout=60)
        except Exception:  # refused (1013) or dropped while opening
            return None

    opened: list[ClientConnection] = []
    for source in addresses:
        opened += [c for c in await asyncio.gather(*(one(source) for _ in range(per_address))) if c is not None]
    return opened


def live(switch) -> int:
    """Connections the switch holds, not counting those it dropped whose handlers have yet to finish."""
    return sum(not conn.closing for conn in switch.connections)


def abort(connections: list[ClientConnection]) -> None:
    for ws in connections:
        ws.transport.abort()


async def test_a_thousand_unauthenticated_connections_from_16_addresses_do_not_keep_a_user_out(start, caplog):
    """Issue 17: "1,000 unauthenticated connections from 16 addresses do not keep a real user out" (default limits,
    but a login deadline long enough that it does not empty the table for us)."""
    switch = await start(limits=Limits(login_timeout=120))
    attackers = [f"127.0.2.{n}" for n in range(16)]
    connections = await flood(switch.url, attackers, 64)
    try:
        assert len(connections) >= 1000
        assert live(switch) <= switch.limits.max_unauthenticated  # the rest was dropped to make room
        wire = await Wire.open(switch.url, OPERATOR)
        try:
            assert (await wire.request("login", auth="password", username="alice", password="alice"))["number"] == "201"
        finally:
            await wire.close()
        assert switch.trips.trips["max_unauthenticated"] >= 1000 - switch.limits.max_unauthenticated
        assert trip_lines(caplog, "max_unauthenticated") <= 3  # logged once per 10 s, not once per connection
    finally:
        abort(connections)


async def test_logged_in_consoles_keep_their_slots_and_a_new_user_gets_one(start, caplog):
    """A small table: the logged-in keep theirs, newcomers take the slots of the most crowded address's oldest."""
    switch = await start(limits=Limits(max_connections=12, max_unauthenticated=8, max_connections_per_address=6,
                                       login_timeout=120))
    wires = Wires(switch.url)
    try:
        desks = [await wires.open(OPERATOR) for _ in range(3)]
        for desk, name in zip(desks, ("alice", "bob", "carol")):
            await desk.login(name)
        connections = await flood(switch.url, [f"127.0.2.{n}" for n in range(4)], 6)
        try:
            newcomer = await wires.open(ELSEWHERE)
            await newcomer.login("operator")
            for desk in desks:  # untouched
                assert not desk.closed.is_set()
                await desk.request("dial", number="9000")
            assert live(switch) <= 12
            assert trip_lines(caplog, "max_unauthenticated") + trip_lines(caplog, "max_connections") >= 1
        finally:
            abort(connections)
        # a table full of logged-in consoles still refuses with 1013
        full = await start(limits=Limits(max_connections=2))
        crowd = Wires(full.url)
        try:
            for name in ("alice", "bob"):
                await (await crowd.open()).login(name)
            late = await crowd.open()
            assert await late.wait_closed() == 1013
        finally:
            await crowd.aclose()
    finally:
        await wires.aclose()



async def test_addresses_that_queue_many_checks_take_turns_with_a_users_login(start, monkeypatch):
    """The login queue goes round the addresses: 4 addresses with 12 checks waiting each do not push the operator's
    one login behind all of theirs (it waits for the places already taken and one turn per address at most)."""
    limits = Limits(address_throttle_after=1000, address_lockout_after=2000, user_delay_after=1000, login_wait=60,
                    login_timeout=60)
    switch = await start(limits=limits)
    checked: list[str] = []
    real = auth.verify_password

    def slow(password: str, stored: str) -> bool:
        checked.append(password)
        time.sleep(0.02)
        return real(password, stored)

    monkeypatch.setattr(auth, "verify_password", slow)
    attackers = [f"127.0.3.{n}" for n in range(4)]
    wires = Wires(switch.url)
    try:
        guessers = [await wires.open(source) for source in attackers for _ in range(12)]
        guesses = [asyncio.ensure_future(_ask(wire, f"nobody{n}", "guess")) for n, wire in enumerate(guessers)]
        async with asyncio.timeout(30):
            while switch.trips.trips.get("login_queue", 0) < 48 - limits.login_queue:  # all the others wait
                await asyncio.sleep(0.01)
        before = len(checked)
        reply = await _ask(await wires.open(OPERATOR), "operator", "operator")
        assert reply["type"] == "result"
        ahead = checked.index("operator") - before
        assert ahead <= limits.login_queue + len(attackers) + 1, (ahead, len(checked))
        assert [r["code"] for r in await asyncio.gather(*guesses)] == ["auth_failed"] * 48
    finally:
        await wires.aclose()
