"""The Store: the switchboard's state, the one way to change it (``dispatch``), and who hears of it.

No Textual, no client, no files, no timers: the store holds a frozen
:class:`~console.store.state.AppState`, reduces each event with the pure
reducer and tells its subscribers. Everything that acts on the world lives
elsewhere: the :class:`~console.store.controller.Controller` turns operator
actions and client handlers into events, and the effects
(``console.store.effects``) are subscribers that persist, ring and time.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Callable

from . import events as ev
from .reducer import reduce
from .state import MAX_SLOTS, AppState

Subscriber = Callable[[AppState], None]

log = logging.getLogger("console.store")


class Store:
    """The switchboard's single source of truth."""

    def __init__(self, state: AppState | None = None, *, max_slots: int = MAX_SLOTS):
        self._state = state if state is not None else AppState(max_slots=max_slots)
        self._subscribers: list[Subscriber] = []
        self._pending: deque[ev.Event] = deque()
        self._dispatching = False

    @property
    def state(self) -> AppState:
        return self._state

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Call ``fn`` with every new state (in subscription order); returns the way to stop."""
        self._subscribers.append(fn)

        def unsubscribe() -> None:
            if fn in self._subscribers:
                self._subscribers.remove(fn)

        return unsubscribe

    def dispatch(self, event: ev.Event) -> None:
        """Reduce ``event`` and notify; events raised while notifying queue up behind it."""
        self._pending.append(event)
        if self._dispatching:
            return
        self._dispatching = True
        try:
            while self._pending:
                self._state = reduce(self._state, self._pending.popleft())
                for fn in list(self._subscribers):
                    try:
                        fn(self._state)
                    except Exception:
                        log.exception("store subscriber %r failed", fn)
        finally:
            self._dispatching = False
