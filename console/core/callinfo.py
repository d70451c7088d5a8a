"""The ``call`` object the switch sends whenever a call changes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Mapping

from .enums import CALL_STATES, DISC_REASON, Direction, ErrorCode
from .errors import ProtocolError


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
    # recall) so it keeps its place in the queue; ``recall_from``, where it comes back from (the orbit);
    # ``parked_on``, on this console's call that ended because its far end was parked there.
    waiting_since: float | None = None
    recall_from: str = ""
    parked_on: str = ""

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
