"""Queue records both sides exchange, sans I/O (docs/PROTOCOL.md, "Queues").

:class:`QueueOffer` rides on the call object of a call a queue offers to a member (``queue``): which queue,
and the caller's position and waiting time when it was offered. :class:`QueueStatus` is the result of a
``queue_status`` request: who waits, and each member's state. The switch builds them and the console reads
them with the same code, so a record one side sends is one the other accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Mapping

from .enums import ErrorCode
from .errors import ProtocolError

MAX_STATUS_ITEMS = 1000  # waiting callers or members a console accepts in one status


class MemberState(StrEnum):
    """A queue member as the queue sees it."""

    OFFLINE = "offline"  # no console of the member is connected
    PAUSED = "paused"  # connected but paused in this queue: not offered calls
    FREE = "free"  # connected, not paused, no call: the next caller may ring here
    BUSY = "busy"  # a call rings or is up there


@dataclass(frozen=True)
class QueueOffer:
    """On a call a queue offers: the queue's number and name, the caller's position then (1: first) and
    the seconds it had waited in the queue when it was offered."""

    number: str
    name: str
    position: int
    waited: float

    def to_wire(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.name, "position": self.position, "waited": self.waited}

    @classmethod
    def from_wire(cls, data: Any) -> QueueOffer | None:
        if data is None:
            return None
        if not isinstance(data, Mapping):
            raise TypeError("queue must be an object or absent")
        return cls(_text(data["number"]), _text(data.get("name") or ""), _count(data.get("position", 1)),
                   _seconds(data.get("waited", 0.0)))


@dataclass(frozen=True)
class QueuePaused:
    """The switch took a pause (or an unpause) of this console in ``queues``."""

    queues: tuple[str, ...]
    paused: bool


@dataclass(frozen=True)
class QueuedCaller:
    number: str
    name: str
    waited: float  # s since it joined this queue
    ringing: bool = False  # offered to a member right now


@dataclass(frozen=True)
class QueueMember:
    member: str  # as the switch's configuration names it (a username or a number)
    number: str
    state: MemberState

    @property
    def paused(self) -> bool:
        return self.state is MemberState.PAUSED


@dataclass(frozen=True)
class QueueStatus:
    number: str
    name: str
    strategy: str
    total: int = 0  # callers waiting (``waiting`` may list fewer: the first ones)
    waiting: tuple[QueuedCaller, ...] = ()
    members: tuple[QueueMember, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.name, "strategy": self.strategy, "total": self.total,
                "waiting": [{"number": c.number, "name": c.name, "waited": c.waited, "ringing": c.ringing}
                            for c in self.waiting],
                "members": [{"member": m.member, "number": m.number, "state": str(m.state)} for m in self.members]}

    @classmethod
    def from_wire(cls, data: Any) -> QueueStatus:
        try:
            if not isinstance(data, Mapping):
                raise TypeError("a queue status must be an object")
            waiting, members = data.get("waiting") or [], data.get("members") or []
            if not isinstance(waiting, list) or not isinstance(members, list) \
                    or max(len(waiting), len(members)) > MAX_STATUS_ITEMS:
                raise TypeError(f"waiting and members must be lists of at most {MAX_STATUS_ITEMS}")
            return cls(
                _text(data["number"]), _text(data.get("name") or ""), _text(data.get("strategy") or ""),
                _count(data.get("total", len(waiting)) or 0, zero=True),
                tuple(QueuedCaller(_text(c["number"]), _text(c.get("name") or ""), _seconds(c.get("waited", 0)),
                                   bool(c.get("ringing", False))) for c in waiting),
                tuple(QueueMember(_text(m["member"]), _text(m.get("number") or ""), MemberState(m["state"]))
                      for m in members),
            )
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise ProtocolError(ErrorCode.MALFORMED, f"bad queue status: {exc}") from None


def _text(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 256:
        raise TypeError("expected a string of at most 256 characters")
    return value


def _count(value: Any, zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (0 if zero else 1) <= value <= 100_000:
        raise TypeError("a position or count must be a positive integer")
    return value


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e9:
        raise TypeError("a waiting time must be a number of seconds")
    return float(value)
