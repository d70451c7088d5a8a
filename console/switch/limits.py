"""What an outsider may consume of the switch: every bound in one frozen table, and their trip log.

Each limit has a default that suits a small switch on one machine and a key in
the ``[limits]`` table of the switch's TOML file (docs/PROTOCOL.md, Limits).
When a limit trips, the switch says so in its log through :class:`TripLog`,
at most once per limit and ``TripLog.every`` seconds (with the count of trips
in between), so an attack cannot turn into a log storm.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, fields
from typing import Any, Callable


@dataclass(frozen=True)
class Limits:
    # connections
    max_connections: int = 1000  # WebSocket connections at once (clamped under the descriptor limit at start)
    max_connections_per_address: int = 64  # from one IP address
    max_unauthenticated: int = 800  # connections not logged in (yet); beyond, the most crowded address's oldest is closed
    login_timeout: float = 10.0  # s an unauthenticated connection may stay open without logging in
    fragment_timeout: float = 10.0  # s a fragmented message may take to complete
    outbox_bytes: int = 256 * 1024  # queued outgoing bytes per connection before it is cut off as a slow reader
    outbox_frames: int = 4096  # queued outgoing frames per connection, likewise
    error_echo: int = 120  # characters of an error message at most (never more of the input than that)
    keepalive: float = 20.0  # s between pings, and to wait for a pong
    # logins
    login_workers: int = 1  # threads that check passwords (scrypt), apart from everything else
    login_queue: int = 8  # password checks queued for a worker; more wait their turn (login_wait)
    login_wait: float = 5.0  # s a password check may wait for a place in the queue; then limit_reached (not a failure)
    throttle_after: int = 3  # failed logins of a user from one address before that pair's back-off starts
    throttle_base: float = 1.0  # s of back-off after the first throttled failure
    throttle_max: float = 60.0  # the back-off doubles per failure up to this
    lockout_after: int = 10  # failures in a row that lock a user out from one address
    lockout: float = 300.0  # s a lockout lasts (a key quiet this long starts over)
    address_throttle_after: int = 30  # failed logins from one address (any users: an office behind NAT) before its back-off
    address_lockout_after: int = 100  # failures that lock the address out (its password logins; never tokens or restores)
    user_delay_after: int = 10  # failures of a user from all addresses before its logins from new addresses are slowed
    user_delay_max: float = 2.0  # s that slow-down grows to at most; a user's password is never refused for it
    known_addresses: int = 16  # addresses remembered per user as ones it logged in from (they skip the slow-down)
    login_tarpit: float = 2.0  # s at most before a throttled login is answered (one answer per this per connection)
    throttle_entries: int = 10_000  # keys the login throttle remembers; the least recently failed are forgotten first
    max_token_lifetime: float = 86400.0  # s from now to a token's exp, at most
    # calls and media
    max_sessions_per_user: int = 16  # sessions (connected or kept for restore) of one user
    media_timeout: float = 6.0  # s without received audio (while it should flow) before a call ends with MEDIA
    # attendant extension
    park_orbits: int = 10  # park orbits, numbered park_base + 1 ... ([switch] park_base)
    park_recall: float = 60.0  # s a call waits parked before it rings back at the console that parked it
    transfer_recall: float = 20.0  # s a transferred call rings unanswered before it comes back (a request may say less or more)
    presence_subscribers: int = 256  # sessions subscribed to presence at once
    max_conference_parties: int = 8  # parties mixed in one conference (each costs a decode, a sum and an encode)
    max_conferences: int = 16  # conferences at once

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"limit {f.name} must be a number > 0, not {value!r}")


LIMIT_KEYS = frozenset(f.name for f in fields(Limits))


def parse_limits(raw: dict[str, Any], error: Callable[[str, str], Exception]) -> Limits:
    """The ``[limits]`` table: known keys only, integers where the default is one, all > 0."""
    values: dict[str, Any] = {}
    defaults = Limits()
    for key, value in raw.items():
        if key not in LIMIT_KEYS:
            raise error(key, f"unknown key (known: {', '.join(sorted(LIMIT_KEYS))})")
        integer = isinstance(getattr(defaults, key), int)
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise error(key, f"must be {'an integer' if integer else 'a number'}, not {type(value).__name__}")
        if value <= 0:
            raise error(key, "must be > 0")
        values[key] = value
    return Limits(**values)


class TripLog:
    """Log a tripped limit once per ``every`` seconds, with how often it tripped meanwhile."""

    def __init__(self, logger: logging.Logger, every: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self.logger = logger
        self.every = every
        self.clock = clock
        self._last: dict[str, float] = {}
        self._count: dict[str, int] = {}
        self.trips: dict[str, int] = {}  # every trip since start, per limit (tests and stats read it)

    def trip(self, limit: str, message: str, *args: Any) -> None:
        self.trips[limit] = self.trips.get(limit, 0) + 1
        now = self.clock()
        last = self._last.get(limit)
        if last is not None and now - last < self.every:
            self._count[limit] = self._count.get(limit, 0) + 1
            return
        skipped = self._count.pop(limit, 0)
        self._last[limit] = now
        suffix = f" (and {skipped} more times in the last {self.every:g} s)" if skipped else ""
        self.logger.warning("limit %s: " + message + suffix, limit, *args)


# Queues (console/switch/queue_config.py): fixed bounds on what a [[switch.queues]] table may ask for.
MAX_QUEUES = 64  # queues in one switch
MAX_QUEUE_MEMBERS = 64  # members of one queue
MAX_QUEUE_WAITING = 1000  # the largest max_waiting a queue may set (each waiting caller holds a media leg)
MAX_QUEUE_NAME = 64  # characters of a queue's name
MAX_QUEUE_SECONDS = 3600.0  # the longest ring_timeout or overflow_after
QUEUE_RING_TIMEOUT = 15.0  # s an offer rings at a member by default before the queue moves on
