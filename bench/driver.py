"""Consoles driven by a benchmark: the real WebRtcInstance, awaited through its handlers.

Like tests/e2e/console_harness.py, but owned by bench/ and with timestamps:
every call state a call reaches is stamped with ``time.perf_counter()`` in
the state handler, and sinks stamp the frames they get. Waiting is for a
handler to report a state, bounded by a timeout, never a sleep.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable
from typing import Any

from console.webrtc import CALL_STATES, LOGIN_STATES, WebRtcCall, WebRtcInstance

from .common import FrameMeter

TIMEOUT = 15.0


class KeptComms:
    """A comm factory that keeps the WebSocket comms it made, so a bench or a test can cut the current one
    (``await comms.made[-1].close()``: the network drops the WebSocket). tests/sip imports it from here: the
    bench does not import tests."""

    def __init__(self) -> None:
        self.made: list = []

    def __call__(self):
        from console.net.websocket import WebSocketComm

        comm = WebSocketComm()
        self.made.append(comm)
        return comm


class CountingSink(FrameMeter):
    """An audio element that counts frames, stamps the first, and can pass each on to ``on_frame``."""

    def __init__(self, on_frame: Callable[[Any], None] | None = None) -> None:
        super().__init__()
        self.first_at: float | None = None
        self.on_frame = on_frame
        self._first = asyncio.Event()

    def write(self, frame: Any) -> None:
        if self.first_at is None:
            self.first_at = time.perf_counter()
            self._first.set()
        self.count(frame)
        if self.on_frame is not None:
            self.on_frame(frame)

    async def first(self, timeout: float = TIMEOUT) -> float:
        async with asyncio.timeout(timeout):
            await self._first.wait()
        assert self.first_at is not None
        return self.first_at


class BenchConsole:
    """One console: ``await BenchConsole(url, device).login("operator", "operator")``."""

    def __init__(self, url: str, device: Any = None, **kwargs: Any) -> None:
        self.url = url
        self.logins: list[LOGIN_STATES] = []
        self.incoming: asyncio.Queue[WebRtcCall] = asyncio.Queue()
        self.errors: list[str] = []
        self.reached: weakref.WeakKeyDictionary[WebRtcCall, dict[CALL_STATES, float]] = weakref.WeakKeyDictionary()
        self._changed = asyncio.Event()
        self.inst = WebRtcInstance(self._on_login, self._on_incoming, "bench console", device=device, **kwargs)
        self.inst.set_error_handler(self._on_error)

    # handlers ---------------------------------------------------------------
    def _on_login(self, state: LOGIN_STATES) -> None:
        self.logins.append(state)
        self._changed.set()

    def _on_incoming(self, call: WebRtcCall) -> None:
        self.watch(call)
        self.incoming.put_nowait(call)

    def _on_error(self, call: WebRtcCall | None, message: str) -> None:
        self.errors.append(message)
        self._changed.set()

    def _on_state(self, call: WebRtcCall, state: CALL_STATES) -> None:
        self.reached.setdefault(call, {}).setdefault(state, time.perf_counter())
        self._changed.set()

    def watch(self, call: WebRtcCall) -> WebRtcCall:
        call.set_call_state_handler(self._on_state)
        return call

    # waiting ----------------------------------------------------------------
    async def until(self, predicate: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(f"timed out waiting for {what}; logins={self.logins} errors={self.errors[-3:]}") from None

    async def state(self, call: WebRtcCall, state: CALL_STATES, timeout: float = TIMEOUT) -> float:
        """Wait for ``call`` to reach ``state``; return when it did (perf_counter)."""
        def reached() -> bool:
            return state in self.reached.get(call, {})

        await self.until(lambda: reached() or call.get_state() is CALL_STATES.DISCONNECTED and state is not CALL_STATES.DISCONNECTED,
                         f"{call} to reach {state}", timeout)
        if not reached():
            raise RuntimeError(f"{call} ended ({call.get_disconnect_reason()}) before reaching {state}")
        return self.reached[call][state]

    async def next_incoming(self, timeout: float = TIMEOUT) -> WebRtcCall:
        async with asyncio.timeout(timeout):
            return await self.incoming.get()

    # actions ----------------------------------------------------------------
    async def login(self, username: str, password: str, number: str | None = None, timeout: float = TIMEOUT) -> BenchConsole:
        self.inst.login(self.url, False, False, username, password, number)
        await self._logged_in(timeout)
        return self

    async def login_token(self, token: str, timeout: float = TIMEOUT) -> BenchConsole:
        self.inst.login_with_token(self.url, False, token)
        await self._logged_in(timeout)
        return self

    async def _logged_in(self, timeout: float) -> None:
        await self.until(lambda: bool(self.logins) and self.logins[-1] not in (LOGIN_STATES.CONNECTING,), "login", timeout)
        if self.logins[-1] is not LOGIN_STATES.SUCCESS:
            raise RuntimeError(f"login failed: {self.logins[-1]}")

    def dial(self, number: str, sink: Any = None) -> WebRtcCall:
        """Dial with media if ``sink`` is given (the offer rides on the dial)."""
        call = self.watch(self.inst.create_outgoing_call())
        if sink is not None:
            call.set_audio_element(sink)
        call.dial(number)
        return call

    async def hang_up(self, call: WebRtcCall, timeout: float = TIMEOUT) -> None:
        if call.get_state() is not CALL_STATES.DISCONNECTED:
            call.disconnect()
        await self.state(call, CALL_STATES.DISCONNECTED, timeout)

    async def close(self) -> None:
        await media_closes_done()
        await self.inst.aclose()


async def media_closes_done(timeout: float = 5.0) -> None:
    """Let the media closes that a hang-up started in the background finish (bounded).

    A call's media closes in a task started when the call reaches
    DISCONNECTED; closing the instance right then would cancel that task
    half-way and leave an ICE transport behind.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(
        not task.done() and getattr(task.get_coro(), "__qualname__", "") == "CallMedia.close"
        for task in asyncio.all_tasks()
    ):
        await asyncio.sleep(0.02)


def demo_token(number: str, name: str = "", lifetime: float = 3600.0) -> str:
    """A JWT the demo switch accepts, registering ``number`` (no user: a console of its own)."""
    import jwt

    from console.switch.demo import demo_config

    settings = demo_config().jwt
    assert settings is not None and settings.secret
    claims = {"sub": f"bench-{number}", "number": number, "name": name or f"Bench {number}", "exp": int(time.time() + lifetime),
              "iss": settings.issuer, "aud": settings.audience}
    return jwt.encode(claims, settings.secret, algorithm="HS256")
