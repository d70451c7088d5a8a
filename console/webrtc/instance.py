"""WebRtcInstance: the seed's anynodeWebRtcInstance, a thin asyncio driver over a core ClientSession.

The session (``console.core.client``) decides everything: login and call
states, request ids and their outcomes, what a close means. This driver does
the I/O it asks for -- connections (``console.net.comm``), timers, media
(:class:`CallMediaManager`) -- and calls the application's handlers with the
events it reports, one at a time and in order (a handler that calls back into
the instance queues its events behind the current ones).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
from typing import Any, Callable

from console.core.client import ClientSession, LoginFailureKind, LoginRequest, RestoreRequest
from console.core.client import events as ev
from console.core.device_change import DeviceChange
from console.core.directory import DirectoryEntry, Orbit, PresenceState, TurnedAway
from console.core.client.failover import next_server
from console.core.client.local_park import DEFAULT_ORBITS, ParkLot
from console.core.client.local_park import DEFAULT_RECALL as PARK_RECALL
from console.core.client.sip_transfer import DEFAULT_RECALL
from console.core.client.wire import ClientWire, DirectoryRequest, DndRequest, ForwardingRequest, SubscribeRequest
from console.core.client.wire import QueuePauseRequest, QueueStatusRequest
from console.core.queues import QueuePaused, QueueStatus
from console.core.client.sip_settings import SipDeskSettings
from console.core.enums import CALL_STATES, LOGIN_STATES, AuthMethod
from console.core.errors import REPORTED, CommClosed, CommError, ConsoleError, MediaError
from console.net.comm import CommFactory, server_url
from console.net.factory import default_comm_factory

from .call import WebRtcCall
from .call_media_manager import CallMediaManager
from .attendant_view import AttendantView
from .control import CallController
from .handlers import TaskSet, fire
from .link import OUTBOX_SIZE, Link, open_comm
from .pump import EventPump
from .local_park import LocalParker, check_park_mode
from .transfer_recall import TransferRecaller
from .reconnector import Reconnector

PICKUP_WINDOW = 5.0  # seconds after a pickup code within which the picked-up call arrives
log = logging.getLogger("console.webrtc")
DEFAULT_CLIENT = "anynode-console (Python)"
REQUEST_TIMEOUT = 10.0
LIBRARY_LOGGERS = ("console.webrtc", "console.core", "console.media", "console.net")
SILENT = logging.CRITICAL + 1  # control_logging(False): above every level, so no record is even made
_logging = {"chosen": False}  # whether the application has called control_logging in this process

_stderr = logging.StreamHandler(sys.stderr)
_stderr.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))


def _set_library_level(level: int) -> None:
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(level)


class WebRtcInstance:
    """Connects to a switch, logs in, creates outgoing calls and signals incoming ones.

    Every method returns at once (it needs a running asyncio loop) and never
    raises for a state or argument problem; progress arrives through the
    handlers (plain or coroutine functions), problems through ``set_error_handler``.
    """

    def __init__(
        self,
        on_login_status: Callable[[LOGIN_STATES], Any] | None,
        on_incoming_call: Callable[[WebRtcCall], Any] | None,
        client_description: str | None = None,
        *,
        device: Any = "auto",
        ringer: str | int | None = None,
        audio_latency_ms: int | None = None,
        ice_servers: tuple | list = (),
        ice_policy: str = "all",
        ca_file: str | None = None,
        comm_factory: CommFactory | None = None,
        wire: ClientWire | None = None,
        auto_hold: bool = False,
        request_timeout: float = REQUEST_TIMEOUT,
        media_timeout: float = 10.0,
        auto_reconnect: bool = False,
        diagnostics_to_stderr: bool = True,
        outbox_size: int = OUTBOX_SIZE,
        allow_cleartext: bool = False,
        sip_desk: SipDeskSettings | None = None,
        transfer_recall: float | None = None,
        park: str = "local",
        park_recall: float = PARK_RECALL,
        park_orbits: tuple[str, ...] = DEFAULT_ORBITS,
    ):
        self._on_login_status = on_login_status
        self._on_incoming_call = on_incoming_call
        self._on_restore_call: Callable[[WebRtcCall], Any] | None = None
        self._on_error: Callable[[WebRtcCall | None, str], Any] | None = None
        self.client_description = client_description or DEFAULT_CLIENT
        self._ca_file = ca_file
        self._outbox_size = outbox_size
        self._comm_factory = comm_factory or default_comm_factory
        self._diagnostics_to_stderr = diagnostics_to_stderr
        # Extra: logins (and restores) without TLS to another host are refused unless this is set
        # (console.core.transport: ws:// or sip+ws:// to anything but loopback, or secure=False with host:port).
        self.allow_cleartext = bool(allow_cleartext)
        if not _logging["chosen"]:  # writing diagnostics is off until the application turns it on
            _set_library_level(SILENT)
        self.session = ClientSession(wire, client_description=self.client_description,
                                     request_timeout=request_timeout, sip_desk=sip_desk)
        self._tasks = TaskSet()
        self.media = CallMediaManager(self._tasks, device=device, ice_servers=ice_servers, media_timeout=media_timeout,
                                      ringer=ringer, ice_policy=ice_policy, latency_ms=audio_latency_ms)
        self._reconnector = Reconnector(self, self._tasks, auto_reconnect)
        self._links: dict[int, Link] = {}  # the open connections (one live, older ones closing)
        self._calls: dict[int, WebRtcCall] = {}
        self._pump = EventPump(self.session, self._perform)
        self._restore_args: tuple[str, bool, bool, str] | None = None
        self._closing = False
        self._control = CallController(self.session, self.media, self._pump, self._calls, self._tasks,
                                       auto_hold=auto_hold)  # what calls ask of their instance
        # Extra: where the wire has no switch for it (SIP), blind and announced transfers consult first and
        # return the caller after ``transfer_recall`` s without an answer (console.core.client.sip_transfer)
        self._control.recaller = TransferRecaller(self.create_outgoing_call, self._control.report, DEFAULT_RECALL,
                                                  holds_on_dial=auto_hold)
        # Extra: park where the wire has no switch (SIP): "local" (held here with music, on an orbit, recalled
        # every ``park_recall`` s) or "refer:<the server's park extension>" (console.webrtc.local_park)
        if transfer_recall is not None:
            self.transfer_recall = transfer_recall
        self._control.park_mode = check_park_mode(park)
        self._control.parker = LocalParker(ParkLot(tuple(park_orbits), park_recall), self.media, self._absorb,
                                           self._control.report)
        self.attendant = AttendantView()  # directory, presence and orbits as the switch last said
        self._pickup_until: float | None = None  # pickup_ringing: the next incoming call is answered until then

    # -- the seed's methods ---------------------------------------------------
    def login(self, server: str, secure: bool, notification: bool, username: str, password: str,
              number: str | None = None) -> None:
        request = LoginRequest(AuthMethod.PASSWORD, username=_text(username), password=_text(password),
                               number=_text(number), notification=bool(notification))
        self._closing = False
        self._run(self.session.login(server, bool(secure), request, allow_cleartext=self.allow_cleartext))

    def login_with_token(self, server: str, secure: bool, token: str, username: str | None = None,
                         number: str | None = None) -> None:
        request = LoginRequest(AuthMethod.TOKEN, username=_text(username), token=_text(token), number=_text(number))
        self._closing = False
        self._run(self.session.login(server, bool(secure), request, allow_cleartext=self.allow_cleartext))

    def try_restore_login(self, server: str, secure: bool, notification: bool, identifier: str,
                          on_restore_call: Callable[[WebRtcCall], Any] | None) -> bool:
        events = self.session.login(server, bool(secure), RestoreRequest(identifier, bool(notification)),
                                    allow_cleartext=self.allow_cleartext)
        started = not any(isinstance(e, ev.ErrorReported) for e in events)
        if started:
            self._on_restore_call = on_restore_call
            self._restore_args = (server, bool(secure), bool(notification), identifier)
            self._closing = False
        self._run(events)
        return started

    def logout(self) -> None:
        self._run(self.session.logout(self._now()))

    def get_login_identifier(self) -> str | None:
        return self.session.identifier

    def get_local_display_name(self) -> str | None:
        return self.session.name

    def get_local_dial_string(self) -> str | None:
        return self.session.number

    def create_conference(self, calls: list[WebRtcCall]) -> None:
        """Extension: join ``calls`` (two or more of ours, connected or held) into a conference at the switch."""
        self._control.conference(list(calls))

    def create_outgoing_call(self) -> WebRtcCall:
        call = WebRtcCall(self._control, self.session.call(self.session.create_call()))
        self._calls[call.ref] = call
        return call

    def control_logging(self, enable: bool) -> None:
        """The seed's controlLogging: on, the library's diagnostics are written (DEBUG and up, to the
        application's handlers and, unless ``diagnostics_to_stderr=False``, to stderr); off, the library
        makes no log record at all, at any level, whatever the application's own loggers are set to.

        Python's loggers belong to the process, so this holds for every instance in it.
        """
        _logging["chosen"] = True
        _set_library_level(logging.DEBUG if enable else SILENT)
        root = logging.getLogger("console")
        if enable and self._diagnostics_to_stderr:
            if _stderr not in root.handlers:
                root.addHandler(_stderr)
        else:
            root.removeHandler(_stderr)

    # -- attendant extension (docs/API-MAPPING.md, Extensions) -----------------
    @property
    def supports_attendant(self) -> bool:
        """Whether the wire carries the attendant directory, lamps, DND and forwarding (JSON and SIP: docs/SIP.md)."""
        return self.session.supports_attendant

    def request_directory(self) -> None:
        """Ask the switch for its directory; ``set_directory_handler``'s handler gets it."""
        self._run(self.session.attendant(DirectoryRequest(), self._now()))

    def get_directory(self) -> tuple[DirectoryEntry, ...]:
        """The directory as last received (empty before ``request_directory``)."""
        return self.attendant.directory

    def subscribe_presence(self, on: bool = True) -> None:
        """Start (or stop) presence and park orbit pushes; a snapshot arrives first."""
        self._run(self.session.attendant(SubscribeRequest(bool(on)), self._now()))

    def get_presence(self, number: str) -> PresenceState | None:
        return self.attendant.presence.get(number)

    def set_directory_handler(self, handler: Callable[[tuple[DirectoryEntry, ...]], Any] | None) -> None:
        self.attendant.on_directory = handler

    def set_presence_handler(self, handler: Callable[[dict[str, PresenceState]], Any] | None) -> None:
        """Called with the states that changed (number -> state); a snapshot lists every number."""
        self.attendant.on_presence = handler

    def set_orbit_handler(self, handler: Callable[[tuple[Orbit, ...]], Any] | None) -> None:
        """Called with the park orbits that changed (a snapshot lists them all)."""
        self.attendant.on_orbits = handler

    def pickup(self, orbit: str, audio_element: Any = None) -> WebRtcCall:
        """Pick up the call parked on ``orbit``: a new call dials the orbit (set the element first for media)."""
        call = self.create_outgoing_call()
        if audio_element is not None:
            call.audio_element = audio_element
            self.media.elements_changed(call.ref, call.audio_element, call.video_elements)
        call.dial(orbit)
        return call

    def parked_call(self, orbit: str) -> WebRtcCall | None:
        """Extension: the call held here on a local park orbit (SIP, ``park="local"``: retrieving it picks it up);
        None where the server keeps parked calls (dial the orbit: :meth:`pickup`)."""
        ref = self._control.parker.lot.ref_on(orbit) if self.session.capabilities.local_park else None
        return self._calls.get(ref) if ref is not None else None

    def pickup_ringing(self, number: str, audio_element: Any = None) -> WebRtcCall:
        """Pick up the call ringing at extension ``number`` (SIP: dial the server's pickup code and the extension;
        the server refuses that call and sends the ringing one here, which is answered at once if it arrives within
        PICKUP_WINDOW seconds)."""
        code = self.pickup_number(number)
        if code is None:  # no pickup on this wire: the number is dialled as it is (and nothing is answered)
            return self.pickup(number, audio_element)
        self.expect_picked_call()
        return self.pickup(code, audio_element)

    def pickup_number(self, number: str) -> str | None:
        """What to dial to pick up the call ringing at ``number``; None when the server offers no pickup code."""
        code = (self.session.sip_desk or SipDeskSettings()).pickup_code
        return code + number if code and self.session.capabilities.desk else None

    def expect_picked_call(self) -> None:
        """The next incoming call within PICKUP_WINDOW seconds is the one picked up: it is answered at once."""
        self._pickup_until = self._now() + PICKUP_WINDOW

    def set_dnd(self, on: bool) -> None:
        """Do not disturb for this console's number: the switch answers busy (or forwards to the busy target)."""
        self._run(self.session.attendant(DndRequest(bool(on)), self._now()))

    def set_forwarding(self, always: str | None = None, busy: str | None = None, no_answer: str | None = None,
                       after: float | None = None) -> None:
        """Forwarding for this console's number (None: off); ``after`` s of ringing before ``no_answer``."""
        self._run(self.session.attendant(ForwardingRequest(always or None, busy or None, no_answer or None, after),
                                         self._now()))

    def set_setting_handler(self, handler: Callable[[str], Any] | None) -> None:
        """Called with ``"dnd"`` or ``"forwarding"`` when the switch took the setting."""
        self.attendant.on_setting = handler

    def set_setting_refused_handler(self, handler: Callable[[str], Any] | None) -> None:
        """Called with ``"dnd"``, ``"forwarding"`` or ``"queue_pause"`` when the switch refused that setting."""
        self.attendant.on_setting_refused = handler

    def set_turned_away_handler(self, handler: Callable[[TurnedAway], Any] | None) -> None:
        """Called with a :class:`TurnedAway` for each caller DND or forwarding sent elsewhere (it never rang here)."""
        self.attendant.on_turned_away = handler

    # -- queues (extension, docs/API-MAPPING.md; not over SIP: the error handler says so) ----------
    def set_queue_paused(self, queue: str | None, paused: bool) -> None:
        """Pause (or unpause) this console in ``queue`` (None: all its queues): paused, no queue call rings here."""
        self._run(self.session.attendant(QueuePauseRequest(bool(paused), queue or None), self._now()))

    def queue_status(self, queue: str) -> None:
        """Ask who waits in ``queue`` and its members' states: the queue handler gets a ``QueueStatus``."""
        self._run(self.session.attendant(QueueStatusRequest(str(queue)), self._now()))

    def set_queue_handler(self, handler: Callable[[QueueStatus | QueuePaused], Any] | None) -> None:
        """Called with each ``QueueStatus`` asked for, and a ``QueuePaused(queues, paused)`` once a pause is taken."""
        self.attendant.on_queue = handler

    # -- extras ---------------------------------------------------------------
    @property
    def login_state(self) -> LOGIN_STATES | None:
        return self.session.login_state

    @property
    def server(self) -> str | None:
        return self.session.server

    @server.setter
    def server(self, server: str) -> None:
        """Where the reconnector restores the session (e.g. a switch that moved)."""
        self.session.server = server

    @property
    def calls(self) -> list[WebRtcCall]:
        """Calls that are dialing, ringing or talking (not idle, not ended)."""
        return [c for c in self._calls.values() if c.get_state() not in (CALL_STATES.IDLE, CALL_STATES.DISCONNECTED)]

    @property
    def hub(self) -> Any:
        return self.media.hub

    @property
    def last_login_failure(self) -> LoginFailureKind | None:
        """Extra: why the last login or restore failed (None: it did not, or none was tried)."""
        return self.session.last_login_failure

    @property
    def auto_hold(self) -> bool:
        """Whether dialing, answering or retrieving holds the connected call first (the devices go to one call)."""
        return self._control.auto_hold

    @auto_hold.setter
    def auto_hold(self, on: bool) -> None:
        self._control.auto_hold = bool(on)

    @property
    def transfer_recall(self) -> float | None:
        """Extension: seconds a transfer rings unanswered before the caller comes back here (None: the switch's)."""
        return self.session.transfer_recall

    @transfer_recall.setter
    def transfer_recall(self, seconds: float | None) -> None:
        self.session.transfer_recall = seconds  # checked there (a bad value raises ValueError)
        self._control.recaller.recall_after = DEFAULT_RECALL if seconds is None else float(seconds)  # SIP

    @property
    def reconnecting(self) -> bool:
        return self._reconnector.active

    @property
    def auto_reconnect(self) -> bool:
        return self._reconnector.enabled

    @auto_reconnect.setter
    def auto_reconnect(self, on: bool) -> None:
        self._reconnector.enabled = bool(on)

    def link_details(self) -> dict[str, str]:
        """Extra: what the wire tells about the link, label -> text (over SIP: AOR, registration expiry, transport)."""
        try:
            return self.session.link_details(self._now())
        except RuntimeError:  # no running loop
            return {}

    @property
    def closing(self) -> bool:
        return self._closing

    @property
    def lifetime(self) -> float | None:
        return self.session.lifetime

    def set_error_handler(self, handler: Callable[[WebRtcCall | None, str], Any] | None) -> None:
        """Called with (call or None, message) for every request that did not apply or failed."""
        self._on_error = handler

    def set_ringing(self, on: bool) -> None:
        """Extra: ring the speaker for an incoming call while no call has the device (opens it if needed)."""
        try:
            self.media.set_ringing(on)
        except ConsoleError as exc:
            self._control.report(None, f"ringing: {exc}")

    def set_device_handler(self, handler: Callable[[DeviceChange], Any] | None) -> None:
        """Extra: a :class:`DeviceChange` when the device or ringer opens, fails (silence stands in) or comes back."""
        self.media.on_device = handler

    def prepare_media(self) -> None:
        """Extra: open and start the audio device now, before the first call needs it.

        A PulseAudio stream often ticks once and pauses (~1.5 s) right after it opens;
        opened at login, that pause never falls on a call's first moments. Never raises:
        a device that cannot be used is one warning line (CallMediaManager.prepare).
        """
        self.media.prepare()

    async def aclose(self) -> None:
        """Drop the connection without logging out (as a closed browser tab would) and end every task.

        No login state is reported for it: the application asked for it.
        """
        self._closing = True
        self._run(self.session.abandon())
        links = list(self._links.values())
        for link in links:
            link.close()
        await asyncio.gather(*(link.wait_closed() for link in links))
        self._pump.stop()
        self._control.recaller.close()  # their timers: nothing to recall on a closed instance
        self._control.parker.close()
        await self.media.aclose()
        await self._tasks.cancel_all()

    # -- for the reconnector ----------------------------------------------------
    def restore_again(self) -> bool:
        if not self.session.identifier:
            return False
        notification = self._restore_args[2] if self._restore_args else False
        ring = self.session.sip_desk.outbound_proxies if self.session.sip_desk else ()  # a proxy pair: the next
        return self.try_restore_login(next_server(self.session.server or "", ring), self.session.secure, notification,
                                      self.session.identifier, self._on_restore_call)

    def give_up_restore(self) -> None:
        self._run(self.session.give_up_restore())

    # -- performing the session's events (the pump calls _perform for each, in order) ---------------
    def _now(self) -> float:
        return self._pump.now()

    def _run(self, events: list[ev.Event]) -> None:
        self._pump.run(events)

    def _perform(self, event: ev.Event) -> None:  # noqa: C901 - one branch per event type
        if isinstance(event, ev.Connect):
            self._tasks.spawn(self._open(event), name=f"connect {event.conn}")
        elif isinstance(event, ev.Send):
            link = self._links.get(event.conn)
            if link is None:  # the session sends only on its live connection: this one has just ended
                log.debug("frame for connection %d not sent: it has ended", event.conn)
            else:
                link.send(event.frame)
        elif isinstance(event, ev.Close):
            link = self._links.get(event.conn)
            if link is not None:
                link.close()
        elif isinstance(event, ev.MakeOffer):
            self._tasks.spawn(self._control.offer(event), name=f"offer {event.ref}")
        elif isinstance(event, ev.ApplyAnswer):
            self._tasks.spawn(self._control.apply(event), name=f"answer {event.ref}")
        elif isinstance(event, ev.SendDigits):
            self._control.send_digits(event)
        elif isinstance(event, ev.UseIceServers):
            self.media.use_ice_servers(event.servers)
        elif isinstance(event, ev.LoginChanged):
            self._reconnector.login_changed(event.state, bool(self.session.identifier))
            if event.state is LOGIN_STATES.SUCCESS and self.session.capabilities.local_park and \
                    self._control.park_mode == "local":  # the orbits kept here
                self._absorb(ev.OrbitsChanged(self._control.parker.lot.snapshot(), snapshot=True))
            fire(self._tasks, self._on_login_status, event.state)
        elif isinstance(event, ev.CallChanged):
            self._call_changed(event)
        elif isinstance(event, ev.IncomingCall):
            call = self._handle(event.ref)
            log.debug("incoming call %s from %s", call.id, call.get_remote_number())
            if self._pickup_until is not None and self._now() <= self._pickup_until:  # the call we picked up
                self._pickup_until = None
                call.answer()
            if self._on_incoming_call is None:
                log.info("no incoming call handler: declining %s", call.id)
                call.decline()
            else:
                fire(self._tasks, self._on_incoming_call, call)
        elif isinstance(event, ev.RestoredCall):
            self._restored(self._handle(event.ref))
        elif isinstance(event, ev.VideoChanged):
            call = self._calls.get(event.ref)
            if call is not None and event.active:  # the seed: "when ... video is negotiated", never for audio
                fire(self._tasks, call.on_media, call)
        elif isinstance(event, ev.RemoteHoldChanged):
            call = self._calls.get(event.ref)
            if call is not None:
                fire(self._tasks, call.on_remote_hold, call, bool(event.held))
        elif isinstance(event, ev.DigitsReceived):
            call = self._calls.get(event.ref)
            if call is not None:
                fire(self._tasks, call.on_dtmf, call, event.digits)
        elif isinstance(event, ev.ATTENDANT_EVENTS):
            self._absorb(event)
        elif isinstance(event, ev.ConferenceChanged):
            call = self._calls.get(event.ref)
            if self.session.capabilities.local_conference:  # no focus at the server: the console mixes
                self._mix(event)
            if call is not None:
                fire(self._tasks, call.on_conference, call, call.get_conference())
        elif isinstance(event, ev.ErrorReported):
            call = self._calls.get(event.ref) if event.ref is not None else None
            log.warning("%s%s", f"call {call.id or '-'}: " if call else "", event.error, extra=REPORTED)
            fire(self._tasks, self._on_error, call, str(event.error))

    def _absorb(self, event: ev.Event) -> None:
        self.attendant.absorb(event, lambda handler, *args: fire(self._tasks, handler, *args))

    def _mix(self, event: ev.ConferenceChanged) -> None:
        """Mix the call into its conference here (a held one is retrieved: its audio must flow)."""
        try:
            self.media.mix(event.ref, event.conference)
        except ConsoleError as exc:
            self._pump.run(self.session.media_failed(event.ref, exc, self._pump.now()))
            return
        call = self._calls.get(event.ref)
        if event.conference and call is not None and call.get_state() is CALL_STATES.HELD:
            call.retrieve()

    def _restored(self, call: WebRtcCall) -> None:
        """The seed: onRestoreCall runs first (it sets the call state handler), then the current state is signalled.

        A coroutine handler is awaited (bounded) before the next event is performed.
        """
        outcome = None
        if self._on_restore_call is not None:
            try:
                outcome = self._on_restore_call(call)
            except Exception:
                log.exception("the restore call handler raised")
        if inspect.isawaitable(outcome):
            self._pump.paused = True
            self._tasks.spawn(self._resume_after(outcome, call), name="restore call handler")
            return
        self._media_after_restore(call)

    async def _resume_after(self, awaitable: Any, call: WebRtcCall) -> None:
        try:
            async with asyncio.timeout(self.session.request_timeout):
                await awaitable
        except Exception:
            log.exception("the restore call handler raised or took too long")
        finally:
            self._pump.paused = False
        self._media_after_restore(call)
        self._run([])

    def _media_after_restore(self, call: WebRtcCall) -> None:
        if call.has_audio_element() or call.has_video_elements():
            self._pump.queue(self.session.want_media(call.ref, self._now()))

    def _handle(self, ref: int) -> WebRtcCall:
        call = self._calls.get(ref)
        if call is None:
            call = self._calls[ref] = WebRtcCall(self._control, self.session.call(ref))
        return call

    def _call_changed(self, event: ev.CallChanged) -> None:
        call = self._calls.get(event.ref)
        if call is None:
            return
        log.debug("call %s: %s -> %s%s", call.id, event.previous, event.state,
                  f" ({call.record.reason})" if event.state is CALL_STATES.DISCONNECTED else "")
        self.media.state_changed(event.ref, event.state)
        fire(self._tasks, call.on_state, call, event.state)
        self._control.state_changed(call, event.state)
        if event.state is CALL_STATES.DISCONNECTED:
            self._calls.pop(event.ref, None)

    # -- I/O the session asked for ------------------------------------------------------
    async def _open(self, event: ev.Connect) -> None:
        """Open the connection and serve it for its life (this task owns it: reader, writer and close end here).

        A comm that cannot connect says why (:class:`CommError`); anything else the comm or its factory
        raises is a fault in it, not an unreachable server: the login ends all the same, and the error
        handler hears the exception's type.
        """
        try:
            comm = await open_comm(self._comm_factory, event.conn, server_url(event.server, event.secure),
                                   secure=event.secure, ca_file=self._ca_file, subprotocol=event.subprotocol)
        except CommError as exc:
            self._run(self.session.connect_failed(event.conn, exc))
            return
        link = self._links[event.conn] = Link(event.conn, comm, outbox_size=self._outbox_size,
                                              on_frame=self._received, on_closed=self._closed)
        try:
            self._run(self.session.connected(event.conn, self._now()))
            await link.serve()
        finally:
            self._links.pop(event.conn, None)

    def _received(self, conn: int, frame: str) -> None:
        self._run(self.session.receive(conn, frame, self._now()))

    def _closed(self, conn: int, error: CommClosed) -> None:
        self._run(self.session.closed(conn, error, self._now()))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None

