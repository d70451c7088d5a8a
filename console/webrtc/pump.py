"""EventPump: performs a session's events one at a time, in order, and keeps the session's timer.

Events caused while an event is performed (a handler that calls back into the
instance) queue behind the current ones, so handlers see transitions in the
order they happened and never re-entrantly. A paused pump (a coroutine
restore-call handler is running) keeps its events until it is resumed.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Callable

from console.core.client import ClientSession
from console.core.client import events as ev


class EventPump:
    def __init__(self, session: ClientSession, perform: Callable[[ev.Event], None]) -> None:
        self._session = session
        self._perform = perform
        self._queue: deque[ev.Event] = deque()
        self._pumping = False
        self.paused = False  # a coroutine restore-call handler is running: the rest waits for it
        self._timer: asyncio.TimerHandle | None = None

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    def run(self, events: list[ev.Event]) -> None:
        """Perform ``events`` (after those already queued), then re-arm the session's timer."""
        self._queue.extend(events)
        if self._pumping or self.paused:
            return
        self._pumping = True
        try:
            while self._queue and not self.paused:
                self._perform(self._queue.popleft())
        finally:
            self._pumping = False
        self._arm_timer()

    def queue(self, events: list[ev.Event]) -> None:
        """Queue ``events`` behind the current ones without performing them now."""
        self._queue.extend(events)

    def stop(self) -> None:
        """No more timer ticks (the instance is closing)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arm_timer(self) -> None:
        deadline = self._session.next_deadline()
        if self._timer is not None and (deadline is None or self._timer.when() != deadline):
            self._timer.cancel()
            self._timer = None
        if deadline is not None and self._timer is None:
            self._timer = asyncio.get_running_loop().call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self.run(self._session.tick(self.now()))
