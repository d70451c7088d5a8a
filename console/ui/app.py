"""The switchboard App and its factory, :func:`build_app` (used by the CLI and by every test).

The App subscribes once to the store and keeps the latest snapshot in the
``snapshot`` reactive, and hands every operator request to the controller; screens watch it and hand the pieces to their widgets
(attributes down). Widgets and screens report with their own nested messages
(messages up), handled here with ``@on``. Every operator action is an
``action_*`` method named in the table in :mod:`console.ui.keys`.
"""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import time
from typing import Callable, Iterable, Sequence

from textual import on, work
from textual.app import App, SystemCommand
from textual.reactive import var
from textual.screen import Screen

from console.core.directory import ForwardMode
from console.core.enums import CALL_STATES, LOGIN_STATES
from console.core.errors import PersistenceError
from console.core.transport import cleartext_host
from console.persist import Settings, private_dir
from console.store import AppState, Controller, LoginPlan, LogLevel, is_secure
from console.store.conference import conference_choices
from console.store.devices import devices_chosen

from .pacing import ScreenPacer
from .keys import ALL_ACTIONS, GLOBAL_ACTIONS, bindings, check_keymap, display_keys
from .screens import (
    ConfirmExplicit, HelpScreen, LampsScreen, LoginScreen, LogScreen, MainScreen, Prompt, SearchScreen, TransferPicker,
)
from .widgets.logpane import log_text
from .screens.conference import ConferencePicker
from .screens.devices import DevicesScreen
from .themes import DEFAULT_THEME, load_themes

log = logging.getLogger("console.ui")

_FAILED = frozenset({
    LOGIN_STATES.SERVER_ACCESS, LOGIN_STATES.DIAL_STRING_MISSING, LOGIN_STATES.NO_DIAL_STRING_FOR_USER,
    LOGIN_STATES.CONNECTION_LOST, LOGIN_STATES.LOGGED_OUT_IMPLICIT, LOGIN_STATES.LOGGED_OUT_EXPLICIT,
    LOGIN_STATES.LOGIN_RESTORE_FAILED,
})
TICK_SECONDS = 0.5
RING_BELL_EVERY = 8  # ticks: the bell repeats every 4 s while a call rings here
LOG_FILE_BYTES = 1_000_000
LOG_FILE_BACKUPS = 3


class SwitchboardApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "anynode console"
    BINDINGS = bindings(GLOBAL_ACTIONS)

    # var, not reactive: the app paints nothing itself, and a reactive's repaint would repaint the whole screen
    # (every card) on every state change and every tick; the widgets these feed repaint what changed
    snapshot: var[AppState] = var(AppState, always_update=False)
    now: var[float] = var(0.0)

    def __init__(self, settings: Settings, controller: Controller, plan: LoginPlan, clock: Callable[[], float],
                 wall_format: Callable[[float], time.struct_time] = time.localtime, cursor_blink: bool = True,
                 notes: Sequence[str] = (), log_file: bool = True):
        super().__init__()
        self.settings = settings
        self.controller = controller  # the operator's actions go here
        self.store = controller.store  # the state comes from here: the app subscribes once
        self.plan = plan
        self.clock = clock
        self.wall_format = wall_format
        self.cursor_blink = cursor_blink
        self._log_file = log_file
        self._file_log: logging.Logger | None = None
        self._written_seq = 0
        self.theme_names: list[str] = []
        themes_dir = settings.dirs.themes_dir if settings.dirs is not None else None
        for theme in load_themes(themes_dir).values():
            self.register_theme(theme)
            self.theme_names.append(theme.name)
        wanted = settings.config.theme
        self.theme = wanted if wanted in self.available_themes else DEFAULT_THEME
        self._startup_notes = list(notes)
        if wanted not in self.available_themes:
            self._startup_notes.append(f"theme {wanted!r} is not known; using {DEFAULT_THEME} "
                                       f"(known: {', '.join(self.theme_names)})")
        self.keymap, problems = check_keymap(dict(settings.config.keys))
        self._startup_notes += problems
        if self.keymap:
            self.set_keymap(self.keymap)
        self._unsubscribe: Callable[[], None] | None = None
        self._seen = AppState()  # the store's latest state (the screen's, snapshot, may be held back a moment)
        # the screen's pace: a request the switch answers at once is drawn once, as its outcome (pacing.py)
        self.pacer = ScreenPacer(lambda: self.snapshot, self._show_state,
                                 lambda fn: asyncio.get_running_loop().call_soon(fn),
                                 lambda delay, fn: asyncio.get_running_loop().call_later(delay, fn))
        self._ringing: set[str] = set()
        self._transferred: set[str] = set()
        self._ticks = 0
        self._login_request: tuple[str, str, str] | None = None
        self._diagnostics = settings.config.log_client

    # -- life cycle --------------------------------------------------------------------
    async def on_mount(self) -> None:
        state = self.store.state
        self._ringing = {c.key for c in state.ringing_calls()}
        self._transferred = {c.key for c in state.calls if c.transferred}
        self.snapshot = self._seen = state
        self._unsubscribe = self.store.subscribe(self._on_state)
        self.now = self.clock()
        self.set_interval(TICK_SECONDS, self._tick)
        self._open_log_file()
        await self.push_screen(MainScreen())
        for note in self._startup_notes:  # one line each, in the log; the header keeps the last
            self.controller.error(note)
        if self._diagnostics and self.controller.client is not None:
            self.controller.set_client_logging(True)
        self._start()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.pacer.close()
        if self._file_log is not None:
            for handler in list(self._file_log.handlers):
                handler.close()
                self._file_log.removeHandler(handler)

    def to_wall(self, at: float) -> float:
        """A store time (monotonic) as wall-clock seconds, for times of day in the log and history."""
        return self.controller.wall() - self.controller.clock() + at

    def _open_log_file(self) -> None:
        """Every log line also goes to a rotating file in the log folder (created on first use)."""
        if not self._log_file or self.settings.dirs is None:
            return
        path = self.settings.dirs.log_file
        try:
            private_dir(path.parent)
            handler = logging.handlers.RotatingFileHandler(path, maxBytes=LOG_FILE_BYTES,
                                                           backupCount=LOG_FILE_BACKUPS, encoding="utf-8")
        except (OSError, PersistenceError) as exc:
            self._startup_notes.append(f"no log file: {exc}")
            return
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger = logging.getLogger(f"console.ui.file.{id(self)}")
        logger.propagate = False
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        self._file_log = logger
        self._write_log(self.store.state)

    def _write_log(self, state: AppState) -> None:
        if self._file_log is None:
            return
        for line in state.log:
            if line.seq > self._written_seq:
                self._written_seq = line.seq
                stamp = time.strftime("%Y-%m-%d ", self.wall_format(self.to_wall(line.at)))
                self._file_log.info(stamp + log_text(line, self.to_wall(line.at), self.wall_format))

    def _start(self) -> None:
        """Follow the plan: the saved session first, then an automatic login, else the login screen."""
        plan = self.plan
        if self.controller.display_only:  # a display-only console (snapshot tests): show what it holds
            if not self.store.state.login.logged_in:
                self.show_login()
            return
        if plan.restore and plan.server and self.controller.restore(plan.server, allow_cleartext=plan.insecure):
            return
        if plan.auto_login:
            self._auto_login()
        else:
            self.show_login()

    def _auto_login(self) -> None:
        plan = self.plan
        self._login_request = (plan.server, plan.username, plan.number)
        if plan.token:
            self.controller.login_with_token(plan.server, plan.token, plan.username, plan.number,
                                        allow_cleartext=plan.insecure)
        else:
            self.controller.login(plan.server, plan.username, plan.password, plan.number, allow_cleartext=plan.insecure)

    def _tick(self) -> None:
        self.now = self.clock()
        self._ticks += 1
        if self._ringing and self._ticks % RING_BELL_EVERY == 0:
            self.bell()

    # -- the store ----------------------------------------------------------------------
    def _on_state(self, state: AppState) -> None:
        old, self._seen = self._seen, state
        self.pacer.offer(state)  # the screen: after this pass, or with the switch's answer (pacing.py)
        self._write_log(state)
        ringing = {c.key for c in state.ringing_calls() if c.state is CALL_STATES.OFFERING or c.key in self._ringing}
        if ringing - self._ringing:
            self.bell()
        self._ringing = ringing
        for call in state.calls:
            if call.transferred and call.key not in self._transferred:
                self._transferred.add(call.key)
                target = f" to {call.transferred_to}" if call.transferred_to else ""  # it may still ring there
                self.notify(f"Slot {call.slot} ({call.remote_number}) transferred{target}.", title="Transfer")
        if old.login.state is not state.login.state:
            self._login_changed(state.login.state)

    def _show_state(self, state: AppState) -> None:
        self.snapshot = state

    def _login_changed(self, login_state: LOGIN_STATES | None) -> None:
        if login_state is LOGIN_STATES.SUCCESS:
            if isinstance(self.screen, LoginScreen):
                self.pop_screen()
            if self._login_request is not None and self.plan.save and self.settings.dirs is not None:
                server, username, number = self._login_request
                self._save(server=server, username=username, number=number)
        elif login_state is LOGIN_STATES.LOGIN_RESTORE_FAILED and self.plan.auto_login:
            self.controller.note("the saved session is gone; logging in afresh")
            self._auto_login()
        elif login_state in _FAILED and (login_state is LOGIN_STATES.LOGIN_RESTORE_FAILED or not self.controller.reconnecting):
            self.show_login()
        elif login_state is LOGIN_STATES.CONNECTION_LOST:
            self.controller.note("connection lost: restoring the session…", LogLevel.WARNING)

    def show_login(self) -> None:
        if not any(isinstance(screen, LoginScreen) for screen in self.screen_stack):
            self.push_screen(LoginScreen(self.plan))

    def _save(self, **changes: object) -> None:
        try:
            self.settings = self.settings.save(**changes)
        except PersistenceError as exc:
            self.controller.error(f"could not save the config: {exc}")

    # -- messages from screens --------------------------------------------------------------
    @on(LoginScreen.Submitted)
    def _login_submitted(self, message: LoginScreen.Submitted) -> None:
        if not message.server:
            self.controller.error("login: enter the server address")
            return
        if not message.token and not message.username:
            self.controller.error("login: enter a username and password, or a token")
            return
        self._unless_refused_in_clear(message.server, "your password" if not message.token else "your token",
                                      lambda allowed: self._log_in(message, allowed))

    def _log_in(self, message: LoginScreen.Submitted, allow_cleartext: bool) -> None:
        self._login_request = (message.server, message.username, message.number)
        self.plan = self._replan(server=message.server, username=message.username, number=message.number,
                                 insecure=allow_cleartext)
        if message.token:
            self.controller.login_with_token(message.server, message.token, message.username, message.number,
                                        allow_cleartext=allow_cleartext)
        else:
            self.controller.login(message.server, message.username, message.password, message.number,
                             allow_cleartext=allow_cleartext)

    @on(LoginScreen.RestoreRequested)
    def _restore_requested(self, message: LoginScreen.RestoreRequested) -> None:
        def restore(allowed: bool) -> None:
            if not self.controller.restore(message.server, allow_cleartext=allowed):
                self.controller.error(f"restore: no saved session for {message.server or 'this server'}")

        self._unless_refused_in_clear(message.server, "the saved session's identifier", restore)

    def _unless_refused_in_clear(self, server: str, what: str, proceed: Callable[[bool], None]) -> None:
        """A login without TLS to another host (``console.core.transport``) goes ahead only on an explicit yes,
        or for the server ``--insecure`` allowed on the command line; ``proceed(allow_cleartext)``."""
        host = cleartext_host(server, is_secure(server))
        if host is None:
            proceed(False)
            return
        if self.plan.insecure and server == self.plan.server:
            proceed(True)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                proceed(True)
            else:
                self.controller.error(f"login not sent: {server} has no TLS (use wss://, or answer y to send it in clear)")

        self.push_screen(ConfirmExplicit(
            f"Send {what} to {host} in clear?",
            f"{server} has no TLS: anyone on the network between here and {host} can read {what}. "
            "Use wss:// unless you know this network."), answered)

    def _replan(self, **changes: object) -> LoginPlan:
        from dataclasses import replace

        return replace(self.plan, **changes)

    # -- actions ---------------------------------------------------------------------------
    @property
    def main(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    def action_focus_slot(self, slot: int) -> None:
        self.controller.focus(slot)

    def action_goto_slot(self) -> None:
        self.main.start_slot_entry()

    def action_focus_step(self, step: int) -> None:
        self.controller.focus_step(step)

    def action_answer(self) -> None:
        self.controller.answer()

    def action_accept(self) -> None:
        self.controller.accept()

    def action_decline(self) -> None:
        self.controller.decline()

    def action_hold(self) -> None:
        self.controller.hold()

    def action_retrieve(self) -> None:
        self.controller.retrieve()

    def action_hangup(self) -> None:
        self.controller.hangup()

    def action_toggle_mute(self) -> None:
        self.controller.features.toggle_mute()

    def action_toggle_recording(self) -> None:
        self.controller.features.toggle_recording()

    def action_conference(self) -> None:
        """Conference by consent: the picker shows the calls that would join; only the ticked ones do."""
        choices = conference_choices(self.store.state)
        if len(choices) < 2:
            self.controller.error("conference: needs two calls that are connected or on hold")
            return
        self.push_screen(ConferencePicker(choices, self.store.state.focused), self._conference_picked)

    def _conference_picked(self, slots: tuple[int, ...] | None) -> None:
        if slots is None:
            self.controller.note("conference cancelled; every call unchanged")
        else:
            self.controller.features.conference(slots)

    def action_leave_conference(self) -> None:
        self.controller.features.leave_conference()

    def action_drop_party(self) -> None:
        self.controller.features.drop_party()

    def action_logout(self) -> None:
        live = self.controller.live_calls()
        if not live:
            self.controller.logout()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.controller.logout()
            else:
                self.controller.note("log out cancelled; every call unchanged")

        self.push_screen(ConfirmExplicit(f"Log out and end {live} call(s)?",
                                         "Connected callers are cut off and ringing callers are turned away."), answered)

    def action_end_all(self) -> None:
        live = self.controller.live_calls()
        if not live:
            self.controller.error("end all: there are no calls")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.controller.note(f"ending all {self.controller.hangup_all()} call(s)")
            else:
                self.controller.note("end all cancelled; every call unchanged")

        self.push_screen(ConfirmExplicit(f"End all {live} call(s)?", "Ringing calls are declined, the others hung "
                                         "up. Only y ends them."), answered)

    def action_cycle_view(self) -> None:
        view = self.main.cycle_view()
        self.controller.note(f"board view: {view}")

    def action_toggle_history(self) -> None:
        self.main.toggle_history()

    def action_wallboard(self) -> None:
        from .screens.wallboard import WallboardScreen

        if not isinstance(self.screen, WallboardScreen):
            self.push_screen(WallboardScreen())

    def action_show_log(self) -> None:
        if not isinstance(self.screen, LogScreen):
            self.push_screen(LogScreen())

    def action_open_dialer(self) -> None:
        self.main.open_dialer()

    def action_dtmf_mode(self) -> None:
        main = self.main
        if main.dtmf_active:
            main.dtmf_mode(False)
            return
        call = self.store.state.focused_call
        if call is None or call.state is not CALL_STATES.CONNECTED:
            self.controller.error("DTMF: select a connected call first")
            return
        main.dtmf_mode(True)

    def action_toggle_log(self) -> None:
        self.main.toggle_log()

    def action_toggle_diagnostics(self) -> None:
        self._diagnostics = not self._diagnostics
        self.controller.set_client_logging(self._diagnostics)

    def action_transfer(self) -> None:
        calls = self.store.state.transferable_calls()
        if len(calls) < 2:
            self.controller.error("transfer: needs two calls that are connected or on hold")
            return
        self.push_screen(TransferPicker(calls), self._transfer_picked)

    def _transfer_picked(self, picked: tuple[int, int] | None) -> None:
        if picked is None:
            self.controller.note("transfer cancelled; both calls unchanged")
            return
        if self.controller.transfer(*picked):
            self.notify(f"Transfer of slots {picked[0]} and {picked[1]} requested.", title="Transfer")

    # -- attendant extension --------------------------------------------------------------
    def action_lamps(self) -> None:
        if not isinstance(self.screen, LampsScreen):
            self.push_screen(LampsScreen())

    def action_search(self) -> None:
        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen())

    def action_blind_transfer(self) -> None:
        call = self.store.state.focused_call
        if call is None or not call.transferable:
            self.controller.error("blind transfer: select a connected or held call first")
            return
        self.push_screen(Prompt(f"Blind transfer [{call.slot}] {call.remote_number} to:", "a number; Enter transfers, "
                                "Esc cancels", cursor_blink=self.cursor_blink),
                         lambda number: number and self.controller.desk.blind_transfer(number, call.slot))

    def action_consult(self) -> None:
        call = self.store.state.focused_call
        if call is None or not call.transferable:
            self.controller.error("consult: select a connected or held call first")
            return
        self.push_screen(Prompt(f"Consult about [{call.slot}] {call.remote_number}: call", "the caller waits on hold; "
                                "then j completes, z goes back", cursor_blink=self.cursor_blink),
                         lambda number: number and self.controller.desk.consult(number, call.slot))

    def action_complete_transfer(self) -> None:
        self.controller.desk.complete()

    def action_cancel_consult(self) -> None:
        self.controller.desk.cancel()

    def action_park(self) -> None:
        self.controller.desk.park()

    def action_pickup(self) -> None:
        self.controller.desk.pickup()

    def action_toggle_dnd(self) -> None:
        self.controller.desk.toggle_dnd()

    def action_toggle_queue_pause(self) -> None:
        self.controller.desk.queues.toggle_pause()

    def action_forwarding(self) -> None:
        self.push_screen(Prompt("Forwarding of this console's number", "always N · busy N · noanswer N (any of them), "
                                "or off", self.store.state.desk.forwarding and "", cursor_blink=self.cursor_blink),
                         self._forwarding_typed)

    def _forwarding_typed(self, text: str | None) -> None:
        if text is None:
            return
        parsed = parse_forwarding(text)
        if parsed is None:
            self.controller.error(f"forwarding: {text!r}: say always N, busy N, noanswer N, or off")
            return
        self.controller.desk.set_forwarding(**{mode.value: number for mode, number in parsed.items()})

    def action_demo_call(self) -> None:
        if self.plan.demo_call is not None:
            self._run_demo_call()

    @work(exclusive=False, group="demo")
    async def _run_demo_call(self) -> None:
        assert self.plan.demo_call is not None
        try:
            text = await self.plan.demo_call()
        except Exception as exc:  # noqa: BLE001 - shown to the operator, the console carries on
            self.controller.error(f"demo call failed: {exc}")
            return
        self.controller.note(text)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.keymap))

    def action_devices(self) -> None:
        if not isinstance(self.screen, DevicesScreen):
            config = self.settings.config
            self.push_screen(DevicesScreen(config.audio_device, config.ringer_device), self._devices_picked)

    def _devices_picked(self, result: dict[str, str] | None) -> None:
        if result is not None:
            before = self.settings.config
            self._save(**result)
            self.controller.note(f"audio devices saved (used from the next start): {result}")
            for news in devices_chosen(before, self.settings.config):  # what was saved: device events, chosen
                self.controller.dispatch(news)

    def action_next_theme(self) -> None:
        names = self.theme_names or [DEFAULT_THEME]
        index = names.index(self.theme) + 1 if self.theme in names else 0
        self.theme = names[index % len(names)]
        self._save(theme=self.theme)
        self.controller.note(f"theme: {self.theme}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "demo_call":
            return self.plan.demo_call is not None
        return True

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for spec in ALL_ACTIONS:
            if not spec.palette or (spec.id == "demo_call" and self.plan.demo_call is None):
                continue
            keys = display_keys(self.keymap.get(spec.id, spec.keys))
            name = spec.action.removeprefix("app.")
            yield SystemCommand(f"{spec.label} ({keys})", spec.help, _runner(self, name))


def _runner(app: SwitchboardApp, action: str) -> Callable[[], object]:
    def run() -> object:
        return app.run_action(action)

    return run


FORWARD_WORDS = {"always": ForwardMode.ALWAYS, "busy": ForwardMode.BUSY, "noanswer": ForwardMode.NO_ANSWER,
                 "no_answer": ForwardMode.NO_ANSWER}  # what the operator types for each kind of forwarding


def parse_forwarding(text: str) -> dict[ForwardMode, str | None] | None:
    """'always 203 busy 204' -> {ALWAYS: '203', BUSY: '204', NO_ANSWER: None}; 'off' -> all None; else None."""
    words = text.replace("=", " ").replace("no answer", "noanswer").split()
    result: dict[ForwardMode, str | None] = dict.fromkeys(ForwardMode)
    if words in ([], ["off"]):
        return result
    if len(words) % 2:
        return None
    for kind, number in zip(words[::2], words[1::2]):
        if kind.lower() not in FORWARD_WORDS or not number.lstrip("+").replace("*", "").replace("#", "").isdigit():
            return None
        result[FORWARD_WORDS[kind.lower()]] = number
    return result


def build_app(settings: Settings, controller: Controller, plan: LoginPlan | None = None,
              clock: Callable[[], float] | None = None, *, wall_format: Callable[[float], time.struct_time] | None = None,
              cursor_blink: bool = True, notes: Sequence[str] = (), log_file: bool = True) -> SwitchboardApp:
    """The one way to make the App: for the CLI, the Pilot tests and the snapshot tests alike.

    ``clock`` drives the running durations (default: the controller's clock); a
    frozen clock, ``wall_format=time.gmtime`` and ``cursor_blink=False`` make
    snapshots deterministic. ``notes`` are start-up problems found before the
    app existed (an unknown audio device); the log and the header show them.
    """
    controller.desk.transfer_recall = settings.config.transfer_recall  # the switch brings callers back after it
    return SwitchboardApp(settings, controller, plan or LoginPlan(), clock or controller.clock or time.monotonic,
                          wall_format=wall_format or time.localtime, cursor_blink=cursor_blink, notes=notes,
                          log_file=log_file)
