"""Login work off the media path, throttled per user and per address (issue 13, item 4)."""

from __future__ import annotations

import asyncio
import os
import threading

from console.switch import auth
from console.switch.limits import Limits
from console.switch.throttle import LoginThrottle


def test_back_off_doubles_then_locks_out_then_forgives():
    throttle = LoginThrottle(Limits(throttle_after=2, throttle_base=1, throttle_max=4, lockout_after=5, lockout=100))
    keys = ["user alice"]
    waits = []
    now = 0.0
    for failure in range(1, 6):
        locked = throttle.failed(keys, now)
        until = next(t for t in (now + x / 10 for x in range(0, 2000)) if not throttle.blocked(keys, t))
        waits.append(round(until - now, 1))
        assert locked == (keys if failure == 5 else [])
        now = until
    assert waits == [0.0, 1.0, 2.0, 4.0, 100.0]  # free, then 1, 2, 4 (the cap), then the lockout
    assert throttle.blocked(keys, now - 0.1) and not throttle.blocked(keys, now)
    throttle.failed(keys, now + 101)  # quiet for a lockout's length: the count starts over
    assert not throttle.blocked(keys, now + 101)
    throttle.succeeded(keys)
    assert not throttle.blocked(keys, 0)


async def test_guessing_locks_the_user_and_the_address_with_the_same_answer(start, clients, caplog):
    # the address's thresholds are an office's by default (issue 17): this test makes them the user's
    switch = await start(limits=Limits(throttle_after=2, throttle_base=30, lockout_after=4, address_throttle_after=2))
    wire = await clients.open(switch)
    messages = []
    for _ in range(3):
        reply = await wire.ask("login", auth="password", username="alice", password="guess")
        messages.append((reply["code"], reply["message"]))
    # alice's own password is refused now, with the very answer a wrong one gets
    reply = await wire.ask("login", auth="password", username="alice", password="alice")
    messages.append((reply["code"], reply["message"]))
    assert len(set(messages)) == 1 and messages[0][0] == "auth_failed"
    # the address is throttled too: another user from it is refused the same way
    other = await clients.open(switch)
    reply = await other.ask("login", auth="password", username="bob", password="bob")
    assert (reply["code"], reply["message"]) == messages[0]
    assert any("limit login_throttle:" in r.getMessage() for r in caplog.records)
    # a token login is not a guess and is not throttled
    assert switch.stats()["sessions"] == 0


async def test_a_correct_login_before_the_back_off_starts_clears_the_user(start, clients):
    switch = await start(limits=Limits(throttle_after=3))
    wire = await clients.open(switch)
    for _ in range(2):
        assert (await wire.ask("login", auth="password", username="bob", password="x"))["code"] == "auth_failed"
    await wire.login("bob")


