"""WebRtcInstance: the connection, the login and the calls (the seed's anynodeWebRtcInstance)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from console.comm import CommClosed, CommError, CommFactory, CommInterface, default_comm_factory, server_url
from console.core.callinfo import CallInfo
from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, AuthMethod, Direction, ErrorCode
from console.core.errors import CallStateError, ProtocolError
from console.core.machines import can_start_login
from console.core.protocol import Message, MsgType, decode, encode, request

from .call import WebRtcCall
from .handlers import TaskSet, fire, log
from .media_glue import MediaGlue
from .reconnect import Reconnector

DEFAULT_CLIENT = "anynode-console (Python)"
REQUEST_TIMEOUT = 10.0
MAX_ORPHANS = 64

# error code of a failed login/restore -> the login state it means
_LOGIN_FAILURES = {
    ErrorCode.DIAL_STRING_MISSING: LOGIN_STATES.DIAL_STRING_MISSING,
    ErrorCode.NO_DIAL_STRING_FOR_USER: LOGIN_STATES.NO_DIAL_STRING_FOR_USER,
    ErrorCode.RESTORE_FAILED: LOGIN_STATES.LOGIN_RESTORE_FAILED,
}


class RequestFailed(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class WebRtcInstance(MediaGlue, Reconnector):
    """Connects to a switch, logs in, creates outgoing calls and signals incoming ones.

    Every method returns at once (it needs a running asyncio loop); progress
    arrives through the handlers, which may be plain or coroutine functions.
    """

    def __init__(
        self,
        on_login_status: Callable[[LOGIN_STATES], Any] | None,
        on_incoming_call: Callable[[WebRtcCall], Any] | None,
        client_description: str | None = None,
        *,
        device: Any = "auto",
        ice_servers: tuple | list = (),
        ca_file: str | None = None,
        comm_factory: CommFactory | None = None,
        auto_hold: bool = True,
        request_timeout: float = REQUEST_TIMEOUT,
        media_timeout: float = 10.0,
        auto_reconnect: bool = False,
    ):
        self._on_login_status = on_login_status
        self._on_incoming_call = on_incoming_call
        self._on_restore_call: Callable[[WebRtcCall], Any] | None = None
        self._on_error: Callable[[WebRtcCall | None, str], Any] | None = None
        self.client_description = client_description or DEFAULT_CLIENT
        self._ca_file = ca_file
        self._comm_factory = comm_factory or default_comm_factory
        self.auto_hold = auto_hold
        self._request_timeout = request_timeout
        self._tasks = TaskSet()
        self._comm: CommInterface | None = None
        self._reader: asyncio.Task | None = None
        self._pending: dict[int, asyncio.Future] = {}
        self._next_id = 1
        self.login_state: LOGIN_STATES | None = None
        self.server: str | None = None
        self._secure = False
        self._identifier: str | None = None
        self._number: str | None = None
        self._name: str | None = None
        self._calls: dict[str, WebRtcCall] = {}
        self._dialing: set[WebRtcCall] = set()  # outgoing calls the switch has not named yet
        self._orphans: dict[str, CallInfo] = {}  # call events that overtook their dial result
        self._hangup_when_known: set[WebRtcCall] = set()
        self._ended_by_switch: str | None = None  # the reason of a logged_out event
        self._logging_out = False
        self._closing = False  # aclose() was called
        MediaGlue.__init__(self, device=device, ice_servers=ice_servers, media_timeout=media_timeout)
        Reconnector.__init__(self, auto_reconnect)

    # -- the seed's methods ---------------------------------------------------
    def login(self, server: str, secure: bool, notification: bool, username: str, password: str, number: str | None = None) -> None:
        body = {"auth": str(AuthMethod.PASSWORD), "username": username, "password": password,
                "number": number or None, "notification": bool(notification)}
        self._start(server, secure, MsgType.LOGIN, body)

    def login_with_token(self, server: str, secure: bool, token: str, username: str | None = None, number: str | None = None) -> None:
        body = {"auth": str(AuthMethod.TOKEN), "token": token, "username": username or None, "number": number or None}
        self._start(server, secure, MsgType.LOGIN, body)

    def try_restore_login(self, server: str, secure: bool, notification: bool, identifier: str,
                          on_restore_call: Callable[[WebRtcCall], Any] | None) -> bool:
        if not identifier or not can_start_login(self.login_state):
            return False
        self._on_restore_call = on_restore_call
        return self._start(server, secure, MsgType.RESTORE, {"identifier": identifier, "notification": bool(notification)})

    def logout(self) -> None:
        if self.login_state not in (LOGIN_STATES.SUCCESS, LOGIN_STATES.CONNECTING):
            log.info("logout: not logged in (state %s)", self.login_state)
            return
        self._logging_out = True
        self._spawn(self._logout())

    def get_login_identifier(self) -> str | None:
        return self._identifier

    def get_local_display_name(self) -> str | None:
        return self._name

    def get_local_dial_string(self) -> str | None:
        return self._number

    def create_outgoing_call(self) -> WebRtcCall:
        return WebRtcCall(self, Direction.OUT)

    def control_logging(self, enable: bool) -> None:
        """Diagnostic messages go to the ``console.webrtc`` logger at DEBUG when enabled."""
        log.setLevel(logging.DEBUG if enable else logging.WARNING)

    # -- extras ---------------------------------------------------------------
    @property
    def calls(self) -> list[WebRtcCall]:
        return [*self._dialing, *self._calls.values()]

    def set_error_handler(self, handler: Callable[[WebRtcCall | None, str], Any] | None) -> None:
        """Called with (call or None, message) when the switch refuses a request made in the background."""
        self._on_error = handler

    async def aclose(self) -> None:
        """Drop the connection without logging out (as a closed browser tab would) and end every task.

        No login state is reported for it: the application asked for it.
        """
        self._closing = True
        if self._comm is not None:
            await self._comm.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        await self._close_media()
        await self._tasks.cancel_all()

    # -- login ----------------------------------------------------------------
    def _start(self, server: str, secure: bool, msg_type: MsgType, body: dict) -> bool:
        if not can_start_login(self.login_state):
            raise CallStateError(f"cannot start a login in state {self.login_state}")
        self.server, self._secure = server, bool(secure)
        self._ended_by_switch = None
        self._logging_out = self._closing = False
        self._set_login(LOGIN_STATES.CONNECTING)
        body = {**body, "client": self.client_description}
        self._spawn(self._session(server, secure, msg_type, body), name="login")
        return True

    async def _session(self, server: str, secure: bool, msg_type: MsgType, body: dict) -> None:
        comm = self._comm_factory()
        url = server_url(server, secure)
        try:
            await comm.connect(url, secure=secure, ca_file=self._ca_file)
        except CommError as exc:
            log.warning("login: %s", exc)
            self._set_login(LOGIN_STATES.SERVER_ACCESS)
            return
        self._comm = comm
        self._reader = asyncio.get_running_loop().create_task(self._read_loop(comm), name="reader")
        try:
            result = await self._request(msg_type, **body)
        except RequestFailed as exc:
            log.warning("login refused: %s", exc)
            self._set_login(_LOGIN_FAILURES.get(ErrorCode(exc.code), LOGIN_STATES.SERVER_ACCESS)
                            if exc.code in ErrorCode.__members__.values() else LOGIN_STATES.SERVER_ACCESS)
            await comm.close()
            return
        except (CommClosed, asyncio.TimeoutError) as exc:
            log.warning("login: connection ended: %s", exc or "timeout")
            await comm.close()
            return
        self._identifier = result.get("identifier")
        lifetime = result.get("lifetime")
        if isinstance(lifetime, (int, float)) and lifetime > 0:
            self._lifetime = float(lifetime)
        self._number = result.get("number")
        self._name = result.get("name")
        self._set_login(LOGIN_STATES.SUCCESS)
        if msg_type is MsgType.RESTORE:
            for data in result.get("calls") or []:
                await self._restore_call(CallInfo.from_wire(data))

    async def _restore_call(self, info: CallInfo) -> None:
        call = self._calls.get(info.call)
        if call is None:
            call = WebRtcCall(self, info.direction, info)
            self._calls[info.call] = call
        call._absorb(info)
        if self._on_restore_call is not None:
            try:
                outcome = self._on_restore_call(call)
                if asyncio.iscoroutine(outcome):
                    await outcome
            except Exception:
                log.exception("restore call handler raised")
        # the seed: the current state is signalled to the call state handler after onRestoreCall
        call._set_state(info.state, notify_always=True)
        self._media_restored(call)

    async def _logout(self) -> None:
        try:
            await self._request(MsgType.LOGOUT)
        except (RequestFailed, CommClosed, asyncio.TimeoutError) as exc:
            log.info("logout: %s", exc)
        self._end_calls_locally(DISC_REASON.USERTERMINATED)
        self._set_login(LOGIN_STATES.LOGGED_OUT_EXPLICIT)
        if self._comm is not None:
            await self._comm.close()

    def _set_login(self, state: LOGIN_STATES) -> None:
        if state == self.login_state:
            return
        log.debug("login: %s -> %s", self.login_state, state)
        self.login_state = state
        fire(self._tasks, self._on_login_status, state)
        self._login_settled(state)

    def _require_login(self) -> None:
        if self.login_state is not LOGIN_STATES.SUCCESS:
            raise CallStateError(f"not logged in (login state {self.login_state})")

    # -- the wire -------------------------------------------------------------
    async def _request(self, msg_type: MsgType, **body: Any) -> Message:
        comm = self._comm
        if comm is None:
            raise CommClosed(None, "not connected")
        request_id, self._next_id = self._next_id, self._next_id + 1
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await comm.send(encode(request(msg_type, request_id, **body)))
            async with asyncio.timeout(self._request_timeout):
                reply: Message = await future
        finally:
            self._pending.pop(request_id, None)
        if reply.type is MsgType.ERROR:
            raise RequestFailed(reply.get("code", "internal"), reply.get("message", ""))
        return reply

    async def _read_loop(self, comm: CommInterface) -> None:
        closed: CommClosed
        try:
            while True:
                self._on_frame(await comm.receive())
        except CommClosed as exc:
            closed = exc
        except asyncio.CancelledError:
            closed = CommClosed(None, "cancelled")
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(CommClosed(None, "connection closed"))
        if self._comm is comm:
            self._comm = None
        self._on_closed(closed)

    def _on_closed(self, exc: CommClosed) -> None:
        log.debug("connection closed: %s", exc)
        if self._ended_by_switch is not None or self._logging_out or self._closing:
            return
        if self.login_state in (LOGIN_STATES.SUCCESS, LOGIN_STATES.CONNECTING):
            if self.login_state is LOGIN_STATES.SUCCESS:
                self._connection_lost()  # first, so the handler already sees ``reconnecting``
            self._set_login(LOGIN_STATES.CONNECTION_LOST)

    def _on_frame(self, text: str) -> None:
        try:
            msg = decode(text)
        except ProtocolError as exc:
            log.warning("ignored a bad frame from the switch: %s", exc)
            return
        if msg.type in (MsgType.RESULT, MsgType.ERROR):
            future = self._pending.get(msg.id) if msg.id is not None else None
            if future is not None and not future.done():
                future.set_result(msg)
            elif msg.type is MsgType.ERROR:
                log.warning("switch error: %s %s", msg.get("code"), msg.get("message"))
                fire(self._tasks, self._on_error, None, f"{msg.get('code')}: {msg.get('message')}")
        elif msg.type is MsgType.CALL:
            try:
                self._on_call_info(CallInfo.from_wire(msg.get("call")))
            except ProtocolError as exc:
                log.warning("ignored a bad call event: %s", exc)
        elif msg.type is MsgType.DTMF:
            call = self._calls.get(msg.get("call"))
            if call is not None:
                call._digits(msg.get("digits"))
        elif msg.type is MsgType.LOGOUT_EVENT:
            self._ended_by_switch = str(msg.get("reason"))
            log.info("the switch ended the session: %s", self._ended_by_switch)
            moved = self._ended_by_switch == "taken_over"
            self._end_calls_locally(DISC_REASON.REDIRECTED if moved else DISC_REASON.ERROR)
            self._set_login(LOGIN_STATES.LOGGED_OUT_IMPLICIT)
        else:
            log.warning("ignored an unexpected %s frame from the switch", msg.type)

    def _on_call_info(self, info: CallInfo) -> None:
        call = self._calls.get(info.call)
        if call is not None:
            call._update(info)
            return
        if info.direction is Direction.IN and info.state is CALL_STATES.OFFERING:
            call = WebRtcCall(self, Direction.IN, info)
            self._calls[info.call] = call
            log.debug("incoming call %s from %s", info.call, info.remote_number)
            if self._on_incoming_call is None:
                log.info("no incoming call handler: declining %s", info.call)
                call.decline()
            else:
                fire(self._tasks, self._on_incoming_call, call)
            return
        if len(self._orphans) >= MAX_ORPHANS:
            self._orphans.pop(next(iter(self._orphans)))
        self._orphans[info.call] = info  # a dial result will claim it

    def _state_changed(self, call: WebRtcCall, previous: CALL_STATES | None) -> None:
        state = call.get_state()
        self._media_state_changed(call, previous)
        if state is CALL_STATES.DISCONNECTED:
            if call.id is not None:
                self._calls.pop(call.id, None)
            self._dialing.discard(call)
            self._hangup_when_known.discard(call)

    def _end_calls_locally(self, reason: DISC_REASON) -> None:
        for call in self.calls:
            if call.get_state() is not CALL_STATES.DISCONNECTED:
                call._reason = call._reason or reason
                call._set_state(CALL_STATES.DISCONNECTED)

    # -- call requests (run as tasks; failures reach the error handler) -------
    def _spawn(self, coro: Any, name: str | None = None) -> asyncio.Task:
        return self._tasks.spawn(coro, name=name)

    def _failed(self, call: WebRtcCall | None, what: str, exc: Exception) -> None:
        message = f"{what} failed: {exc}"
        log.warning("call %s: %s", call.id if call else "-", message)
        fire(self._tasks, self._on_error, call, message)

    async def _dial(self, call: WebRtcCall, number: str, name: str) -> None:
        self._dialing.add(call)

        def named(result: Message) -> None:
            info = CallInfo.from_wire(result.get("call"))
            self._dialing.discard(call)
            call.id = info.call
            self._calls[info.call] = call
            call._update(self._orphans.pop(info.call, info))  # events that overtook the result are newer

        try:
            await self._hold_others(call)
            await self._negotiate(call, MsgType.DIAL, "sendrecv", named, number=number, name=name or None)
        except (RequestFailed, CommClosed, asyncio.TimeoutError, RuntimeError, ProtocolError) as exc:
            self._dialing.discard(call)
            self._failed(call, "dial", exc)
            if call.id is None:
                call._reason = DISC_REASON.ERROR
                call._set_state(CALL_STATES.DISCONNECTED)
            return
        if call in self._hangup_when_known and call.get_state() is not CALL_STATES.DISCONNECTED:
            self._hangup_when_known.discard(call)
            await self._simple(call, MsgType.DISCONNECT)

    async def _answer(self, call: WebRtcCall) -> None:
        await self._hold_others(call)
        await self._negotiate_or_report(call, MsgType.ANSWER, "sendrecv")

    async def _hold(self, call: WebRtcCall) -> None:
        await self._negotiate_or_report(call, MsgType.HOLD, "inactive")

    async def _retrieve(self, call: WebRtcCall) -> None:
        await self._hold_others(call)
        await self._negotiate_or_report(call, MsgType.RETRIEVE, "sendrecv")

    async def _negotiate_or_report(self, call: WebRtcCall, msg_type: MsgType, direction: str) -> None:
        try:
            await self._negotiate(call, msg_type, direction, None, call=call.id)
        except (RequestFailed, CommClosed, asyncio.TimeoutError, RuntimeError) as exc:
            self._failed(call, str(msg_type), exc)

    async def _negotiate(self, target: WebRtcCall, msg_type: MsgType, direction: str,
                         on_result: Callable[[Message], None] | None, **body: Any) -> Message:
        """Offer (if the call has media), request, apply the answer: one at a time per call.

        The lock keeps a quick hold-then-retrieve from applying the hold's
        answer to the retrieve's offer.
        """
        async with target.negotiation:
            offer = await self._offer(target, direction)
            result = await self._request(msg_type, sdp=offer, **body)
            if on_result is not None:
                on_result(result)
            await self._answered(target, result)
            return result

    async def _hold_others(self, call: WebRtcCall) -> None:
        """The devices belong to one call: hold every other connected call first."""
        if not self.auto_hold:
            return
        for other in list(self._calls.values()):
            if other is not call and other.get_state() is CALL_STATES.CONNECTED:
                await self._hold(other)

    async def _simple(self, call: WebRtcCall, msg_type: MsgType, **body: Any) -> None:
        try:
            await self._request(msg_type, call=call.id, **body)
        except (RequestFailed, CommClosed, asyncio.TimeoutError) as exc:
            self._failed(call, str(msg_type), exc)
