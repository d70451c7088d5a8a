"""Reconnecting after a lost connection: restore the session while the switch still keeps it.

An operator whose network blinks should not have to log in again: the switch
keeps the session and its calls for its lifetime, so the instance retries
``try_restore_login`` with backoff until it succeeds, the switch says the
session is gone, or the lifetime has passed. Off by default (the seed's
instance does not reconnect by itself); the switchboard turns it on.
"""

from __future__ import annotations

import asyncio
from typing import Any

from console.core.enums import LOGIN_STATES

from .handlers import log

RECONNECT_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 10.0)  # seconds before each attempt; the last repeats
DEFAULT_LIFETIME = 300.0


class Reconnector:
    """Mixed into WebRtcInstance; needs its login state, identifier and try_restore_login."""

    def __init__(self, auto_reconnect: bool) -> None:
        self.auto_reconnect = auto_reconnect
        self.reconnecting = False
        self._lifetime: float = DEFAULT_LIFETIME
        self._settled: asyncio.Future[LOGIN_STATES] | None = None

    def _login_settled(self, state: LOGIN_STATES) -> None:
        """Called on every login state change: wakes an attempt waiting for its outcome."""
        if state is not LOGIN_STATES.CONNECTING and self._settled is not None and not self._settled.done():
            self._settled.set_result(state)

    def _connection_lost(self) -> None:
        if self.auto_reconnect and not self.reconnecting and getattr(self, "_identifier", None):
            self.reconnecting = True
            self._spawn(self._reconnect(), name="reconnect")  # type: ignore[attr-defined]

    async def _reconnect(self) -> None:
        inst: Any = self
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._lifetime
        try:
            for attempt in range(10_000):  # bounded by the deadline long before this
                await asyncio.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)])
                if inst._closing or inst.login_state not in (LOGIN_STATES.CONNECTION_LOST, LOGIN_STATES.SERVER_ACCESS):
                    return  # the application logged in, out or closed meanwhile
                if loop.time() > deadline:
                    log.warning("reconnect: the session's lifetime has passed; log in again")
                    self.reconnecting = False
                    inst._set_login(LOGIN_STATES.LOGIN_RESTORE_FAILED)
                    return
                log.info("reconnect: attempt %d", attempt + 1)
                self._settled = loop.create_future()
                inst.try_restore_login(inst.server, inst._secure, False, inst._identifier, inst._on_restore_call)
                outcome = await self._settled
                if outcome in (LOGIN_STATES.SUCCESS, LOGIN_STATES.LOGIN_RESTORE_FAILED):
                    return
        finally:
            self.reconnecting = False
            self._settled = None
