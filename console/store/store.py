"""The Store: owns the client instance, turns its handler calls into events, reduces, notifies.

No Textual here: the store runs under plain asyncio, and the UI is one
subscriber among possible others. Every operator request is a method that
calls the client and turns a refusal (``CallStateError``,
``InvalidDigitError``, a bad argument) into an error line in the state, so a
wrong key never crashes the console and never changes a call.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Callable

from console.core.enums import CALL_STATES, LOGIN_STATES
from console.core.dtmf import check_digits
from console.core.errors import CallStateError, ConsoleError
from console.core.machines import LEGAL, CallRequest

from . import events as ev
from .login_failure import check_url, classify
from .readings import DeviceReading, read_hub
from .reducer import reduce
from .refusals import attempt
from .history import history_items
from .attendant import Desk
from .requests import CORE, Queued, RequestQueue, refusal, send
from .state import LINGER_SECONDS, MAX_SLOTS, AppState, CallKind, CallView, EndCause, LogLevel, LoginFailure, Request

if TYPE_CHECKING:
    from console.persist import BoardFile, CallHistory, SessionFile
    # the client as the store needs it (a typed port the real WebRtcInstance satisfies)
    from .port import CallPort as WebRtcCall
    from .port import ClientPort as WebRtcInstance

ClientFactory = Callable[[Callable[..., Any], Callable[..., Any]], "WebRtcInstance"]
Subscriber = Callable[[AppState], None]

log = logging.getLogger("console.store")


class NoClientError(ConsoleError, RuntimeError):
    """A request to a store built for display only (no client factory)."""


_LOG_LEVELS = {logging.DEBUG: LogLevel.DEBUG, logging.INFO: LogLevel.INFO, logging.WARNING: LogLevel.WARNING}


def client_factory(device: Any = None, ice_servers: tuple = (), ca_file: str | None = None,
                   description: str = "anynode-console", auto_reconnect: bool = True,
                   ringer: str | int | None = None) -> ClientFactory:
    """The default: a real :class:`console.webrtc.WebRtcInstance` (imported when first needed).

    An operator's console reconnects by itself: a lost connection is restored
    while the switch keeps the session (``auto_reconnect``).
    """

    def make(on_login: Callable[..., Any], on_incoming: Callable[..., Any]) -> WebRtcInstance:
        from console.webrtc import WebRtcInstance

        # the switchboard's choices: a second call holds the connected one; diagnostics go to the log pane
        return WebRtcInstance(on_login, on_incoming, description, device=device, ringer=ringer, ice_servers=ice_servers,
                              ca_file=ca_file, auto_reconnect=auto_reconnect, auto_hold=True,
                              diagnostics_to_stderr=False)

    return make


def is_secure(server: str) -> bool:
    """ws:// and http:// are plain; anything else (wss://, https://, bare host:port) is TLS."""
    return not server.strip().lower().startswith(("ws://", "http://"))


class _LogBridge(logging.Handler):
    """Client diagnostics (logger ``console.webrtc``) into the store's log lines, on the loop thread."""

    def __init__(self, store: Store, loop: asyncio.AbstractEventLoop):
        super().__init__(logging.DEBUG)
        self.store, self.loop = store, loop

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not kill the caller
            text = str(record.msg)
        level = _LOG_LEVELS.get(record.levelno, LogLevel.ERROR)
        source = record.name.removeprefix("console.")
        if threading.get_ident() == self.store._loop_thread:
            self.store._log(level, source, text)
        else:
            self.loop.call_soon_threadsafe(self.store._log, level, source, text)


