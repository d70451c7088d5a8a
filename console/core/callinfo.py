"""The ``call`` object the switch sends whenever a call changes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Mapping

from .enums import CALL_STATES, DISC_REASON, Direction, ErrorCode
from .errors import ProtocolError
from .queues import QueueOffer


@dataclass(frozen=True)
class Recall:
    """Extension: a transferred caller back at the console that transferred it (nobody took it at ``target``)."""

    target: str  # the number it was transferred to
    reason: DISC_REASON  # why it came back: BUSY (or DND), REJECTED, NOTRESPONDING, ...
    waited: float  # seconds since the caller first rang in (its original waiting time)

    def to_wire(self) -> dict[str, Any]:
        return {"target": self.target, "reason": str(self.reason), "waited": self.waited}

    @classmethod
    def from_wire(cls, data: Any) -> Recall | None:
        if data is None:
            return None
        if not isinstance(data, Mapping):
            raise TypeError("recall must be an object or absent")
        waited = data.get("waited", 0.0)
        if isinstance(waited, bool) or not isinstance(waited, (int, float)) or not 0 <= waited < 1e9:
            raise TypeError("recall.waited must be a number of seconds")
        return cls(_text(data.get("target") or ""), DISC_REASON(data["reason"]), float(waited))


@dataclass(frozen=True)
class CallInfo:
    call: str  # the switch's call-leg id; stable across a session restore
    direction: Direction
    state: CALL_STATES
    local_number: str = ""
    local_name: str = ""
    remote_number: str = ""
    remote_name: str = ""
    reason: DISC_REASON | None = None
    video: bool = False
    # Extension (optional on the wire): the far end holds this call. Tells "held by both ends" from
    # "held by us" while our own state is HELD. None: the switch did not say (an older switch).
    held_by_remote: bool | None = None
    # Extension (optional on the wire, docs/PROTOCOL.md "The call object"): ``waiting_since``, the time (Unix
    # seconds, the switch's clock) the caller first rang in, on a call that comes back to the console (a park
    # or transfer recall) so it keeps its place in the queue; ``recall_from``, where it comes back from (the orbit);
    # ``parked_on``, on this console's call that ended because its far end was parked there.
    waiting_since: float | None = None
    recall_from: str = ""
    parked_on: str = ""
    # Extensions (optional on the wire, absent when empty): who handed this call here, and a recall.
    transferred_by: str = ""  # the number of the console that transferred the caller to us
    forwarded_from: str = ""  # the number that forwarded the call to us
    recall: Recall | None = None  # a transfer nobody took, back at the console that transferred it
    queue: QueueOffer | None = None  # extension: a queue offers this call (its number, name, position, waited)

    def to_wire(self) -> dict[str, Any]:
        data = asdict(self)
        data["direction"] = str(self.direction)
        data["state"] = str(self.state)
        data["reason"] = None if self.reason is None else str(self.reason)
        if self.held_by_remote is None:
            del data["held_by_remote"]  # an older frame's shape
        for optional in ("waiting_since", "recall_from", "parked_on"):
            if not data[optional]:
                del data[optional]  # sent only when they say something
        for name in ("transferred_by", "forwarded_from"):
            if not data[name]:
                del data[name]
        if self.recall is None:
            del data["recall"]
        else:
            data["recall"] = self.recall.to_wire()
        if self.queue is None:
            del data["queue"]
        else:
            data["queue"] = self.queue.to_wire()
        return data

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> CallInfo:
        try:
            return cls(
                call=_text(data["call"]),
                direction=Direction(data["direction"]),
                state=CALL_STATES(data["state"]),
                local_number=_text(data.get("local_number") or ""),
                local_name=_text(data.get("local_name") or ""),
                remote_number=_text(data.get("remote_number") or ""),
                remote_name=_text(data.get("remote_name") or ""),
                reason=None if data.get("reason") is None else DISC_REASON(data["reason"]),
                video=bool(data.get("video", False)),
                held_by_remote=_flag(data.get("held_by_remote")),
                waiting_since=_time(data.get("waiting_since")),
                recall_from=_text(data.get("recall_from") or ""),
                parked_on=_text(data.get("parked_on") or ""),
                transferred_by=_text(data.get("transferred_by") or ""),
                forwarded_from=_text(data.get("forwarded_from") or ""),
                recall=Recall.from_wire(data.get("recall")),
                queue=QueueOffer.from_wire(data.get("queue")),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ProtocolError(ErrorCode.MALFORMED, f"bad call object: {exc}") from None


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise TypeError(f"held_by_remote must be true, false or absent, not {type(value).__name__}")


def _time(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e11:
        raise TypeError("waiting_since must be Unix seconds or absent")
    return float(value)


def _text(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 256:
        raise TypeError(f"expected a string of at most 256 characters, got {type(value).__name__}")
    return value
