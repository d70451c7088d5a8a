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
from console.core.errors import CallStateError, ConsoleError, InvalidDigitError

from . import events as ev
from .reducer import reduce
from .state import LINGER_SECONDS, AppState, CallView, LogLevel

if TYPE_CHECKING:
    from console.settings import CallHistory, SessionFile
    # the client as the store needs it (a typed port the real WebRtcInstance satisfies)
    from .port import CallPort as WebRtcCall
    from .port import ClientPort as WebRtcInstance

ClientFactory = Callable[[Callable[..., Any], Callable[..., Any]], "WebRtcInstance"]
Subscriber = Callable[[AppState], None]

log = logging.getLogger("console.store")


class NoClientError(ConsoleError, RuntimeError):
    """A request to a store built for display only (no client factory)."""


_REFUSALS = (CallStateError, InvalidDigitError, ValueError, NoClientError)
_LOG_LEVELS = {logging.DEBUG: LogLevel.DEBUG, logging.INFO: LogLevel.INFO, logging.WARNING: LogLevel.WARNING}


def client_factory(device: Any = None, ice_servers: tuple = (), ca_file: str | None = None,
                   description: str = "anynode-console", auto_reconnect: bool = True) -> ClientFactory:
    """The default: a real :class:`console.webrtc.WebRtcInstance` (imported when first needed).

    An operator's console reconnects by itself: a lost connection is restored
    while the switch keeps the session (``auto_reconnect``).
    """

    def make(on_login: Callable[..., Any], on_incoming: Callable[..., Any]) -> WebRtcInstance:
        from console.webrtc import WebRtcInstance

        # the switchboard's choices: a second call holds the connected one; diagnostics go to the log pane
        return WebRtcInstance(on_login, on_incoming, description, device=device, ice_servers=ice_servers,
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
    ):
        self._factory = factory
        self.sessions = sessions
        self.history = history
        self.clock = clock
        self.wall = wall
        self.linger = linger
        self.media = media  # None: give calls an audio sink only if the client has a device hub
        self._log_loggers = log_loggers
        self._state = AppState()
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
        if history is not None:
            self.dispatch(ev.HistoryLoaded(history.recent_numbers()))

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
            self._bridge = _LogBridge(self, loop)
            for name in self._log_loggers:
                logging.getLogger(name).addHandler(self._bridge)
        return self.client

    async def aclose(self) -> None:
        """Drop the connection without logging out (the session stays restorable) and stop timers."""
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
    def login(self, server: str, username: str, password: str, number: str | None = None) -> bool:
        def run() -> None:
            client = self.open()
            self.dispatch(ev.LoginStarted(server, username))
            client.login(server, is_secure(server), False, username, password, number or None)

        return self._attempt("login", run)

    def login_with_token(self, server: str, token: str, username: str | None = None, number: str | None = None) -> bool:
        def run() -> None:
            client = self.open()
            self.dispatch(ev.LoginStarted(server, username or ""))
            client.login_with_token(server, is_secure(server), token, username or None, number or None)

        return self._attempt("token login", run)

    def link_details(self) -> dict[str, str]:
        """The client's link details for the status pane (SIP: AOR, registration expiry, transport); {} if none."""
        details = getattr(self.client, "link_details", None)
        return details() if callable(details) else {}

    def saved_identifier(self, server: str) -> str | None:
        return self.sessions.get(server) if self.sessions is not None else None

    def restore(self, server: str) -> bool:
        """Try the saved session for ``server``; False if there is none or the client would not start."""
        identifier = self.saved_identifier(server)
        self.dispatch(ev.SavedSessionChanged(identifier is not None))
        if identifier is None:
            return False
        started = False

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
        try:
            call = self.open().create_outgoing_call()
        except _REFUSALS as exc:
            self._error(f"dial: {exc}")
            return None
        key = self._adopt(call, remote_number=number)
        self.dispatch(ev.Dialed(number))
        if not self._attempt("dial", lambda: call.dial(number, name)):
            self._forget(key)
            return None
        self._refresh(call)
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
        return self._on_call("answer", self._ringing_target(slot), lambda c: c.answer())

    def accept(self, slot: int | None = None) -> bool:
        return self._on_call("accept", self._ringing_target(slot), lambda c: c.accept())

    def decline(self, slot: int | None = None) -> bool:
        return self._on_call("decline", self._ringing_target(slot), lambda c: c.decline())

    def hangup(self, slot: int | None = None) -> bool:
        return self._on_call("hang up", self._target(slot), lambda c: c.disconnect())

    def hold(self, slot: int | None = None) -> bool:
        return self._on_call("hold", self._target(slot), lambda c: c.hold())

    def retrieve(self, slot: int | None = None) -> bool:
        return self._on_call("retrieve", self._target(slot), lambda c: c.retrieve())

    def focus(self, slot: int) -> bool:
        if self._state.call_in(slot) is None:
            self._error(f"focus: slot {slot} is empty")
            return False
        self.dispatch(ev.FocusSlot(slot))
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
        view = self._target(slot)

        def run(call: WebRtcCall) -> None:
            for digit in digits:
                call.send_digit(digit)
                self.dispatch(ev.DigitsSent(view.key, digit.upper()))  # type: ignore[union-attr]

        return self._on_call("send DTMF", view, run)

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
        elif status in (LOGIN_STATES.LOGGED_OUT_EXPLICIT, LOGIN_STATES.LOGGED_OUT_IMPLICIT,
                        LOGIN_STATES.LOGIN_RESTORE_FAILED) and self.sessions is not None:
            self._persist(lambda: self.sessions.forget(self._state.login.server))  # type: ignore[union-attr]
            self.dispatch(ev.SavedSessionChanged(False))
        self.dispatch(ev.LoginChanged(status, self.clock(), number=number, display_name=name))
        if status in (LOGIN_STATES.LOGGED_OUT_EXPLICIT, LOGIN_STATES.LOGGED_OUT_IMPLICIT):
            for view in self._state.calls:  # the reducer ended them; free their slots after the linger
                self._ended(view.key)

    def _on_incoming_call(self, call: WebRtcCall) -> None:
        if self._state.free_slot() is None:
            self._log(LogLevel.WARNING, "call", f"declined a call from {call.get_remote_number()}: every slot is in use")
            self._attempt("decline", call.decline)
            return
        self._adopt(call)

    def _on_restore_call(self, call: WebRtcCall) -> None:
        self._adopt(call, restored=True)
        self._want_media(call)

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
        self.dispatch(ev.CallAdded(
            key=key, direction=call.direction, state=call.get_state(), at=self.clock(), wall=self.wall(),
            call_id=call.id, remote_number=call.get_remote_number() or remote_number,
            remote_name=call.get_remote_name() or "", local_number=call.get_local_number() or "", restored=restored,
        ))
        return key

    def _refresh(self, call: WebRtcCall) -> None:
        key = self._keys.get(id(call))
        if key is None:
            return
        self.dispatch(ev.CallChanged(
            key=key, state=call.get_state(), at=self.clock(), call_id=call.id,
            remote_number=call.get_remote_number() or "", remote_name=call.get_remote_name() or "",
            reason=call.get_disconnect_reason(), audio=call.has_audio_element(), video=call.get_media_video_active(),
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
        from console.settings import HistoryEntry

        talk = (view.ended_at or self.clock()) - view.connected_at if view.connected_at is not None else 0.0
        entry = HistoryEntry(number=view.remote_number, name=view.remote_name, direction=str(view.direction),
                             started=view.started_wall, duration=round(max(0.0, talk), 1),
                             reason=str(view.reason or ""), answered=view.connected_at is not None)
        self._persist(lambda: self.history.append(entry))  # type: ignore[union-attr]

    def _forget(self, key: str) -> None:
        self._timers.pop(key, None)
        call = self._calls.pop(key, None)
        if call is not None:
            self._keys.pop(id(call), None)
            call.set_call_state_handler(None)
        self._sinks.pop(key, None)
        self.dispatch(ev.CallFreed(key))

    def _target(self, slot: int | None) -> CallView | None:
        return self._state.call_in(slot if slot is not None else self._state.focused)

    def _ringing_target(self, slot: int | None) -> CallView | None:
        """The named slot; else the focused call if it rings; else the call ringing longest."""
        if slot is not None:
            return self._state.call_in(slot)
        focused = self._state.focused_call
        if focused is not None and focused.ringing_in:
            return focused
        ringing = sorted(self._state.ringing_calls(), key=lambda c: c.created_at)
        return ringing[0] if ringing else focused

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
        try:
            fn()
        except _REFUSALS as exc:
            self._error(f"{what}: {exc}")
            return False
        return True

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
        except OSError as exc:
            self._error(f"could not save: {exc}")

    def note(self, text: str, level: LogLevel = LogLevel.INFO, source: str = "console") -> None:
        """Add a line to the log (for the UI's own messages)."""
        self._log(level, source, text)

    def error(self, text: str) -> None:
        """Report a refused request: the status line shows it and the log keeps it."""
        self._error(text)

    def _error(self, text: str) -> None:
        self.dispatch(ev.ErrorRaised(self.clock(), text))

    def _log(self, level: LogLevel, source: str, text: str) -> None:
        self.dispatch(ev.LogAppended(self.clock(), level, source, text))
