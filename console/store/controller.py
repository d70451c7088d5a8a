"""The Controller: takes the operator's actions, owns the client and the request queue, wires the effects.

No Textual here: it runs under plain asyncio, and the UI is one subscriber of
its :class:`~console.store.store.Store` among possible others. Every operator
request is a method that checks the board, calls the client and turns a
refusal (a :class:`~console.core.errors.ConsoleError`) into an error line in
the state, so a wrong key never crashes the console and never changes a call;
any other exception is a bug, logged with its traceback (see :mod:`.refusals`).
The client's handlers come back here and become events.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Callable

from console.core.dtmf import check_digits
from console.core.enums import CALL_STATES, LOGIN_STATES
from console.core.errors import CallStateError
from console.core.machines import LEGAL, CallRequest

from . import events as ev
from .calls import CallBook, call_added, call_changed
from .client import ClientFactory, NoClientError, is_secure
from .contact import contact_refusal
from .conference import operator_words
from .desk import Desk
from .effects import BoardKeeper, HistoryRecorder, Linger, LogBridge, RecordKeeper, Ringer, SessionKeeper
from .effects.sessions import SESSION_OVER
from .features import Features
from .host import on_call
from .login_failure import check_url, classify
from .readings import DeviceReading, read_hub, silence, sink_level
from .refusals import attempt
from .requests import CORE, Queued, RequestQueue, refusal, ringing_target, send
from .resume import Resume
from .state import LINGER_SECONDS, MAX_SLOTS, AppState, CallView, EndCause, LogLevel, LoginFailure, Request
from .store import Store
from .turned_away import turned_away

if TYPE_CHECKING:
    from console.persist import BoardFile, CallHistory, SessionFile
    # the client as the controller needs it (a typed port the real WebRtcInstance satisfies)
    from .port import CallPort as WebRtcCall
    from .port import ClientPort as WebRtcInstance


class Controller:
    """The switchboard's actions. Create it inside the running loop's thread; ``store`` is its state."""

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
        self.store = Store(max_slots=max_slots)
        self.sessions = sessions
        self.history = history
        self.clock = clock
        self.wall = wall
        self.media = media  # None: give calls an audio sink only if the client has a device hub
        self._log_loggers = log_loggers
        self.client: WebRtcInstance | None = None
        self.calls = CallBook()
        self._bridge: LogBridge | None = None
        self.auto_accept = auto_accept  # incoming calls ring at the caller (accept) as soon as they arrive
        self.request_timeout = request_timeout
        self._requests = RequestQueue()
        self._request_timer: asyncio.TimerHandle | None = None
        self._client_lines: deque[str] = deque(maxlen=20)  # the client's recent warnings: why a login failed
        self.desk = Desk(self)  # attendant: directory, presence, park, DND, forwarding, announced transfer
        self.features = Features(self, wall, recordings, max_recording_seconds)  # mute, recording, conference
        self.resume = Resume(self, self.features, wall)  # what the operator set, back after a restart
        self.record_keeper: RecordKeeper | None = None  # the call records' keeper, when one is subscribed (cli)
        # the effects, subscribed before anyone else: each state is acted on before the screen shows it
        self.linger = Linger(linger, owns=lambda key: key in self.calls, free=self._forget)
        self.board = self.desk.board = BoardKeeper(board, clock, wall, self.error)
        self.store.subscribe(Ringer(self._ring))
        self.store.subscribe(self.linger)
        if history is not None:
            recorder = HistoryRecorder(history, clock, self.error)
            for event in recorder.loaded():
                self.dispatch(event)
            self.store.subscribe(recorder)
        self.store.subscribe(self.board)
        if sessions is not None:
            self.store.subscribe(SessionKeeper(sessions, self._identifier, self.dispatch, self.error))

    # -- the state (the store's) -------------------------------------------------------
    @property
    def state(self) -> AppState:
        return self.store.state

    def dispatch(self, event: Any) -> None:
        self.store.dispatch(event)

    # -- life cycle -----------------------------------------------------------------
    @property
    def display_only(self) -> bool:
        """Built without a client (snapshot tests): it shows what its store holds and logs no one in."""
        return self._factory is None

    def open(self) -> WebRtcInstance:
        """Create the client (once) and bridge its logging. Needs the running loop."""
        if self.client is None:
            if self._factory is None:
                raise NoClientError("this console has no client (built for display only)")
            loop = asyncio.get_running_loop()
            self.client = self._factory(self._on_login_status, self._on_incoming_call)
            self.client.set_error_handler(self._on_client_error)
            self.desk.attach(self.client)
            self.client.set_turned_away_handler(lambda notice: self.dispatch(turned_away(notice, self.clock())))
            self.client.set_device_handler(lambda change: self.dispatch(ev.DeviceChanged(change)))
            self._bridge = LogBridge(self._log, loop, self._log_loggers)
            self._bridge.setLevel(logging.WARNING)  # the client's diagnostics (DEBUG, INFO) only when asked for
            self._bridge.attach()
            self.client.control_logging(True)  # the library writes only when told to; the log pane wants it
        return self.client

    async def aclose(self) -> None:
        """Drop the connection without logging out (the session stays restorable) and stop timers."""
        self.board.close()  # the calls live on at the switch: keep their slots for the next start
        self.linger.close()
        self.resume.close()
        if self._bridge is not None:
            self._bridge.detach()
            self._bridge = None
        client, self.client = self.client, None
        if client is not None:
            await client.aclose()

    def _identifier(self) -> str | None:
        return self.client.get_login_identifier() if self.client is not None else None

    def _ring(self, on: bool) -> bool:
        if not self.media or self.client is None:
            return False
        client = self.client
        self.attempt("ring", lambda: client.set_ringing(on))
        return True
    # -- login actions --------------------------------------------------------------
    def _bad_url(self, server: str) -> bool:
        problem = check_url(server)
        if problem is None:
            return False
        self.dispatch(ev.LoginStarted(server))
        self.dispatch(ev.LoginFailed(LoginFailure.BAD_URL, problem))
        self.error(f"login: bad server address: {problem}")
        return True

    def login(self, server: str, username: str, password: str, number: str | None = None, *,
              allow_cleartext: bool = False) -> bool:
        """``allow_cleartext``: the operator agreed to log in without TLS to another host (the client refuses
        that otherwise; ``console.core.transport``)."""
        if self._bad_url(server):
            return False

        def run() -> None:
            client = self._begin(allow_cleartext, ev.LoginStarted(server, username))
            client.login(server, is_secure(server), False, username, password, number or None)

        return self.attempt("login", run)

    def login_with_token(self, server: str, token: str, username: str | None = None, number: str | None = None, *,
                         allow_cleartext: bool = False) -> bool:
        if self._bad_url(server):
            return False

        def run() -> None:
            client = self._begin(allow_cleartext, ev.LoginStarted(server, username or ""))
            client.login_with_token(server, is_secure(server), token, username or None, number or None)

        return self.attempt("token login", run)

    def _begin(self, allow_cleartext: bool, started: ev.LoginStarted) -> WebRtcInstance:
        """The client for a login or restore, told whether the operator agreed to cleartext; the board told."""
        self._client_lines.clear()  # the new attempt's warnings only: they say why it failed
        client = self.open()
        client.allow_cleartext = allow_cleartext
        self.dispatch(started)
        return client

    def link_details(self) -> dict[str, str]:
        """The client's link details for the status pane (SIP: AOR, registration expiry, transport); {} if none."""
        return self.client.link_details() if self.client is not None else {}

    def saved_identifier(self, server: str) -> str | None:
        return self.sessions.get(server) if self.sessions is not None else None

    def restore(self, server: str, *, allow_cleartext: bool = False) -> bool:
        """Try the saved session for ``server``; False if there is none or the client would not start.
        ``allow_cleartext`` as for ``login`` (the identifier is a credential too)."""
        identifier = self.saved_identifier(server)
        self.dispatch(ev.SavedSessionChanged(identifier is not None))
        if identifier is None:
            return False
        started = False
        self.board.reread()  # read the board before the restored calls rewrite it

        def run() -> None:
            nonlocal started
            client = self._begin(allow_cleartext, ev.LoginStarted(server, restoring=True))
            started = bool(client.try_restore_login(server, is_secure(server), False, identifier,
                                                    self._on_restore_call))

        self.attempt("restore", run)
        return started

    @property
    def reconnecting(self) -> bool:
        """The client is restoring a lost connection by itself: no need for the login screen."""
        return bool(self.client is not None and self.client.reconnecting)

    def logout(self) -> bool:
        return self.attempt("logout", lambda: self.open().logout())

    def set_client_logging(self, enable: bool) -> None:
        self.attempt("logging", lambda: self._show_diagnostics(enable))
        self._log(LogLevel.INFO, "console", f"client diagnostics {'on' if enable else 'off'}")

    def _show_diagnostics(self, enable: bool) -> None:
        """The client logs all the time (see ``open``); the log pane shows its diagnostics or only its warnings."""
        self.open()
        if self._bridge is not None:
            self._bridge.setLevel(logging.DEBUG if enable else logging.WARNING)

    # -- call actions ---------------------------------------------------------------
    def dial(self, number: str, name: str = "") -> int | None:
        """Dial ``number`` in a free slot; returns the slot, or None if refused (see the log)."""
        number = number.strip()
        if not number:
            self.error("dial: enter a number first")
            return None
        if self.state.free_slot() is None and not self.linger.make_room(self.state):
            self.error("dial: every slot is in use; end a call first")
            return None
        calls: list[WebRtcCall] = []
        if not self.attempt("dial", lambda: calls.append(self.open().create_outgoing_call())):
            return None
        call = calls[0]
        key = self._adopt(call, remote_number=number)
        self.dispatch(ev.Dialed(number))
        if not self.attempt("dial", lambda: call.dial(number, name)):
            self._forget(key)
            return None
        self._refresh(call)
        self.dispatch(ev.ErrorCleared())
        view = self.state.call_by_key(key)
        return view.slot if view else None

    def focus_step(self, step: int) -> bool:
        """Select the next (+1) or previous (-1) call in slot order, wrapping; for slots past 9."""
        slots = sorted(call.slot for call in self.state.calls)
        if not slots:
            return False
        current = self.state.focused
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
        return self._queue_request(Request.DECLINE, self.state.target(slot))

    def hangup(self, slot: int | None = None) -> bool:
        return self._queue_request(Request.HANGUP, self.state.target(slot))

    def hold(self, slot: int | None = None) -> bool:
        return self._queue_request(Request.HOLD, self.state.target(slot))

    def retrieve(self, slot: int | None = None) -> bool:
        return self._queue_request(Request.RETRIEVE, self.state.target(slot))

    def hangup_all(self) -> int:
        """End every live call (after the operator confirmed); returns how many were asked to end."""
        count = 0
        for view in self.state.calls:
            if not view.ended and self._expected(view) is not CALL_STATES.DISCONNECTED:
                request = Request.DECLINE if self._expected(view) in (CALL_STATES.OFFERING, CALL_STATES.RINGING) \
                    and view.direction.value == "in" else Request.HANGUP
                count += self._queue_request(request, view, quiet=True)
        return count

    def live_calls(self) -> int:
        return sum(1 for c in self.state.calls if not c.ended)

    def focus(self, slot: int) -> bool:
        if self.state.call_in(slot) is None:
            self.error(f"focus: slot {slot} is empty")
            return False
        self.dispatch(ev.FocusSlot(slot))
        self.dispatch(ev.ErrorCleared())
        return True

    def transfer(self, slot_a: int, slot_b: int) -> bool:
        """Join the calls in two slots (the switch connects their far ends; both end here)."""
        a, b = self.state.call_in(slot_a), self.state.call_in(slot_b)
        if a is None or b is None:
            self.error(f"transfer: slot {slot_a if a is None else slot_b} is empty")
            return False
        call_a, call_b = self.calls.get(a.key), self.calls.get(b.key)
        if call_a is None or call_b is None:
            self.error("transfer: a call has already ended")
            return False
        self.dispatch(ev.TransferRequested(a.key, b.key))
        if not self.attempt(f"transfer {slot_a}-{slot_b}", lambda: call_a.transfer(call_b)):
            self.dispatch(ev.TransferFailed(a.key, b.key))
            return False
        self._log(LogLevel.INFO, "call", f"transfer requested: [{slot_a}] {a.remote_number} <-> [{slot_b}] {b.remote_number}")
        return True

    def send_digits(self, digits: str, slot: int | None = None) -> bool:
        """Send DTMF on the selected (or named) call; digits the console refuses are neither sent nor shown as sent."""
        view = self.state.target(slot)

        def run(call: WebRtcCall) -> None:
            check_digits(digits)  # the client would report a bad digit later, after we had shown it as sent
            states, _ = LEGAL[CallRequest.DTMF]
            if call.get_state() not in states:
                raise CallStateError(f"DTMF needs a connected call; it is {str(call.get_state()).lower()}")
            for digit in digits:
                call.send_digit(digit)
                self.dispatch(ev.DigitsSent(view.key, digit.upper()))  # type: ignore[union-attr]

        return on_call(self, "send DTMF", view, run)

    def level(self, slot: int) -> float | None:
        """The received audio level of a slot's call in dBFS, if it has a level meter."""
        view = self.state.call_in(slot)
        return sink_level(self.calls.sinks.get(view.key) if view is not None else None)

    def silent_for(self, slot: int) -> float:
        """Seconds the call in ``slot`` has had no audio although it should (0: fine, or no media)."""
        view = self.state.call_in(slot)
        return silence(self.calls.get(view.key) if view is not None and not view.ended and view.audio else None)

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
            if self.media:  # the switchboard's choice: the device runs before the first call needs it
                self.attempt("audio device", client.prepare_media)
        failure = classify(status, list(self._client_lines), self.state.login.restoring,
                           is_secure(self.state.login.server),
                           kind=client.last_login_failure if client is not None else None)
        if failure is not None:
            self.dispatch(ev.LoginFailed(failure, self._client_lines[-1] if self._client_lines else ""))
        self.dispatch(ev.LoginChanged(status, self.clock(), number=number, display_name=name))
        if status is LOGIN_STATES.SUCCESS and client is not None:
            self.desk.logged_in(client)
        if status in SESSION_OVER:
            self._requests.clear()  # the reducer ended every card; the effects record them and free their slots

    def _on_incoming_call(self, call: WebRtcCall) -> None:
        if self.state.free_slot() is None and not self.linger.make_room(self.state):  # ended cards give way
            number, name = call.get_remote_number() or "", call.get_remote_name() or ""
            self.dispatch(ev.CallRefused(self.clock(), self.wall(), number, name))  # the history records it
            self.attempt("decline", call.decline)
            return
        key = self._adopt(call)
        if self.auto_accept and call.get_state() is CALL_STATES.OFFERING:
            self._queue_request(Request.ACCEPT, self.state.call_by_key(key), quiet=True)

    def _on_restore_call(self, call: WebRtcCall) -> None:
        known = call.id is not None and any(c.call_id == call.id for c in self.state.calls)  # a reconnect
        key = self._adopt(call, restored=True)
        if not known:  # back after a restart: what the operator set (mute first: before the media starts)
            self.resume.restored(key, call, self.board.hint(call.id))
        if call.get_state() in (CALL_STATES.CONNECTED, CALL_STATES.HOLDING, CALL_STATES.HELD):
            self._want_media(call)  # a restored ringing call gets its media when answered, not now

    def _on_call_state(self, call: WebRtcCall, state: CALL_STATES) -> None:
        key = self.calls.key_of(call)
        if key is None:
            return
        self._refresh(call)  # the effects save the session, the board and the history, and time the linger
        if state is CALL_STATES.CONNECTED:
            self._want_media(call)
        elif state is CALL_STATES.DISCONNECTED:
            self.desk.call_ended(key)
        if self._requests.observe(key, state):
            self._request_done(key)

    def _on_media_state(self, call: WebRtcCall) -> None:
        self._refresh(call)

    def _on_dtmf(self, call: WebRtcCall, digits: str) -> None:
        key = self.calls.key_of(call)
        if key is not None:
            self.dispatch(ev.DigitsReceived(key, digits))

    def _on_client_error(self, call: WebRtcCall | None, message: str) -> None:
        key = self.calls.key_of(call) if call is not None else None
        view = self.state.call_by_key(key) if key else None
        prefix = f"[{view.slot}] " if view is not None else ""
        text = operator_words(f"{prefix}{message}", self.state.calls)  # callers by name, never by the switch's id
        self.dispatch(ev.ErrorRaised(self.clock(), text, source="client"))
        if key is not None and self._requests.release(key):
            self._request_done(key)
        if key is not None:
            self.desk.transfer_refused(key)
        if view is not None and view.transfer_pending:
            partner = next((c for c in self.state.calls if c.transfer_pending and c.key != view.key), None)
            self.dispatch(ev.TransferFailed(view.key, partner.key if partner else view.key))

    # -- helpers ---------------------------------------------------------------------------
    def _adopt(self, call: WebRtcCall, restored: bool = False, remote_number: str = "") -> str:
        key = self.calls.add(call)
        call.set_call_state_handler(self._on_call_state)
        call.set_media_state_handler(self._on_media_state)
        call.set_remote_hold_handler(lambda c, held: self._refresh(c))  # "held by both ends" has no state change
        call.set_dtmf_handler(self._on_dtmf)
        call.set_recording_handler(self.features.on_recording)
        call.set_conference_handler(self.features.on_conference)
        hint = self.board.hint(call.id) if restored else None
        self.dispatch(call_added(key, call, self.clock(), self.wall(), restored, remote_number, hint))
        return key

    def _refresh(self, call: WebRtcCall) -> None:
        key = self.calls.key_of(call)
        if key is None:
            return
        state = call.get_state()
        cause = None
        if state is CALL_STATES.DISCONNECTED:
            # a call the client ends while our restore is under way is one the server no longer has
            restoring = self.state.login.restoring or (self.client is not None and self.client.reconnecting)
            lost = EndCause.SERVER_LOST if restoring else None
            cause = self.calls.causes.get(key, lost)
        self.dispatch(call_changed(key, call, self.clock(), cause))

    def _want_media(self, call: WebRtcCall) -> None:
        wanted = self.media if self.media is not None else (self.client is not None and self.client.hub is not None)
        if not wanted or call.has_audio_element() or call.get_state() is CALL_STATES.DISCONNECTED:
            return
        try:
            from console.media.sinks import LevelMeterSink
        except ImportError:  # no media layer (or no aiortc/av): signaling-only calls
            return
        key = self.calls.key_of(call)
        sink = LevelMeterSink()
        if key is not None:
            self.calls.sinks[key] = sink
        self.attempt("audio", lambda: call.set_audio_element(sink))
        self._refresh(call)

    def _forget(self, key: str) -> None:
        call = self.calls.remove(key)
        if call is not None:
            call.set_call_state_handler(None)
        self.dispatch(ev.CallFreed(key))

    def _expected(self, view: CallView) -> CALL_STATES:
        """The call's state once the requests queued on it are through: what the operator sees coming."""
        return self._requests.expected_state(view.key, view.state)

    def _ringing_target(self, slot: int | None, request: Request) -> CallView | None:
        """See :func:`.requests.ringing_target`; a call picked for being the one ringing longest becomes the
        selected call, and the log names it."""
        target, longest = ringing_target(self.state, self._requests, slot, request)
        if longest and target is not None:
            self.dispatch(ev.FocusSlot(target.slot))
            self._log(LogLevel.INFO, "console", f"{request} [{target.slot}] {target.remote_number} "
                                                f"{target.remote_name}: the call ringing longest".replace("  ", " "))
        return target

    # -- the request queue ------------------------------------------------------------------
    def _queue_request(self, request: Request, view: CallView | None, quiet: bool = False) -> bool:
        what = str(request)
        if view is None:
            self.error(f"{what}: no call selected")
            return False
        if view.key not in self.calls:
            self.error(f"{what}: the call in slot {view.slot} has ended")
            return False
        if (why := contact_refusal(self.state, view)) is not None:
            self.error(f"{what} [{view.slot}]: {why}")
            return False
        expected = self._expected(view)
        problem = refusal(request, view, expected)
        if problem is not None:
            self.error(f"{what} [{view.slot}]: {problem}")
            return False
        if request in (Request.DECLINE, Request.HANGUP):
            self.calls.causes[view.key] = EndCause.DECLINED_HERE if request is Request.DECLINE else EndCause.HUNG_UP_HERE
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
            call = self.calls.get(item.key)
            view = self.state.call_by_key(item.key)
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
            if not self.attempt(f"{item.request} {item.label}", lambda: send(call, item.request)):
                self._requests.release()
                self.dispatch(ev.RequestPending(item.key, self._requests.last_for(item.key)))
                continue
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
            self._request_done(item.key)

    def _request_done(self, key: str) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None
        view = self.state.call_by_key(key)
        if view is not None and view.ended:
            for item in self._requests.drop(key):
                self._log(LogLevel.INFO, "console", f"{item.request} {item.label}: the call has ended meanwhile")
        self.dispatch(ev.RequestPending(key, self._requests.last_for(key)))
        self._pump()

    # -- lines for the operator ---------------------------------------------------------------
    def attempt(self, what: str, fn: Callable[[], Any]) -> bool:
        """Run a client request; a refusal is an error line, any other exception an internal failure
        (its traceback to the log). True if it went through."""
        return attempt(what, fn, self.error, self._failed)

    def _failed(self, text: str, details: str) -> None:
        self.dispatch(ev.ErrorRaised(self.clock(), text, details=details))  # one log line: the details


    def note(self, text: str, level: LogLevel = LogLevel.INFO, source: str = "console") -> None:
        """Add a line to the log (for the UI's own messages)."""
        self._log(level, source, text)

    def error(self, text: str) -> None:
        """Report a refused request: the status line shows it and the log keeps it."""
        self.dispatch(ev.ErrorRaised(self.clock(), text))

    def _log(self, level: LogLevel, source: str, text: str) -> None:
        if source != "console" and level in (LogLevel.WARNING, LogLevel.ERROR):
            self._client_lines.append(text)
        self.dispatch(ev.LogAppended(self.clock(), level, source, text))
