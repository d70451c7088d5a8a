"""Login throttling: exponential back-off, then a temporary lockout, per user and per address.

Sans-I/O: time is an argument. The server asks :meth:`LoginThrottle.blocked`
before it spends a password check, and reports each outcome. A blocked login
gets the same ``auth_failed`` as a wrong password, so a guesser learns
nothing about which key (the user or the address) is throttled.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Iterable

from console.switch.limits import Limits

MAX_ENTRIES = 10_000  # keys remembered; the least recently failed go first


@dataclass
class _Entry:
    failures: int = 0
    until: float = 0.0  # no attempt before this
    last: float = 0.0  # time of the last failure


class LoginThrottle:
    def __init__(self, limits: Limits):
        self.limits = limits
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

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
            entry = self._current(key, now)
            entry.failures += 1
            entry.last = now
            self._entries.move_to_end(key)
            limits = self.limits
            if entry.failures >= limits.lockout_after:
                entry.until = now + limits.lockout
                if entry.failures == limits.lockout_after:
                    locked.append(key)
            elif entry.failures >= limits.throttle_after:
                exponent = entry.failures - limits.throttle_after
                entry.until = now + min(limits.throttle_base * 2**exponent, limits.throttle_max)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)
        return locked

    def succeeded(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._entries.pop(key, None)

    def _current(self, key: str, now: float) -> _Entry:
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        elif entry.until <= now and now - entry.last > self.limits.lockout:
            entry.failures = 0  # quiet for a lockout's length: forgiven
        return entry
