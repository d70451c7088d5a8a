"""The attendant extension's records, sans I/O: directory entries, presence, park orbits.

Both the switch (which builds them) and the console (which reads them) use
these, so a directory entry or an orbit one side sends is one the other
accepts. docs/PROTOCOL.md, "Attendant extension", describes the same records.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Mapping

from .enums import ErrorCode
from .errors import ProtocolError

MAX_DIRECTORY = 2000  # entries a console accepts in one directory result
MAX_TEXT = 256


class PresenceState(StrEnum):
    """An extension's state as the busy lamp field shows it."""

    OFFLINE = "offline"  # no console of the number is connected
    AVAILABLE = "available"
    RINGING = "ringing"  # a call rings there (and none is up)
    BUSY = "busy"  # a call is up (or being dialled) there
    ON_HOLD = "on_hold"  # every call up there is held
    DND = "dnd"  # do not disturb (and no call)


class EntryKind(StrEnum):
    USER = "user"
    SERVICE = "service"
    ORBIT = "orbit"


@dataclass(frozen=True)
class DirectoryEntry:
    number: str
    name: str
    kind: EntryKind = EntryKind.USER
    department: str = ""
    notes: str = ""

    def to_wire(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.name, "kind": str(self.kind),
                "department": self.department, "notes": self.notes}

    @classmethod
    def from_wire(cls, data: Any) -> DirectoryEntry:
        if not isinstance(data, Mapping):
            raise ProtocolError(ErrorCode.MALFORMED, "a directory entry must be an object")
        try:
            return cls(_text(data["number"]), _text(data.get("name") or ""), EntryKind(data.get("kind", "user")),
                       _text(data.get("department") or ""), _text(data.get("notes") or ""))
        except (KeyError, ValueError, TypeError) as exc:
            raise ProtocolError(ErrorCode.MALFORMED, f"bad directory entry: {exc}") from None


@dataclass(frozen=True)
class Orbit:
    """A park orbit: empty (``number`` None) or holding a caller, parked by ``parked_by`` (a number)
    ``since`` (Unix seconds, the switch's clock; None: empty, or a switch that does not say)."""

    orbit: str
    number: str | None = None
    name: str = ""
    parked_by: str = ""
    since: float | None = None

    @property
    def occupied(self) -> bool:
        return self.number is not None

    def to_wire(self) -> dict[str, Any]:
        return {"orbit": self.orbit, "number": self.number, "name": self.name, "parked_by": self.parked_by,
                "since": self.since}

    @classmethod
    def from_wire(cls, data: Any) -> Orbit:
        if not isinstance(data, Mapping):
            raise ProtocolError(ErrorCode.MALFORMED, "an orbit must be an object")
        try:
            number, since = data.get("number"), data.get("since")
            if since is not None and (isinstance(since, bool) or not isinstance(since, (int, float))):
                raise TypeError("since must be Unix seconds or null")
            return cls(_text(data["orbit"]), None if number is None else _text(number),
                       _text(data.get("name") or ""), _text(data.get("parked_by") or ""),
                       None if since is None else float(since))
        except (KeyError, ValueError, TypeError) as exc:
            raise ProtocolError(ErrorCode.MALFORMED, f"bad orbit: {exc}") from None


class TurnedAwayWhy(StrEnum):
    """Why the switch turned a caller to this number away (a ``turned_away`` event)."""

    DND = "dnd"  # do not disturb: the caller got busy, or went on to the busy forwarding
    FORWARDED = "forwarded"  # forwarding always


@dataclass(frozen=True)
class TurnedAway:
    """A caller to this console's number that DND or forwarding sent elsewhere: they never rang here.

    ``at``: wall-clock seconds at the switch; ``to``: the number they went on to (None: they got busy).
    """

    number: str
    name: str
    at: float
    why: TurnedAwayWhy
    to: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.name, "at": self.at, "why": str(self.why), "to": self.to}

    @classmethod
    def from_wire(cls, data: Any) -> TurnedAway:
        if not isinstance(data, Mapping):
            raise ProtocolError(ErrorCode.MALFORMED, "a turned_away event must be an object")
        try:
            at, to = data["at"], data.get("to")
            if isinstance(at, bool) or not isinstance(at, (int, float)):
                raise ValueError("at must be seconds")
            return cls(_text(data.get("number") or ""), _text(data.get("name") or ""), float(at),
                       TurnedAwayWhy(data["why"]), None if to is None else _text(to))
        except (KeyError, ValueError, TypeError) as exc:
            raise ProtocolError(ErrorCode.MALFORMED, f"bad turned_away event: {exc}") from None


class ForwardMode(StrEnum):
    """A forwarding rule's kind; each value is also the rule's field in the FORWARDING request and set_forwarding."""

    ALWAYS = "always"
    BUSY = "busy"
    NO_ANSWER = "no_answer"


def parse_presence(data: Any) -> dict[str, PresenceState]:
    """``{"201": "busy", ...}`` -> states; anything else is MALFORMED."""
    if not isinstance(data, Mapping) or len(data) > MAX_DIRECTORY:
        raise ProtocolError(ErrorCode.MALFORMED, "presence must be an object of number: state")
    try:
        return {_text(k): PresenceState(v) for k, v in data.items()}
    except (ValueError, TypeError) as exc:
        raise ProtocolError(ErrorCode.MALFORMED, f"bad presence: {exc}") from None


def _text(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise TypeError(f"expected a string of at most {MAX_TEXT} characters")
    return value
