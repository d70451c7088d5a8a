"""The way a password login goes to its check: throttle, slow-down, the login queue, one check per user and address.

The rules are :class:`console.switch.throttle.LoginThrottle`'s (sans-I/O);
this is their asyncio driver:

- a login the throttle refuses is answered ``auth_failed`` after the rest of
  its back-off (at most ``login_tarpit`` s: the connection's next frame waits
  for it, so one connection gets at most one answer per ``login_tarpit`` s);
- a login of a user being guessed elsewhere waits its bounded slow-down;
- the checks of one user from one address run one at a time, each after the
  previous one's outcome is counted, so parallel connections cannot outrun
  the back-off;
- at most ``login_queue`` checks are queued for the worker threads; more wait
  their turn for up to ``login_wait`` s, then get ``limit_reached``. The
  turns go round the addresses (one check from each address that waits, in
  turn), so addresses that queue many checks cannot push one user's login
  to the back. Waiting or refused for lack of room is never a failed
  password: an office logging in at once all gets in, nobody is locked out.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from concurrent.futures import Executor
from typing import Any, Callable, Mapping, TypeVar

from console.core.enums import ErrorCode
from console.switch.auth import WRONG_PASSWORD, LoginError
from console.switch.limits import Limits, TripLog
from console.switch.throttle import LoginThrottle, pair_key

BUSY = "the switch is busy checking other logins; try again in a moment"

T = TypeVar("T")


class LoginGate:
    def __init__(self, limits: Limits, trips: TripLog, executor: Executor):
        self.limits = limits
        self.trips = trips
        self.throttle = LoginThrottle(limits)
        self._executor = executor
        self._slots = FairSlots(limits.login_queue)
        self._pairs: dict[str, tuple[asyncio.Lock, int]] = {}  # user-at-address key -> its lock and its users
        self.pending = 0  # checks queued or running on the executor

    async def password(self, address: str, body: Mapping[str, Any], check: Callable[[Mapping[str, Any]], T]) -> T:
        """Run ``check(body)`` on the executor under the rules above; count its outcome."""
        username = body.get("username")
        user = username if isinstance(username, str) and username else None
        refused = self._refusal(user, address)
        if not refused:
            delay = self.throttle.verdict(user, address, time.monotonic()).delay
            if delay > 0:
                self.trips.trip("user_delay", "password logins of %s from new addresses slowed by %.1f s", user, delay)
                await asyncio.sleep(delay)
            async with _PairLock(self._pairs, pair_key(user, address) if user else None):
                refused = self._refusal(user, address)  # again: the previous check's outcome is counted now
                if not refused:
                    identity = await self._counted(user, address, check, body)
                    self.throttle.login_succeeded(user, address)
                    return identity
        # refused: answered after the rest of the back-off (outside the lock: the next in line need not wait)
        await asyncio.sleep(min(refused, self.limits.login_tarpit))
        raise LoginError(ErrorCode.AUTH_FAILED, WRONG_PASSWORD)

    def known(self, user: str | None, address: str) -> None:
        """A login without a password (a token) succeeded: the address is one this user logs in from."""
        self.throttle.login_succeeded(user, address)

    async def _counted(self, user: str | None, address: str, check: Callable[[Mapping[str, Any]], T],
                       body: Mapping[str, Any]) -> T:
        """The check, counted: a wrong password under every key; a busy queue under none."""
        self.throttle.checking(address, +1)
        try:
            return await self._queued(address, check, body)
        except LoginError as exc:
            if exc.code is ErrorCode.AUTH_FAILED:
                for key in self.throttle.login_failed(user, address, time.monotonic()):
                    self.trips.trip("lockout", "%s locked out for %g s", key, self.limits.lockout)
            raise
        finally:
            self.throttle.checking(address, -1)

    def _refusal(self, user: str | None, address: str) -> float:
        """Seconds of back-off left if the throttle refuses this login (logged), else 0."""
        verdict = self.throttle.verdict(user, address, time.monotonic())
        if verdict.refuse > 0:
            self.trips.trip("login_throttle", "password login from %s refused while %s is throttled", address,
                            " and ".join(verdict.keys))
        return verdict.refuse

    async def _queued(self, address: str, check: Callable[[Mapping[str, Any]], T], body: Mapping[str, Any]) -> T:
        if self._slots.full:
            self.trips.trip("login_queue", "%d password checks queued; %s waits its turn", self.pending, address)
        try:
            async with asyncio.timeout(self.limits.login_wait):
                await self._slots.acquire(address)
        except TimeoutError:
            self.trips.trip("login_wait", "%s waited %g s for a password check; answered limit_reached", address,
                            self.limits.login_wait)
            raise LoginError(ErrorCode.LIMIT_REACHED, BUSY) from None
        self.pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, check, body)
        finally:
            self.pending -= 1
            self._slots.release()


class FairSlots:
    """``size`` places; those who wait for one get it one address at a time, in turn, each address's in order."""

    def __init__(self, size: int):
        self.free = size
        self._waiting: OrderedDict[str, deque[asyncio.Future[None]]] = OrderedDict()

    @property
    def full(self) -> bool:
        return self.free == 0 or bool(self._waiting)

    async def acquire(self, address: str) -> None:
        if not self.full:
            self.free -= 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(address, deque()).append(turn)
        try:
            await turn
        except BaseException:
            if turn.done() and not turn.cancelled():
                self.release()  # the place was ours already: pass it on
            else:
                queue = self._waiting.get(address)
                if queue is not None and turn in queue:
                    queue.remove(turn)
                    if not queue:
                        del self._waiting[address]
            raise

    def release(self) -> None:
        """Hand the place to the next address's first waiter (that address goes to the back), or free it."""
        while self._waiting:
            address, queue = next(iter(self._waiting.items()))
            turn = queue.popleft()
            if queue:
                self._waiting.move_to_end(address)
            else:
                del self._waiting[address]
            if not turn.done():
                turn.set_result(None)
                return
        self.free += 1


class _PairLock:
    """An ``asyncio.Lock`` per key that exists only while someone holds or waits for it (the table stays small)."""

    def __init__(self, table: dict[str, tuple[asyncio.Lock, int]], key: str | None):
        self.table, self.key = table, key

    async def __aenter__(self) -> None:
        if self.key is None:
            return
        lock, users = self.table.get(self.key, (None, 0))
        lock = lock or asyncio.Lock()
        self.table[self.key] = (lock, users + 1)
        try:
            await lock.acquire()
        except BaseException:
            self._leave(lock)
            raise

    async def __aexit__(self, *exc: object) -> None:
        if self.key is None:
            return
        lock, _ = self.table[self.key]
        lock.release()
        self._leave(lock)

    def _leave(self, lock: asyncio.Lock) -> None:
        _, users = self.table[self.key]
        if users <= 1:
            del self.table[self.key]
        else:
            self.table[self.key] = (lock, users - 1)
