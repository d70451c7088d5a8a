"""Login throttling that protects without locking anyone out (OWASP authentication cheat sheet, NIST SP 800-63B).

Sans-I/O: time is an argument. Failed password logins are counted under three
keys, each with its own consequence:

- **the user at one address** (``user alice at 10.0.0.7``): back-off, then a
  lockout (``throttle_after``, ``lockout_after``). This is the guesser's own
  key: it stops one address guessing one user's password.
- **the address** (``address 10.0.0.7``): the same, with thresholds for an
  office behind one NAT address (``address_throttle_after``,
  ``address_lockout_after``): it stops one address guessing many users.
- **the user alone** (``account alice``): never refuses. Past
  ``user_delay_after`` failures it slows the answers to that user's password
  logins by at most ``user_delay_max`` seconds, except from an address the
  user has logged in from before (a known device, in OWASP's words). So no
  outsider can lock the operator out, and guessing from many addresses is
  still slowed.

Only password logins are throttled: a token cannot be guessed and a restore
identifier is 32 random bytes, so password guessing never blocks either. A
refused login gets the same ``auth_failed`` as a wrong password, so a guesser
learns nothing about which key is throttled.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Iterable

from console.switch.limits import Limits

ACCOUNT = "account "  # the key of a user alone: it may slow answers, never refuse
ADDRESS = "address "


def pair_key(user: str, address: str) -> str:
    return f"user {user} at {address}"


def address_key(address: str) -> str:
    return ADDRESS + address


def account_key(user: str) -> str:
    return ACCOUNT + user


@dataclass(frozen=True)
class Verdict:
    """What to do with a password login before its check: refuse it (after ``refuse`` s), or check it after ``delay`` s."""

    refuse: float = 0.0  # > 0: refused; the answer waits this long (the tarpit caps it)
    delay: float = 0.0  # s to wait before the check (the user-wide slow-down)
    keys: tuple[str, ...] = ()  # the keys that refuse


@dataclass
class _Entry:
    failures: int = 0
    until: float = 0.0  # no attempt before this
    last: float = 0.0  # time of the last failure


class LoginThrottle:
    def __init__(self, limits: Limits):
        self.limits = limits
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._known: OrderedDict[str, OrderedDict[str, None]] = OrderedDict()  # user -> addresses it logged in from
        self._checking: dict[str, int] = {}  # address -> its password checks under way (bounded by connections)

    # --- one password login ----------------------------------------------------

    def verdict(self, user: str | None, address: str, now: float) -> Verdict:
        """Refuse if the address or this user at this address is throttled; else maybe slow down (user-wide)."""
        keys = [address_key(address)] + ([pair_key(user, address)] if user else [])
        refusing = tuple(k for k in keys if self._current(k, now).until > now)
        if refusing:
            return Verdict(refuse=self.remaining(refusing, now), keys=refusing)
        if self._current(keys[0], now).failures + self._checking.get(address, 0) >= self.limits.address_lockout_after:
            # the checks running now could lock the address: no more at once than would (an exact bound)
            return Verdict(refuse=self.limits.throttle_base, keys=(keys[0],))
        if not user or self.known(user, address):
            return Verdict()
        return Verdict(delay=self.delay(user, now))

    def checking(self, address: str, change: int) -> None:
        """A password check from ``address`` starts (+1) or ends (-1)."""
        count = self._checking.get(address, 0) + change
        if count > 0:
            self._checking[address] = count
        else:
            self._checking.pop(address, None)

    def delay(self, user: str, now: float) -> float:
        """The user-wide slow-down: doubles past ``user_delay_after`` failures, up to ``user_delay_max``."""
        limits = self.limits
        failures = self._current(account_key(user), now).failures
        if failures < limits.user_delay_after:
            return 0.0
        return min(limits.throttle_base * 2 ** (failures - limits.user_delay_after), limits.user_delay_max)

    def login_failed(self, user: str | None, address: str, now: float) -> list[str]:
        """A wrong password: count it under every key; return the keys that are now locked out."""
        keys = [address_key(address)] + ([pair_key(user, address), account_key(user)] if user else [])
        return self.failed(keys, now)

    def login_succeeded(self, user: str | None, address: str) -> None:
        """The right password (or a token): this user at this address starts over, and the address is known.

        The address's own count stays (the others behind it may be guessing), and so does
        the user's (a guesser elsewhere keeps its slow-down).
        """
        if not user:
            return
        self.succeeded([pair_key(user, address)])
        known = self._known.pop(user, None) or OrderedDict()
        known.pop(address, None)
        known[address] = None
        while len(known) > self.limits.known_addresses:
            known.popitem(last=False)
        self._known[user] = known
        while len(self._known) > self.limits.throttle_entries:
            self._known.popitem(last=False)

    def known(self, user: str, address: str) -> bool:
        return address in self._known.get(user, ())

    # --- keys ------------------------------------------------------------------

    def blocked(self, keys: Iterable[str], now: float) -> bool:
        """Whether any key is in back-off or locked out."""
        return self.remaining(keys, now) > 0

    def remaining(self, keys: Iterable[str], now: float) -> float:
        """Seconds until no key is in back-off or locked out (0: not blocked)."""
        return max([0.0, *(self._current(key, now).until - now for key in keys)])

    def failed(self, keys: Iterable[str], now: float) -> list[str]:
        """Count a failure for every key; return the keys that are now locked out."""
        locked = []
        for key in keys:
            entry = self._current(key, now, create=True)
            entry.failures += 1
            entry.last = now
            self._entries.move_to_end(key)
            if key.startswith(ACCOUNT):
                continue  # slows, never refuses
            throttle_after, lockout_after = self._rule(key)
            limits = self.limits
            if entry.failures >= lockout_after:
                entry.until = now + limits.lockout
                if entry.failures == lockout_after:
                    locked.append(key)
            elif entry.failures >= throttle_after:
                exponent = entry.failures - throttle_after
                entry.until = now + min(limits.throttle_base * 2**exponent, limits.throttle_max)
        while len(self._entries) > self.limits.throttle_entries:
            self._entries.popitem(last=False)
        return locked

    def succeeded(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._entries.pop(key, None)

    def _rule(self, key: str) -> tuple[int, int]:
        limits = self.limits
        if key.startswith(ADDRESS):
            return limits.address_throttle_after, limits.address_lockout_after
        return limits.throttle_after, limits.lockout_after

    def _current(self, key: str, now: float, *, create: bool = False) -> _Entry:
        """The key's entry (a fresh one, not stored unless ``create``: looking never grows the table)."""
        entry = self._entries.get(key)
        if entry is None:
            entry = _Entry()
            if create:
                self._entries[key] = entry
        elif entry.until <= now and now - entry.last > self.limits.lockout:
            entry.failures = 0  # quiet for a lockout's length: forgiven
        return entry
