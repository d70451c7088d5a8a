"""Queues shared by several operators: their ``[[switch.queues]]`` tables, read and checked at load time.

A queue is a number (``100``) that rings its members (usernames or numbers of the directory) the way its
``strategy`` says, while the caller waits with music; ``overflow_after`` seconds unanswered send the caller on
to ``overflow_to`` (another queue or any number). ``max_waiting`` callers wait at once, and one caller (the account
that placed the call: :func:`console.switch.queueing.caller_key`) takes at most ``max_waiting_per_caller`` of
those places, so one user calling over and over cannot fill the line. Every value is bounded (the bounds are in
:mod:`console.switch.limits`) and every mistake names the file, the queue and the key, as the rest of the
switch's configuration does. The runtime is :mod:`console.switch.queueing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Callable

from console.switch.limits import (
    MAX_QUEUE_MEMBERS, MAX_QUEUE_NAME, MAX_QUEUE_SECONDS, MAX_QUEUE_WAITING, MAX_QUEUES, QUEUE_RING_TIMEOUT,
)


class QueueStrategy(StrEnum):
    RING_ALL = "ring-all"  # every free member rings at once; the first answer takes the caller
    LONGEST_IDLE = "longest-idle"  # one member at a time, the one idle longest first, ``ring_timeout`` s each


@dataclass(frozen=True)
class QueueConfig:
    number: str
    name: str
    members: tuple[str, ...]  # usernames or numbers, as written (resolved to numbers by the exchange)
    strategy: QueueStrategy = QueueStrategy.RING_ALL
    ring_timeout: float = QUEUE_RING_TIMEOUT  # s an offer rings at a member before it is withdrawn
    overflow_after: float | None = None  # s a caller waits before it goes on to ``overflow_to``; None: never
    overflow_to: str | None = None
    announce_position: bool = False  # the caller hears its position as beeps before the music (queueing.py)
    max_waiting: int = 50  # callers waiting at once; one more gets BUSY (logged: limit queue_max_waiting)
    max_waiting_per_caller: int = 2  # of those, one caller's at once; one more gets BUSY (logged likewise)

    def __post_init__(self) -> None:
        object.__setattr__(self, "strategy", QueueStrategy(self.strategy))


QUEUE_KEYS = frozenset({"number", "name", "members", "strategy", "ring_timeout", "overflow_after", "overflow_to",
                        "announce_position", "max_waiting", "max_waiting_per_caller"})

Error = Callable[[str, str, str], Exception]  # (table, key, message) -> the config error to raise


def parse_queues(raw: Any, number_ok: Callable[[str], bool], usernames: frozenset[str], error: Error) -> tuple[QueueConfig, ...]:
    """``[[switch.queues]]``: each a table with the keys of :data:`QUEUE_KEYS`; see the module docstring."""
    if not isinstance(raw, list) or not all(isinstance(q, dict) for q in raw):
        raise error("switch", "queues", "must be an array of tables ([[switch.queues]])")
    if len(raw) > MAX_QUEUES:
        raise error("switch", "queues", f"at most {MAX_QUEUES} queues")
    queues = tuple(_parse_queue(q, f"switch.queues[{i}]", number_ok, usernames, error) for i, q in enumerate(raw))
    numbers = [q.number for q in queues]
    for i, queue in enumerate(queues):
        if numbers.index(queue.number) != i:
            raise error(f"switch.queues[{i}]", "number", f"{queue.number} is already queue {numbers.index(queue.number)}")
    return queues


def _parse_queue(raw: dict, where: str, number_ok: Callable[[str], bool], usernames: frozenset[str],
                 error: Error) -> QueueConfig:
    for key in raw:
        if key not in QUEUE_KEYS:
            raise error(where, key, f"unknown key (known: {', '.join(sorted(QUEUE_KEYS))})")

    def get(key: str, types: tuple[type, ...], default: Any) -> Any:
        value = raw.get(key, default)
        if key in raw and (isinstance(value, bool) and bool not in types or not isinstance(value, types)):
            raise error(where, key, f"must be {' or '.join(t.__name__ for t in types)}, not {type(value).__name__}")
        return value

    def seconds(key: str, default: float | None) -> float | None:
        value = get(key, (int, float), default)
        if value is not None and not 0 < value <= MAX_QUEUE_SECONDS:
            raise error(where, key, f"must be a number of seconds, 0 < {key} <= {MAX_QUEUE_SECONDS}")
        return None if value is None else float(value)

    number = get("number", (str,), None)
    if number is None:
        raise error(where, "number", "is required")
    if not number_ok(number):
        raise error(where, "number", f"{number!r} is not a number (digits, *, #, optional leading +)")
    name = get("name", (str,), number)
    if not 0 < len(name) <= MAX_QUEUE_NAME:
        raise error(where, "name", f"1 to {MAX_QUEUE_NAME} characters")
    members = get("members", (list,), None)
    if not members or len(members) > MAX_QUEUE_MEMBERS:
        raise error(where, "members", f"must list 1 to {MAX_QUEUE_MEMBERS} usernames or numbers")
    for member in members:
        if not isinstance(member, str) or not (member in usernames or number_ok(member)):
            raise error(where, "members", f"{member!r} is neither a username of [[users]] nor a number")
    if len(set(members)) != len(members):
        raise error(where, "members", "lists a member twice")
    strategy = get("strategy", (str,), str(QueueStrategy.RING_ALL))
    if strategy not in set(QueueStrategy):
        raise error(where, "strategy", f"must be one of {', '.join(QueueStrategy)}, not {strategy!r}")
    overflow_after = seconds("overflow_after", None)
    overflow_to = get("overflow_to", (str,), None)
    if (overflow_after is None) != (overflow_to is None):
        raise error(where, "overflow_to" if overflow_to is None else "overflow_after",
                    "overflow_after and overflow_to go together")
    if overflow_to is not None and (not number_ok(overflow_to) or overflow_to == number):
        raise error(where, "overflow_to", f"{overflow_to!r} must be another queue or a number, not this queue")
    max_waiting = get("max_waiting", (int,), 50)
    if not 0 < max_waiting <= MAX_QUEUE_WAITING:
        raise error(where, "max_waiting", f"must be 1 to {MAX_QUEUE_WAITING}")
    per_caller = get("max_waiting_per_caller", (int,), 2)
    if not 0 < per_caller <= MAX_QUEUE_WAITING:
        raise error(where, "max_waiting_per_caller", f"must be 1 to {MAX_QUEUE_WAITING}")
    return QueueConfig(
        number=number, name=name, members=tuple(members), strategy=QueueStrategy(strategy),
        ring_timeout=seconds("ring_timeout", QUEUE_RING_TIMEOUT) or QUEUE_RING_TIMEOUT,
        overflow_after=overflow_after, overflow_to=overflow_to,
        announce_position=get("announce_position", (bool,), False), max_waiting=max_waiting,
        max_waiting_per_caller=per_caller,
    )