async def test_passwords_are_checked_on_the_login_executor_not_the_default_pool(switch, clients, monkeypatch):
    seen: list[str] = []
    real = auth.verify_password

    def spy(password: str, stored: str) -> bool:
        seen.append((threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
        return real(password, stored)

    monkeypatch.setattr(auth, "verify_password", spy)
    await (await clients.open()).login("alice")
    assert seen and all(name.startswith("switch-login") for name, _ in seen)
    assert all(nice >= os.getpriority(os.PRIO_PROCESS, 0) + 10 or nice == 19 for _, nice in seen)  # below the loop


async def test_password_checks_waiting_beyond_the_queue_are_refused(start, clients, monkeypatch, caplog):
    """Issue 17: "a refusal because the login queue is full is not a failed password" (limit_reached, not
    auth_failed, since 2026-12-06: auth_failed told the console the password was wrong)."""
    switch = await start(limits=Limits(login_queue=1, login_workers=1, login_wait=0.3, throttle_after=1))
    release = threading.Event()
    real = auth.verify_password

    def slow(password: str, stored: str) -> bool:
        release.wait(5)
        return real(password, stored)

    monkeypatch.setattr(auth, "verify_password", slow)
    first, second = await clients.open(switch), await clients.open(switch)
    waiting = asyncio.create_task(first.login("alice"))
    async with asyncio.timeout(5):
        while switch.pending_logins == 0:  # the first check is queued
            await asyncio.sleep(0.01)
    reply = await second.ask("login", auth="password", username="bob", password="bob")
    assert reply["code"] == "limit_reached"  # waited login_wait for its turn: busy, not a wrong password
    release.set()
    assert (await waiting)["number"] == "201"
    assert any("limit login_queue:" in r.getMessage() for r in caplog.records)
    assert await second.login("bob")  # not counted: with throttle_after=1 a counted refusal would refuse this


def test_the_three_keys_refuse_only_the_guesser_and_the_user_alone_only_slows():
    """Issue 17: "refusals keyed by (user, address) and by address ...; what is keyed by the user alone may slow
    answers (bounded, a few seconds) but never refuses the user's correct password from another address"."""
    limits = Limits(throttle_after=2, throttle_base=1, throttle_max=8, lockout_after=4, lockout=100,
                    address_throttle_after=6, address_lockout_after=9, user_delay_after=3, user_delay_max=2)
    throttle = LoginThrottle(limits)
    throttle.login_succeeded("op", "desk")  # the operator's desk is a known address
    now = 0.0
    for _ in range(50):  # a guesser at "evil" as fast as it is let through
        if not throttle.verdict("op", "evil", now).refuse:
            throttle.login_failed("op", "evil", now)
        now += 0.5
    assert throttle.verdict("op", "evil", now).refuse > 0  # its pair is locked out
    for address in ("desk", "home"):  # never refused elsewhere
        assert throttle.verdict("op", address, now).refuse == 0
    assert throttle.verdict("op", "desk", now).delay == 0  # known: no slow-down
    assert 0 < throttle.verdict("op", "home", now).delay <= limits.user_delay_max  # new: slowed, bounded
    # one address guessing many users: the address's own, higher thresholds
    office = LoginThrottle(limits)
    for n in range(5):
        office.login_failed(f"user{n}", "nat", now)
    assert office.verdict("user9", "nat", now).refuse == 0  # five typos behind one NAT: the others are fine
    office.login_failed("user5", "nat", now)
    assert office.verdict("user9", "nat", now).refuse > 0  # the sixth starts the address's back-off
    assert office.verdict("user9", "elsewhere", now).refuse == 0


def test_checks_under_way_count_against_the_address_lockout():
    throttle = LoginThrottle(Limits(address_throttle_after=50, address_lockout_after=3))
    throttle.login_failed("a", "x", 0)
    throttle.checking("x", +1)
    assert throttle.verdict("b", "x", 0).refuse == 0
    throttle.checking("x", +1)  # one failure and two checks under way: a third could lock the address
    assert throttle.verdict("c", "x", 0).refuse > 0
    throttle.checking("x", -1)
    assert throttle.verdict("c", "x", 0).refuse == 0


def test_the_throttle_forgets_the_least_recently_failed_beyond_its_bound():
    throttle = LoginThrottle(Limits(throttle_entries=10, known_addresses=2))
    for n in range(100):
        throttle.login_failed(f"user{n}", f"10.0.0.{n}", float(n))
        throttle.login_succeeded(f"user{n}", f"10.0.0.{n}")
    assert len(throttle._entries) <= 10 and len(throttle._known) <= 10
    for n in range(5):
        throttle.login_succeeded("op", f"10.1.0.{n}")
    assert [throttle.known("op", f"10.1.0.{n}") for n in range(5)] == [False, False, False, True, True]


async def test_fair_slots_take_turns_by_address_and_never_leak_a_place():
    from console.switch.login_gate import FairSlots

    slots = FairSlots(1)
    await slots.acquire("a")
    order: list[str] = []

    async def wait(address: str, tag: str) -> None:
        await slots.acquire(address)
        order.append(tag)
        slots.release()

    waiters = [asyncio.create_task(wait(address, tag)) for address, tag in
               (("x", "x1"), ("x", "x2"), ("x", "x3"), ("y", "y1"), ("z", "z1"))]
    late = asyncio.create_task(slots.acquire("w"))
    await asyncio.sleep(0)  # every waiter is in line
    late.cancel()  # a waiter that gives up (login_wait) leaves no trace
    await asyncio.gather(late, return_exceptions=True)
    slots.release()
    await asyncio.wait_for(asyncio.gather(*waiters), 5)
    assert order == ["x1", "y1", "z1", "x2", "x3"]  # one per address in turn, each address's in order
    assert slots.free == 1 and not slots.full
