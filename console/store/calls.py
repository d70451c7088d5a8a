"""The client's call objects behind the cards: which object a card's key stands for, its level meter,
and why this console ended it (if it did)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
