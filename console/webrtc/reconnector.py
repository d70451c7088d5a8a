"""Reconnector: restore the session after a lost connection while the switch still keeps it.

An operator whose network blinks should not have to log in again: the switch
keeps the session and its calls for its lifetime, so the reconnector retries
the restore with backoff until it succeeds, the switch says the session is
gone, or the lifetime has passed. Off by default (the seed's instance does not
reconnect by itself); the switchboard turns it on.

It works through a small port (:class:`ReconnectTarget`), not the instance's insides.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from console.core.enums import LOGIN_STATES

from .handlers import TaskSet

log = logging.getLogger("console.webrtc")
RECONNECT_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 10.0)  # seconds before each attempt; the last repeats
DEFAULT_LIFETIME = 300.0


class ReconnectTarget(Protocol):
    @property
    def login_state(self) -> LOGIN_STATES | None: ...

    @property
    def closing(self) -> bool: ...

    @property
    def lifetime(self) -> float | None: ...

    def restore_again(self) -> bool: ...

    def give_up_restore(self) -> None: ...


class Reconnector:
    def __init__(self, target: ReconnectTarget, tasks: TaskSet, enabled: bool) -> None:
        self._target = target
        self._tasks = tasks
        self.enabled = enabled
        self.active = False
        self._settled: asyncio.Future[LOGIN_STATES] | None = None

    def login_changed(self, state: LOGIN_STATES, can_restore: bool) -> None:
        """Called on every login state change, before the application hears of it."""
        if state is not LOGIN_STATES.CONNECTING and self._settled is not None and not self._settled.done():
            self._settled.set_result(state)
        if state is LOGIN_STATES.CONNECTION_LOST and self.enabled and not self.active and can_restore:
            self.active = True
            self._tasks.spawn(self._run(), name="reconnect")

    async def _run(self) -> None:
        target = self._target
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (target.lifetime or DEFAULT_LIFETIME)
        try:
            for attempt in range(10_000):  # bounded by the deadline long before this
                await asyncio.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)])
                if target.closing or target.login_state not in (LOGIN_STATES.CONNECTION_LOST, LOGIN_STATES.SERVER_ACCESS):
                    return  # the application logged in, out or closed meanwhile
                if loop.time() > deadline:
                    log.warning("reconnect: the session's lifetime has passed; log in again")
                    self.active = False
                    target.give_up_restore()
                    return
                log.info("reconnect: attempt %d", attempt + 1)
                self._settled = loop.create_future()
                if not target.restore_again():
                    return
                outcome = await self._settled
                if outcome in (LOGIN_STATES.SUCCESS, LOGIN_STATES.LOGIN_RESTORE_FAILED):
                    return
        finally:
            self.active = False
            self._settled = None
