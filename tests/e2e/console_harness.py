"""A console under test: a real WebRtcInstance whose handlers feed queues we can await with timeouts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from console.webrtc import CALL_STATES, LOGIN_STATES, WebRtcCall, WebRtcInstance
from store_wait import polled

TIMEOUT = 5.0


@dataclass
class Console:
    """One operator's console. Records every login state, incoming call, call state and digit."""

    url: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.logins: list[LOGIN_STATES] = []
        self.incoming: asyncio.Queue[WebRtcCall] = asyncio.Queue()
        self.restored: list[WebRtcCall] = []
        self.digits: dict[WebRtcCall, list[str]] = {}
        self.errors: list[str] = []
        self.recordings: dict[WebRtcCall, list[tuple[str | None, str]]] = {}  # (path, reason) per recording event
        self._changed = asyncio.Condition()
        self.kwargs.setdefault("device", None)
        self.kwargs.setdefault("auto_hold", True)  # as the switchboard builds it (the API's default is off)
        self.inst = WebRtcInstance(self._on_login, self._on_incoming, "test console", **self.kwargs)
        self.inst.set_error_handler(self._on_error)

    # handlers ---------------------------------------------------------------
    def _on_login(self, state: LOGIN_STATES) -> None:
        self.logins.append(state)
        self._poke()

    def _on_incoming(self, call: WebRtcCall) -> None:
        self.watch(call)
        self.incoming.put_nowait(call)

    def _on_restore(self, call: WebRtcCall) -> None:
        self.watch(call)
        self.restored.append(call)

    def _on_error(self, call: WebRtcCall | None, message: str) -> None:
        self.errors.append(message)
        self._poke()

    def watch(self, call: WebRtcCall) -> WebRtcCall:
        call.set_call_state_handler(lambda c, s: self._poke())
        call.set_dtmf_handler(lambda c, d: (self.digits.setdefault(c, []).append(d), self._poke()))
        call.set_conference_handler(lambda c, info: self._poke())
        call.set_recording_handler(lambda c, p, r: (self.recordings.setdefault(c, []).append((p, r)), self._poke()))
        return call

    def _poke(self) -> None:
        async def notify() -> None:
            async with self._changed:
                self._changed.notify_all()
        asyncio.get_running_loop().create_task(notify())

    # waiting ----------------------------------------------------------------
    async def until(self, predicate, what: str, timeout: float = TIMEOUT) -> None:
        try:
            async with asyncio.timeout(timeout):
                async with self._changed:
                    await self._changed.wait_for(predicate)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}; logins={self.logins} errors={self.errors}") from None

    async def measured(self, predicate, what: str, timeout: float = TIMEOUT, every: float = 0.02) -> None:
        """Poll a measurement (audio at a device, which posts no event) until it holds; bounded by ``timeout``."""
        await polled(predicate, what, timeout, every)

    async def login_state(self, state: LOGIN_STATES, timeout: float = TIMEOUT) -> None:
        await self.until(lambda: self.logins and self.logins[-1] is state, f"login state {state}", timeout)

    async def call_state(self, call: WebRtcCall, state: CALL_STATES, timeout: float = TIMEOUT) -> None:
        await self.until(lambda: call.get_state() is state, f"{call} to reach {state}", timeout)

    async def next_incoming(self, timeout: float = TIMEOUT) -> WebRtcCall:
        async with asyncio.timeout(timeout):
            return await self.incoming.get()

    # actions ----------------------------------------------------------------
    async def login(self, username: str, password: str, number: str | None = None) -> Console:
        self.inst.login(self.url, False, False, username, password, number)
        await self.login_state(LOGIN_STATES.SUCCESS)
        return self

    def dial(self, number: str, name: str = "") -> WebRtcCall:
        call = self.watch(self.inst.create_outgoing_call())
        call.dial(number, name)
        return call

    def restore(self, identifier: str) -> bool:
        return self.inst.try_restore_login(self.url, False, False, identifier, self._on_restore)

    async def close(self) -> None:
        await self.inst.aclose()


async def connect_pair(a: Console, b: Console) -> tuple[WebRtcCall, WebRtcCall]:
    """a dials b; b answers; both CONNECTED."""
    out = a.dial(b.inst.get_local_dial_string())
    inc = await b.next_incoming()
    inc.answer()
    await a.call_state(out, CALL_STATES.CONNECTED)
    await b.call_state(inc, CALL_STATES.CONNECTED)
    return out, inc
