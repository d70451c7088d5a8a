"""The client's call objects behind the cards: which object a card's key stands for, its level meter,
why this console ended it (if it did), and the events that put what the client says of it on the card."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import events as ev
from .origin import origin_of
from .state import EndCause

if TYPE_CHECKING:
    from .port import CallPort


class CallBook:
    """Keys ("k1", "k2", …: never reused) for the client's call objects, and what the console keeps per call."""

    def __init__(self) -> None:
        self._calls: dict[str, CallPort] = {}
        self._keys: dict[int, str] = {}  # id(call object) -> key
        self._next = 1
        self.sinks: dict[str, Any] = {}  # key -> the call's level meter
        self.causes: dict[str, EndCause] = {}  # calls this console ended on purpose

    def add(self, call: CallPort) -> str:
        key = f"k{self._next}"
        self._next += 1
        self._calls[key] = call
        self._keys[id(call)] = key
        return key

    def get(self, key: str | None) -> CallPort | None:
        return self._calls.get(key) if key is not None else None

    def key_of(self, call: Any) -> str | None:
        return self._keys.get(id(call))

    def __contains__(self, key: object) -> bool:
        return key in self._calls

    def remove(self, key: str) -> CallPort | None:
        call = self._calls.pop(key, None)
        if call is not None:
            self._keys.pop(id(call), None)
        self.sinks.pop(key, None)
        self.causes.pop(key, None)
        return call


def call_added(key: str, call: CallPort, at: float, wall: float, restored: bool = False, remote_number: str = "",
               hint: dict | None = None) -> ev.CallAdded:
    """A new card for ``call``; ``hint`` is what the board file said of it (a restored call keeps its slot
    and its durations)."""

    def age(field: str) -> float | None:
        value = hint.get(field) if hint else None
        return max(0.0, wall - value) if isinstance(value, (int, float)) else None

    waiting_since = call.get_waiting_since()  # a park recall: the caller keeps the wait it began when it first rang in
    origin, waited = origin_of(call)  # a transfer recall rings with the caller's original waiting time
    started = age("started")
    if started is None and waiting_since is not None:
        started = max(0.0, wall - waiting_since)
    if started is None:
        started = waited

    return ev.CallAdded(
        key=key, direction=call.direction, state=call.get_state(), at=at, wall=wall, call_id=call.id,
        remote_number=call.get_remote_number() or remote_number, remote_name=call.get_remote_name() or "",
        local_number=call.get_local_number() or "", restored=restored, remote_held=call.is_held_by_remote(),
        slot_hint=hint.get("slot") if hint else None, age=started, talk_age=age("connected"),
        hold_age=age("held"), recall_from=call.get_recall_from(), origin=origin,
    )


def call_changed(key: str, call: CallPort, at: float, cause: EndCause | None = None) -> ev.CallChanged:
    """The card of ``call`` as the client has it now."""
    return ev.CallChanged(
        key=key, state=call.get_state(), at=at, call_id=call.id,
        remote_number=call.get_remote_number() or "", remote_name=call.get_remote_name() or "",
        reason=call.get_disconnect_reason(), audio=call.has_audio_element(), video=call.get_media_video_active(),
        cause=cause, remote_held=call.is_held_by_remote(), parked_on=call.get_parked_on(),
        origin=origin_of(call)[0],
    )