class Store:
    """The switchboard's single source of truth. Create it inside the running loop's thread."""

    def __init__(
        self,
        factory: ClientFactory | None = None,
        *,
        sessions: SessionFile | None = None,
        history: CallHistory | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        linger: float = LINGER_SECONDS,
        media: bool | None = None,
        log_loggers: tuple[str, ...] = ("console.webrtc", "console.core", "console.media"),
        board: BoardFile | None = None,
        auto_accept: bool = False,
        request_timeout: float = 10.0,
        max_slots: int = MAX_SLOTS,
        recordings: Any = None,
        max_recording_seconds: float = 3600.0,
    ):
        self._factory = factory
        self.sessions = sessions
        self.history = history
        self.clock = clock
        self.wall = wall
        self.linger = linger
        self.media = media  # None: give calls an audio sink only if the client has a device hub
        self._log_loggers = log_loggers
        self._state = AppState(max_slots=max_slots)
        self._subscribers: list[Subscriber] = []
        self._pending: deque[ev.Event] = deque()
        self._dispatching = False
        self.client: WebRtcInstance | None = None
        self._calls: dict[str, WebRtcCall] = {}
        self._keys: dict[int, str] = {}  # id(call object) -> key
        self._sinks: dict[str, Any] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._next_key = 1
        self._ringing = False
        self._bridge: _LogBridge | None = None
        self._loop_thread = threading.get_ident()
        self.board = board
        self.auto_accept = auto_accept  # incoming calls ring at the caller (accept) as soon as they arrive
        self.request_timeout = request_timeout
        self._requests = RequestQueue()
        self._request_timer: asyncio.TimerHandle | None = None
        self._client_lines: deque[str] = deque(maxlen=20)  # the client's recent warnings: why a login failed
        self._causes: dict[str, EndCause] = {}  # calls this console ended on purpose
        self._board_seen: tuple = ()
        self._hints: dict[str, dict] | None = None
        self.desk = Desk(self)  # attendant: directory, presence, park, DND, forwarding, announced transfer
        self.recordings = recordings  # a persist.RecordingFolder: where recordings go (None: recording is off)
        self.max_recording_seconds = max_recording_seconds
        if history is not None:
            self.dispatch(ev.HistoryLoaded(history.recent_numbers()))
            self.dispatch(ev.HistoryItemsLoaded(history_items(history)))

    # -- state and subscribers --------------------------------------------------
    @property
    def state(self) -> AppState:
        return self._state

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
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
        self._ring_if_needed()

    def _ring_if_needed(self) -> None:
        """An incoming call rings the speaker too (where media is on), not only the screen."""
        ringing = bool(self._state.ringing_calls())
        if ringing == self._ringing or not self.media or self.client is None:
            return
        self._ringing = ringing
        self._attempt("ring", lambda: self.client.set_ringing(ringing))

    # -- life cycle -----------------------------------------------------------------
    def open(self) -> WebRtcInstance:
        """Create the client (once) and bridge its logging. Needs the running loop."""
        if self.client is None:
            if self._factory is None:
                raise NoClientError("this console has no client (built for display only)")
            loop = asyncio.get_running_loop()
            self._loop_thread = threading.get_ident()
            self.client = self._factory(self._on_login_status, self._on_incoming_call)
            self.client.set_error_handler(self._on_client_error)
            self.desk.attach(self.client)
            self._bridge = _LogBridge(self, loop)
            for name in self._log_loggers:
                logging.getLogger(name).addHandler(self._bridge)
        return self.client

    async def aclose(self) -> None:
        """Drop the connection without logging out (the session stays restorable) and stop timers."""
        self.board = None  # the calls live on at the switch: keep their slots for the next start
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        if self._bridge is not None:
            for name in self._log_loggers:
                logging.getLogger(name).removeHandler(self._bridge)
            self._bridge = None
        client, self.client = self.client, None
        if client is not None:
            await client.aclose()

    # -- login actions --------------------------------------------------------------
    def _bad_url(self, server: str) -> bool:
        problem = check_url(server)
        if problem is None:
            return False
        self.dispatch(ev.LoginStarted(server))
        self.dispatch(ev.LoginFailed(LoginFailure.BAD_URL, problem))
        self._error(f"login: bad server address: {problem}")
        return True

    def login(self, server: str, username: str, password: str, number: str | None = None) -> bool:
        if self._bad_url(server):
            return False
        self._client_lines.clear()

        def run() -> None:
            client = self.open()
            self.dispatch(ev.LoginStarted(server, username))
            client.login(server, is_secure(server), False, username, password, number or None)

        return self._attempt("login", run)

    def login_with_token(self, server: str, token: str, username: str | None = None, number: str | None = None) -> bool:
        if self._bad_url(server):
            return False
        self._client_lines.clear()

        def run() -> None:
            client = self.open()
            self.dispatch(ev.LoginStarted(server, username or ""))
            client.login_with_token(server, is_secure(server), token, username or None, number or None)

        return self._attempt("token login", run)

    def link_details(self) -> dict[str, str]:
        """The client's link details for the status pane (SIP: AOR, registration expiry, transport); {} if none."""
        return self.client.link_details() if self.client is not None else {}

    def saved_identifier(self, server: str) -> str | None:
        return self.sessions.get(server) if self.sessions is not None else None

    def restore(self, server: str) -> bool:
        """Try the saved session for ``server``; False if there is none or the client would not start."""
        identifier = self.saved_identifier(server)
        self.dispatch(ev.SavedSessionChanged(identifier is not None))
        if identifier is None:
            return False
        started = False
        self._client_lines.clear()
        self._hints = None
        self._board_hint("")  # read the board before the restored calls rewrite it

        def run() -> None:
            nonlocal started
            client = self.open()
            self.dispatch(ev.LoginStarted(server, restoring=True))
            started = bool(client.try_restore_login(server, is_secure(server), False, identifier,
                                                    self._on_restore_call))

        self._attempt("restore", run)
        return started

    @property
    def reconnecting(self) -> bool:
        """The client is restoring a lost connection by itself: no need for the login screen."""
        return bool(self.client is not None and self.client.reconnecting)

    def logout(self) -> bool:
        return self._attempt("logout", lambda: self.open().logout())

    def set_client_logging(self, enable: bool) -> None:
        self._attempt("logging", lambda: self.open().control_logging(enable))
        self._log(LogLevel.INFO, "console", f"client diagnostics {'on' if enable else 'off'}")

    # -- call actions ---------------------------------------------------------------
    def dial(self, number: str, name: str = "") -> int | None:
        """Dial ``number`` in a free slot; returns the slot, or None if refused (see the log)."""
        number = number.strip()
        if not number:
            self._error("dial: enter a number first")
            return None
        if self._state.free_slot() is None:
            self._error("dial: every slot is in use; end a call first")
            return None
        calls: list[WebRtcCall] = []
        if not self._attempt("dial", lambda: calls.append(self.open().create_outgoing_call())):
            return None
        call = calls[0]
        key = self._adopt(call, remote_number=number)
        self.dispatch(ev.Dialed(number))
        if not self._attempt("dial", lambda: call.dial(number, name)):
            self._forget(key)
            return None
        self._refresh(call)
        self.dispatch(ev.ErrorCleared())
        view = self._state.call_by_key(key)
        return view.slot if view else None

    def focus_step(self, step: int) -> bool:
        """Select the next (+1) or previous (-1) call in slot order, wrapping; for slots past 9."""
        slots = sorted(call.slot for call in self._state.calls)
        if not slots:
            return False
        current = self._state.focused
        index = slots.index(current) if current in slots else (-1 if step > 0 else 0)
        return self.focus(slots[(index + step) % len(slots)])

    def answer(self, slot: int | None = None) -> bool:
        """Answer the named slot, else the selected call if it rings, else the call ringing longest
        (which then becomes the selected call, and the log says so)."""
        return self._queue_request(Request.ANSWER, self._ringing_target(slot, Request.ANSWER))

    def accept(self, slot: int | None = None) -> bool:
        return self._queue_request(Request.ACCEPT, self._ringing_target(slot, Request.ACCEPT))

    def decline(self, slot: int | None = None) -> bool:
        """Decline the named or selected call only: never a ringing call the operator has not selected."""
        return self._queue_request(Request.DECLINE, self._target(slot))

    def hangup(self, slot: int | None = None) -> bool:
        return self._queue_request(Request.HANGUP, self._target(slot))

    def hold(self, slot: int | None = None) -> bool:
        return self._queue_request(Request.HOLD, self._target(slot))

    def retrieve(self, slot: int | None = None) -> bool:
        return self._queue_request(Request.RETRIEVE, self._target(slot))

    def hangup_all(self) -> int:
        """End every live call (after the operator confirmed); returns how many were asked to end."""
        count = 0
        for view in self._state.calls:
            if not view.ended and self._expected(view) is not CALL_STATES.DISCONNECTED:
                request = Request.DECLINE if self._expected(view) in (CALL_STATES.OFFERING, CALL_STATES.RINGING) \
                    and view.direction.value == "in" else Request.HANGUP
                count += self._queue_request(request, view, quiet=True)
        return count

    def live_calls(self) -> int:
        return sum(1 for c in self._state.calls if not c.ended)

    def focus(self, slot: int) -> bool:
        if self._state.call_in(slot) is None:
            self._error(f"focus: slot {slot} is empty")
            return False
        self.dispatch(ev.FocusSlot(slot))
        self.dispatch(ev.ErrorCleared())
        return True

    def transfer(self, slot_a: int, slot_b: int) -> bool:
        """Join the calls in two slots (the switch connects their far ends; both end here)."""
        a, b = self._state.call_in(slot_a), self._state.call_in(slot_b)
        if a is None or b is None:
            self._error(f"transfer: slot {slot_a if a is None else slot_b} is empty")
            return False
        call_a, call_b = self._calls.get(a.key), self._calls.get(b.key)
        if call_a is None or call_b is None:
            self._error("transfer: a call has already ended")
            return False
        self.dispatch(ev.TransferRequested(a.key, b.key))
        if not self._attempt(f"transfer {slot_a}-{slot_b}", lambda: call_a.transfer(call_b)):
            self.dispatch(ev.TransferFailed(a.key, b.key))
            return False
        self._log(LogLevel.INFO, "call", f"transfer requested: [{slot_a}] {a.remote_number} <-> [{slot_b}] {b.remote_number}")
        return True

    def send_digits(self, digits: str, slot: int | None = None) -> bool:
        """Send DTMF on the selected (or named) call; digits the console refuses are neither sent nor shown as sent."""
        view = self._target(slot)

        def run(call: WebRtcCall) -> None:
            check_digits(digits)  # the client would report a bad digit later, after we had shown it as sent
            states, _ = LEGAL[CallRequest.DTMF]
            if call.get_state() not in states:
                raise CallStateError(f"DTMF needs a connected call; it is {str(call.get_state()).lower()}")
            for digit in digits:
                call.send_digit(digit)
                self.dispatch(ev.DigitsSent(view.key, digit.upper()))  # type: ignore[union-attr]

        return self._on_call("send DTMF", view, run)

    # -- extensions: mute and recording ----------------------------------------------------
    def toggle_mute(self, slot: int | None = None) -> bool:
        """Mute the selected (or named) call's microphone, or unmute it; the call keeps its state."""
        view = self._target(slot)

        def run(call: WebRtcCall) -> None:
            call.set_mute(not call.is_muted())
            self._features(call)
            self._log(LogLevel.INFO, "call", f"[{view.slot}] {view.remote_number or '?'} "  # type: ignore[union-attr]
                                             f"{'muted' if call.is_muted() else 'unmuted'}")

        return self._on_call("mute", view, run)

    def toggle_recording(self, slot: int | None = None) -> bool:
        """Start recording the selected call into the recordings folder, or stop its recording."""
        view = self._target(slot)
        if view is not None and view.recording:
            return self._on_call("stop recording", view, lambda call: call.stop_recording())
        if view is not None and view.state not in (CALL_STATES.CONNECTED, CALL_STATES.HELD, CALL_STATES.HOLDING):
            self._error(f"record [{view.slot}]: only a connected or held call can be recorded")
            return False
        if self.recordings is None and view is not None:
            self._error("record: this console has no recordings folder")
            return False

        def run(call: WebRtcCall) -> None:
            path = self.recordings.new_file(view.remote_number, self.wall())  # type: ignore[union-attr]
            call.start_recording(path, self.max_recording_seconds)

        return self._on_call("record", view, run)

    # -- extensions: conference ---------------------------------------------------------------
    def conference(self, slot: int | None = None) -> bool:
        """Join the selected call with every other call that is connected or on hold (and not in another
        conference) into a conference mixed at the switch; a selected call already in one takes the others in."""
        view = self._target(slot)
        if view is None:
            self._error("conference: no call selected")
            return False
        if not view.transferable:
            self._error(f"conference [{view.slot}]: the call is not connected or on hold")
            return False
        others = [c for c in self._state.calls if c.key != view.key and c.transferable and c.key in self._calls
                  and (not c.conference or c.conference == view.conference)]
        joining = [c for c in others if not c.conference]
        if not joining:
            self._error("conference: needs another call that is connected or on hold")
            return False
        calls = [self._calls[c.key] for c in joining]
        if not self._on_call("conference", view, lambda call: call.conference(*calls)):
            return False
        slots = ", ".join(str(c.slot) for c in (view, *joining))
        self._log(LogLevel.INFO, "call", f"conference requested: slots {slots}")
        return True

    def leave_conference(self, slot: int | None = None) -> bool:
        """Leave the selected call's conference: our calls in it end, the other parties stay connected."""
        view = self._target(slot)
        if view is not None and not view.conference:
            self._error(f"leave conference [{view.slot}]: the call is not in a conference")
            return False
        return self._on_call("leave conference", view, lambda call: call.leave_conference())

    def drop_party(self, slot: int | None = None) -> bool:
        """Drop the selected call's far party from its conference (the others stay)."""
        view = self._target(slot)
        if view is not None and not view.conference:
            self._error(f"drop party [{view.slot}]: the call is not in a conference")
            return False
        if view is not None:
            self._causes[view.key] = EndCause.HUNG_UP_HERE
        return self._on_call("drop party", view, lambda call: call.drop_party())

    def _on_conference(self, call: WebRtcCall, info: Any) -> None:
        key = self._keys.get(id(call))
        view = self._state.call_by_key(key) if key else None
        if view is not None and view.conference != (info.id if info is not None else ""):
            what = f"joined conference {info.id} ({info.parties} parties)" if info is not None \
                else f"left conference {view.conference}"
            self._log(LogLevel.INFO, "call", f"[{view.slot}] {view.remote_number or '?'} {what}")
        self._features(call)

    def _features(self, call: WebRtcCall) -> None:
        key = self._keys.get(id(call))
        if key is None:
            return
        room = call.get_conference()
        self.dispatch(ev.CallFeatures(
            key, muted=call.is_muted(), recording=call.get_recording_path() or "",
            conference=room.id if room is not None else "", conference_parties=room.parties if room is not None else 0,
        ))

    def _on_recording(self, call: WebRtcCall, path: str | None, reason: str) -> None:
        key = self._keys.get(id(call))
        view = self._state.call_by_key(key) if key else None
        label = f"[{view.slot}] {view.remote_number or '?'}" if view else "a call"
        if path is not None:
            self._log(LogLevel.INFO, "call", f"{label} recording to {path}")
        else:
            level = LogLevel.WARNING if reason in ("limit", "failed") else LogLevel.INFO
            why = {"limit": f"it reached the limit of {self.max_recording_seconds:g} s",
                   "failed": "the file could not be written", "ended": "the call ended"}.get(reason, "stopped")
            self._log(level, "call", f"{label} recording stopped: {why}")
        self._features(call)

    def level(self, slot: int) -> float | None:
        """The received audio level of a slot's call in dBFS, if it has a level meter."""
        view = self._state.call_in(slot)
        sink = self._sinks.get(view.key) if view is not None else None
        if sink is None:
            return None
        for name in ("peak", "dbfs", "level"):  # the decaying peak reads best on a meter
            value = getattr(sink, name, None)
            if isinstance(value, (int, float)):
                return float(value)
        return None

    def silent_for(self, slot: int) -> float:
        """Seconds the call in ``slot`` has had no audio although it should (0: fine, or no media)."""
        view = self._state.call_in(slot)
        call = self._calls.get(view.key) if view is not None and not view.ended else None
        if call is None or not view.audio:  # type: ignore[union-attr]
            return 0.0
        try:
            return max(0.0, float(call.seconds_without_audio()))
        except ConsoleError:
            return 0.0

    def device_reading(self) -> DeviceReading | None:
        """The audio device's levels for the status pane (None before it is open)."""
        return read_hub(self.client.hub) if self.client is not None else None

    # -- client handlers ------------------------------------------------------------------
    def _on_login_status(self, status: LOGIN_STATES) -> None:
        client = self.client
        number = name = ""
        if status is LOGIN_STATES.SUCCESS and client is not None:
            number = client.get_local_dial_string() or ""
            name = client.get_local_display_name() or ""
            identifier = client.get_login_identifier()
            if identifier and self.sessions is not None:
                self._persist(lambda: self.sessions.put(self._state.login.server, identifier,  # type: ignore[union-attr]
                                                        self._state.login.username))
                self.dispatch(ev.SavedSessionChanged(True))
            if self.media:  # the switchboard's choice: the device runs before the first call needs it
                self._attempt("audio device", client.prepare_media)
        elif status in (LOGIN_STATES.LOGGED_OUT_EXPLICIT, LOGIN_STATES.LOGGED_OUT_IMPLICIT,
                        LOGIN_STATES.LOGIN_RESTORE_FAILED) and self.sessions is not None:
            self._persist(lambda: self.sessions.forget(self._state.login.server))  # type: ignore[union-attr]
            self.dispatch(ev.SavedSessionChanged(False))
        failure = classify(status, list(self._client_lines), self._state.login.restoring,
                           is_secure(self._state.login.server),
                           kind=client.last_login_failure if client is not None else None)
        if failure is not None:
            self.dispatch(ev.LoginFailed(failure, self._client_lines[-1] if self._client_lines else ""))
        self.dispatch(ev.LoginChanged(status, self.clock(), number=number, display_name=name))
        if status is LOGIN_STATES.SUCCESS and client is not None:
            self.desk.logged_in(client)
        if status in (LOGIN_STATES.LOGGED_OUT_EXPLICIT, LOGIN_STATES.LOGGED_OUT_IMPLICIT,
                      LOGIN_STATES.LOGIN_RESTORE_FAILED):
            self._requests.clear()
            for view in self._state.calls:  # the reducer ended them; free their slots after the linger
                self._ended(view.key)
            self._save_board()

    def _on_incoming_call(self, call: WebRtcCall) -> None:
        if self._state.free_slot() is None:
            number, name = call.get_remote_number() or "", call.get_remote_name() or ""
            self.dispatch(ev.CallRefused(self.clock(), self.wall(), number, name))
            self._persist_history(number, name, "in", self.wall(), 0.0, "BUSY", False, CallKind.MISSED,
                                  EndCause.NO_FREE_SLOT)
            self._attempt("decline", call.decline)
            return
        key = self._adopt(call)
        if self.auto_accept and call.get_state() is CALL_STATES.OFFERING:
            self._queue_request(Request.ACCEPT, self._state.call_by_key(key), quiet=True)

    def _on_restore_call(self, call: WebRtcCall) -> None:
        self._adopt(call, restored=True)
        if call.get_state() in (CALL_STATES.CONNECTED, CALL_STATES.HOLDING, CALL_STATES.HELD):
            self._want_media(call)  # a restored ringing call gets its media when answered, not now

    def _on_call_state(self, call: WebRtcCall, state: CALL_STATES) -> None:
        key = self._keys.get(id(call))
        if key is None:
            return
        self._refresh(call)
        self._save_identifier_if_changed()
        if state is CALL_STATES.CONNECTED:
            self._want_media(call)
        elif state is CALL_STATES.DISCONNECTED:
            self._ended(key)
            self.desk.call_ended(key)
        if self._requests.observe(key, state):
            self._request_done(key, ok=True)
        self._save_board()

    def _on_media_state(self, call: WebRtcCall) -> None:
        self._refresh(call)

    def _on_dtmf(self, call: WebRtcCall, digits: str) -> None:
        key = self._keys.get(id(call))
        if key is not None:
            self.dispatch(ev.DigitsReceived(key, digits))

    def _on_client_error(self, call: WebRtcCall | None, message: str) -> None:
        key = self._keys.get(id(call)) if call is not None else None
        view = self._state.call_by_key(key) if key else None
        prefix = f"[{view.slot}] " if view is not None else ""
        self.dispatch(ev.ErrorRaised(self.clock(), f"{prefix}{message}", source="client"))
        if key is not None and self._requests.release(key):
            self._request_done(key, ok=False)
        if view is not None and view.transfer_pending:
            partner = next((c for c in self._state.calls if c.transfer_pending and c.key != view.key), None)
            self.dispatch(ev.TransferFailed(view.key, partner.key if partner else view.key))

    # -- helpers ---------------------------------------------------------------------------
    def _adopt(self, call: WebRtcCall, restored: bool = False, remote_number: str = "") -> str:
        key = f"k{self._next_key}"
        self._next_key += 1
        self._calls[key] = call
        self._keys[id(call)] = key
        call.set_call_state_handler(self._on_call_state)
        call.set_media_state_handler(self._on_media_state)
        call.set_dtmf_handler(self._on_dtmf)
        call.set_recording_handler(self._on_recording)
        call.set_conference_handler(self._on_conference)
        call_id = call.id
        hint = self._board_hint(call_id) if restored else None
        wall = self.wall()
        self.dispatch(ev.CallAdded(
            key=key, direction=call.direction, state=call.get_state(), at=self.clock(), wall=wall,
            call_id=call_id, remote_number=call.get_remote_number() or remote_number,
            remote_name=call.get_remote_name() or "", local_number=call.get_local_number() or "", restored=restored,
            remote_held=call.is_held_by_remote(),
            slot_hint=hint.get("slot") if hint else None,
            age=max(0.0, wall - hint["started"]) if hint and isinstance(hint.get("started"), (int, float)) else None,
            talk_age=max(0.0, wall - hint["connected"]) if hint and isinstance(hint.get("connected"), (int, float))
            else None,
        ))
        self._save_board()
        return key

    def _refresh(self, call: WebRtcCall) -> None:
        key = self._keys.get(id(call))
        if key is None:
            return
        state = call.get_state()
        cause = None
        if state is CALL_STATES.DISCONNECTED:
            # a call the client ends while our restore is under way is one the server no longer has
            restoring = self.state.login.restoring or (self.client is not None and self.client.reconnecting)
            lost = EndCause.SERVER_LOST if restoring else None
            cause = self._causes.get(key, lost)
        self.dispatch(ev.CallChanged(
            key=key, state=state, at=self.clock(), call_id=call.id,
            remote_number=call.get_remote_number() or "", remote_name=call.get_remote_name() or "",
            reason=call.get_disconnect_reason(), audio=call.has_audio_element(), video=call.get_media_video_active(),
            cause=cause, remote_held=call.is_held_by_remote(),
        ))

    def _want_media(self, call: WebRtcCall) -> None:
        wanted = self.media if self.media is not None else (self.client is not None and self.client.hub is not None)
        if not wanted or call.has_audio_element() or call.get_state() is CALL_STATES.DISCONNECTED:
            return
        try:
            from console.media.sinks import LevelMeterSink
        except ImportError:  # no media layer (or no aiortc/av): signaling-only calls
            return
        key = self._keys.get(id(call))
        sink = LevelMeterSink()
        if key is not None:
            self._sinks[key] = sink
        self._attempt("audio", lambda: call.set_audio_element(sink))
        self._refresh(call)

    def _ended(self, key: str) -> None:
        view = self._state.call_by_key(key)
        if view is not None and self.history is not None and key not in self._timers:
            self._record(view)
        if key not in self._timers:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._forget(key)
                return
            self._timers[key] = loop.call_later(self.linger, self._forget, key)

    def _record(self, view: CallView) -> None:
        talk = (view.ended_at or self.clock()) - view.connected_at if view.connected_at is not None else 0.0
        self._persist_history(view.remote_number, view.remote_name, str(view.direction), view.started_wall,
                              round(max(0.0, talk), 1), str(view.reason or ""), view.connected_at is not None,
                              view.kind, view.end_cause)

    def _persist_history(self, number: str, name: str, direction: str, started: float, duration: float,
                         reason: str, answered: bool, kind: CallKind, cause: EndCause | None) -> None:
        if self.history is None:
            return
        from console.persist import HistoryEntry

        entry = HistoryEntry(number=number, name=name, direction=direction, started=started, duration=duration,
                             reason=reason, answered=answered, kind=str(kind), cause=str(cause or ""))
        self._persist(lambda: self.history.append(entry))  # type: ignore[union-attr]

    # -- the board file: slots and start times that survive a restart of the console ----------
    def _board_hint(self, call_id: str | None) -> dict | None:
        """What the board file said about ``call_id`` when this store started (read once: restored calls
        rewrite the file as they come back)."""
        if call_id is None or self.board is None:
            return None
        if self._hints is None:
            try:
                self._hints = self.board.load()
            except ConsoleError:
                self._hints = {}
        return self._hints.get(call_id)

    def _save_board(self) -> None:
        if self.board is None:
            return
        now, wall = self.clock(), self.wall()
        calls = {c.call_id: {"slot": c.slot, "started": round(wall - (now - c.created_at), 3),
                             "connected": None if c.connected_at is None else round(wall - (now - c.connected_at), 3)}
                 for c in self._state.calls if c.call_id and not c.ended}
        signature = tuple(sorted((k, v["slot"], v["connected"] is not None) for k, v in calls.items()))
        if signature == self._board_seen:
            return
        self._board_seen = signature
        self._persist(lambda: self.board.save(calls))  # type: ignore[union-attr]

    def _forget(self, key: str) -> None:
        self._timers.pop(key, None)
        call = self._calls.pop(key, None)
        if call is not None:
            self._keys.pop(id(call), None)
            call.set_call_state_handler(None)
        self._sinks.pop(key, None)
        self._causes.pop(key, None)
        self.dispatch(ev.CallFreed(key))

    def _target(self, slot: int | None) -> CallView | None:
        return self._state.call_in(slot if slot is not None else self._state.focused)

    def _expected(self, view: CallView) -> CALL_STATES:
        """The call's state once the requests queued on it are through: what the operator sees coming."""
        return self._requests.expected_state(view.key, view.state)

    def _rings_here(self, view: CallView, request: Request) -> bool:
        wanted = (CALL_STATES.OFFERING,) if request is Request.ACCEPT else (CALL_STATES.OFFERING, CALL_STATES.RINGING)
        return view.ringing_in and self._expected(view) in wanted

    def _ringing_target(self, slot: int | None, request: Request) -> CallView | None:
        """The named slot; else the selected call if it (still) rings; else the call ringing longest,
        which becomes the selected call (the log names it)."""
        if slot is not None:
            return self._state.call_in(slot)
        focused = self._state.focused_call
        if focused is not None and self._rings_here(focused, request):
            return focused
        ringing = sorted((c for c in self._state.ringing_calls() if self._rings_here(c, request)),
                         key=lambda c: (c.created_at, c.slot))
        if not ringing:
            return focused
        target = ringing[0]
        self.dispatch(ev.FocusSlot(target.slot))
        self._log(LogLevel.INFO, "console", f"{request} [{target.slot}] {target.remote_number} "
                                            f"{target.remote_name}: the call ringing longest".replace("  ", " "))
        return target

    # -- the request queue ------------------------------------------------------------------
    def _queue_request(self, request: Request, view: CallView | None, quiet: bool = False) -> bool:
        what = str(request)
        if view is None:
            self._error(f"{what}: no call selected")
            return False
        if view.key not in self._calls:
            self._error(f"{what}: the call in slot {view.slot} has ended")
            return False
        expected = self._expected(view)
        problem = refusal(request, view, expected)
        if problem is not None:
            self._error(f"{what} [{view.slot}]: {problem}")
            return False
        if request in (Request.DECLINE, Request.HANGUP):
            self._causes[view.key] = EndCause.DECLINED_HERE if request is Request.DECLINE else EndCause.HUNG_UP_HERE
        label = f"[{view.slot}] {view.remote_number or '?'}"
        self._requests.add(Queued(view.key, request, label))
        self.dispatch(ev.RequestPending(view.key, request))
        if not quiet:
            self.dispatch(ev.ErrorCleared())
        self._pump()
        return True

    def _pump(self) -> None:
        """Send queued requests, one at a time, each checked against the call's state now."""
        while (item := self._requests.next_ready()) is not None:
            call = self._calls.get(item.key)
            view = self._state.call_by_key(item.key)
            if call is None or view is None or view.ended:
                self._requests.release()
                self.dispatch(ev.RequestPending(item.key, None))
                self._log(LogLevel.INFO, "console", f"{item.request} {item.label}: the call has ended meanwhile")
                continue
            states, _ = LEGAL[CORE[item.request]]
            state = call.get_state()
            if state not in states:
                self._requests.release()
                self.dispatch(ev.RequestPending(item.key, self._requests.last_for(item.key)))
                self._log(LogLevel.WARNING, "console", f"{item.request} {item.label} skipped: the call is "
                                                       f"{str(state).lower()} now")
                continue
            if not self._attempt(f"{item.request} {item.label}", lambda: send(call, item.request)):
                self._requests.release()
                self.dispatch(ev.RequestPending(item.key, self._requests.last_for(item.key)))
                continue
            if item.request is Request.HANGUP and state is CALL_STATES.DIALING:
                pass  # the client ends it once the switch names it; the state change completes it
            self._arm_timer()
            return

    def _arm_timer(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._request_timer = loop.call_later(self.request_timeout, self._request_timed_out)

    def _request_timed_out(self) -> None:
        self._request_timer = None
        item = self._requests.inflight
        if item is not None and self._requests.release():
            self._log(LogLevel.WARNING, "console", f"{item.request} {item.label}: no answer from the server yet; "
                                                   "going on with the next request")
            self._request_done(item.key, ok=False)

    def _request_done(self, key: str, ok: bool) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None
        view = self._state.call_by_key(key)
        if view is not None and view.ended:
            for item in self._requests.drop(key):
                self._log(LogLevel.INFO, "console", f"{item.request} {item.label}: the call has ended meanwhile")
        self.dispatch(ev.RequestPending(key, self._requests.last_for(key)))
        self._pump()

    def _on_call(self, what: str, view: CallView | None, fn: Callable[[WebRtcCall], None]) -> bool:
        if view is None:
            self._error(f"{what}: no call selected")
            return False
        call = self._calls.get(view.key)
        if call is None:
            self._error(f"{what}: the call in slot {view.slot} has ended")
            return False
        return self._attempt(f"{what} [{view.slot}]", lambda: fn(call))

    def _attempt(self, what: str, fn: Callable[[], Any]) -> bool:
        return attempt(what, fn, self._error, self._failed)

    def _failed(self, text: str, details: str) -> None:
        self._log(LogLevel.ERROR, "console", details)
        self._error(text)

    def _save_identifier_if_changed(self) -> None:
        """A SIP login's identifier carries its dialogs: keep the saved one current as calls come and go."""
        client, sessions, login = self.client, self.sessions, self._state.login
        if client is None or sessions is None or login.state is not LOGIN_STATES.SUCCESS:
            return
        identifier = client.get_login_identifier()
        if identifier and identifier != sessions.get(login.server):
            self._persist(lambda: sessions.put(login.server, identifier, login.username))

    def _persist(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except ConsoleError as exc:  # PersistenceError: the file could not be written
            self._error(f"could not save: {exc}")

    # -- for collaborators (the attendant desk) -----------------------------------------------
    def target(self, slot: int | None) -> CallView | None:
        """The call in ``slot``, or the selected one."""
        return self._target(slot)

    def on_call(self, what: str, view: CallView | None, fn: Callable[[WebRtcCall], None]) -> bool:
        """Run ``fn`` on the client's call behind ``view``; a refusal becomes an error line."""
        return self._on_call(what, view, fn)

    def attempt(self, what: str, fn: Callable[[], Any]) -> bool:
        return self._attempt(what, fn)

    def log_line(self, level: LogLevel, text: str) -> None:
        self._log(level, "console", text)

    def note(self, text: str, level: LogLevel = LogLevel.INFO, source: str = "console") -> None:
        """Add a line to the log (for the UI's own messages)."""
        self._log(level, source, text)

    def error(self, text: str) -> None:
        """Report a refused request: the status line shows it and the log keeps it."""
        self._error(text)

    def _error(self, text: str) -> None:
        self.dispatch(ev.ErrorRaised(self.clock(), text))

    def _log(self, level: LogLevel, source: str, text: str) -> None:
        if source != "console" and level in (LogLevel.WARNING, LogLevel.ERROR):
            self._client_lines.append(text)
        self.dispatch(ev.LogAppended(self.clock(), level, source, text))

