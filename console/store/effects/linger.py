"""Linger timers: an ended call's card stays a few seconds (the operator sees how it ended), then its
slot is freed."""

from __future__ import annotations

import asyncio
from typing import Callable

from ..state import AppState


class Linger:
    """Arms one timer per ended call; when it fires, ``free(key)`` frees the slot.

    Only calls ``owns(key)`` says are live client calls linger (a display-only
    board keeps what it was given). Without a running loop the slot is freed at once.
    """

    def __init__(self, seconds: float, owns: Callable[[str], bool], free: Callable[[str], None]) -> None:
        self.seconds = seconds
        self._owns = owns
        self._free = free
        self._armed: set[str] = set()  # ended calls seen (their timer armed or their slot freed)
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def __call__(self, state: AppState) -> None:
        present = set()
        for call in state.calls:
            present.add(call.key)
            if call.ended and call.key not in self._armed and self._owns(call.key):
                self._armed.add(call.key)
                self._arm(call.key)
        self._armed &= present | set(self._timers)

    def _arm(self, key: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._free(key)
            return
        self._timers[key] = loop.call_later(self.seconds, self._expired, key)

    def _expired(self, key: str) -> None:
        self._timers.pop(key, None)
        self._free(key)

    def make_room(self, state: AppState) -> bool:
        """Every slot is taken: free the slot of the lingering card that ended first (the selected one last),
        now. False if no card lingers (every slot holds a live call)."""
        waiting = [c for c in state.calls if c.ended and c.key in self._timers]
        if not waiting:
            return False
        first = min(waiting, key=lambda c: (c.slot == state.focused, c.ended_at or 0.0))
        self._timers.pop(first.key).cancel()
        self._free(first.key)
        return True

    @property
    def pending(self) -> int:
        return len(self._timers)

    def close(self) -> None:
        """Stop every timer (the console closes: the cards go with it)."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
