"""The main screen: status bar, the board (cards or the queue view), history pane, dialer, DTMF bar, log, footer.

The board shows cards while they fit; when they do not (a busy board, a small
terminal) it switches to the queue view by itself. ``v`` cycles auto → queue →
cards, for the operator who wants one or the other regardless.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from textual import events, on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer

from console.store.state import AppState

from .. import frame_timer
from ..keys import MAIN_ACTIONS, bindings
from ..slotjump import WAIT_SECONDS, Answer, SlotEntry
from ..words import feature_marks, setting_words
from ..widgets.queue import overdue
from ..widgets import CallDeck, CallQueue, Dialer, DtmfBar, HistoryPane, LogPane, LoginStatus
from ..widgets.parkstrip import ParkStrip

if TYPE_CHECKING:
    from ..app import SwitchboardApp

CARD_HEIGHT = 8
CARD_MIN_WIDTH = 34
ROOMY = (120, 40)  # from this many columns and rows the park strip lists one parked call a line


class BoardView(StrEnum):
    AUTO = "auto"
    QUEUE = "queue"
    CARDS = "cards"


W = TypeVar("W", bound=Widget)


class MainScreen(Screen):
    """Binds to the app's snapshot and clock and hands the pieces down to its widgets."""

    BINDINGS = bindings(MAIN_ACTIONS)
    AUTO_FOCUS = ""  # nothing: the keys go to the screen bindings until the dialer or DTMF bar opens
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    app: SwitchboardApp

    def __init__(self) -> None:
        super().__init__()
        self.view = BoardView.AUTO
        self._slots = SlotEntry()
        self._slot_timer: Timer | None = None
        self._overdue: set[str] = set()  # calls past hold_recall: the bell rings once for each
        self._frame_timer: Timer | None = None
        self._found: dict[type, Widget] = {}

    def _one(self, kind: type[W]) -> W:
        """The board's widget of this kind, looked up once (the board composes its widgets once; a
        DOM query on every store state cost about 0.04 ms each, 15 of them a state)."""
        widget = self._found.get(kind)
        if widget is None:
            widget = self._found[kind] = self.query_one(kind)
        return widget  # type: ignore[return-value]

    @property
    def _update_timer(self) -> Timer:
        """Textual's screen-update timer, as a ``FrameTimer``: a confirmed key's repaint after the
        "holding…" one waits for the next frame, not the one after it (console/ui/frame_timer.py)."""
        if self._frame_timer is None:
            self._frame_timer = frame_timer.install(self)
        return self._frame_timer

    def on_key(self, event: events.Key) -> None:
        """Keys that reach the board while the dialer opens belong to the dialer.

        Textual hands a burst of keys (``d9001`` in one read over SSH) to the
        screen before the binding of the first one runs; so ``d`` opens the
        dialer here, in key order, and the keys behind it go into its field.
        """
        if self._slots.active or (self.focused is None and event.key in self._action_keys("goto_slot")):
            if self._slot_key(event.key):
                event.stop()
                event.prevent_default()
                return
        dialer = self._one(Dialer)
        if not dialer.display and self.focused is None and event.key in self._action_keys("dial"):
            event.stop()
            event.prevent_default()
            self.open_dialer()
            return
        if dialer.display and self.focused is dialer.input:  # typed before the field had the focus
            event.stop()
            event.prevent_default()
            field = dialer.input
            if event.is_printable and event.character:
                field.insert_text_at_cursor(event.character)
            elif event.key == "enter":
                self.call_later(field.action_submit)
            elif event.key == "backspace":
                field.action_delete_left()
            elif event.key == "escape":
                dialer.action_close()

    def _action_keys(self, action: str) -> set[str]:
        from ..keys import _SPEC, _keys

        return set(_keys(self.app.keymap.get(action, _SPEC[action].keys)))

    # -- go to slot (console/ui/slotjump.py) ----------------------------------------------
    def start_slot_entry(self) -> None:
        self._slots.start()
        self._restart_slot_timer()

    def _slot_key(self, key: str) -> bool:
        """A key for the go-to-slot entry (the go-to-slot key itself starts it); whether it was used up."""
        if not self._slots.active:
            self.start_slot_entry()
            return True
        return self._slot_answer(self._slots.key(key, self.app.snapshot.max_slots))

    def _slot_answer(self, answer: Answer) -> bool:
        if self._slots.active:
            self._restart_slot_timer()
        elif self._slot_timer is not None:
            self._slot_timer.stop()
            self._slot_timer = None
        if answer.slot is not None:
            self.app.controller.focus(answer.slot)
        return answer.consumed

    def _restart_slot_timer(self) -> None:
        if self._slot_timer is not None:
            self._slot_timer.stop()
        self._slot_timer = self.set_timer(WAIT_SECONDS, lambda: self._slot_answer(self._slots.timeout()))

    def compose(self) -> ComposeResult:
        app = self.app
        yield LoginStatus(id="status")
        yield ParkStrip(id="parkstrip")
        yield CallDeck(id="deck")
        yield CallQueue(id="queue")
        yield HistoryPane(wall_format=app.wall_format, id="history")
        yield DtmfBar(id="dtmf")
        yield Dialer(id="dialer")
        yield LogPane(to_wall=app.to_wall, wall_format=app.wall_format, id="log")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._one(Dialer).display = False
        self._one(DtmfBar).display = False
        self._one(HistoryPane).display = False
        self._one(CallQueue).display = False
        self._one(ParkStrip).display = False
        status = self._one(LoginStatus)
        status.embedded = self.app.plan.embedded
        deck = self._one(CallDeck)
        deck.hint = "No calls. Press d to dial" + (", F5 for a demo caller." if self.app.plan.demo_call else ".")
        recall = self.app.settings.config.hold_recall
        deck.recall = recall
        self._one(CallQueue).recall = recall
        self._one(Dialer).directory = self.app.plan.directory
        self.watch(self.app, "snapshot", self._show, init=True)
        self.watch(self.app, "now", self._tick, init=True)

    def on_resize(self) -> None:
        self._show_parked(self.app.snapshot)
        self._choose_board(self.app.snapshot)
        self.call_after_refresh(self._choose_board, self.app.snapshot)

    def _show(self, state: AppState) -> None:
        status = self._one(LoginStatus)
        status.login = state.login
        status.message = state.last_error and f"✕ {state.last_error}"
        focused = state.focused_call
        status.marks = feature_marks(focused) if focused is not None and not focused.ended else ""
        status.turned_away_by = setting_words(state.desk.dnd, state.desk.forwarding, state.desk.queue_paused)
        self._one(CallDeck).show(state.calls, state.focused)
        queue = self._one(CallQueue)
        queue.calls = state.calls
        queue.focused = state.focused
        queue.refused = state.refused
        self._one(LogPane).entries = state.log
        dialer = self._one(Dialer)
        dialer.history = state.dial_history
        known = {number: name for number, name in self.app.plan.directory}
        for entry in state.desk.directory:  # the switch's own directory, once it sent it
            known.setdefault(entry.number, entry.name)
        for item in state.history:
            if item.number and item.number not in known:
                known[item.number] = item.name
        dialer.directory = tuple(known.items())
        history = self._one(HistoryPane)
        if history.display:
            history.show(state.history)
        self._one(DtmfBar).call = state.focused_call
        self._show_parked(state)
        self._choose_board(state)

    def _show_parked(self, state: AppState) -> None:
        strip = self._one(ParkStrip)
        strip.orbits = state.desk.orbits
        width, height = self.size  # one look-up: the screen computes its size from the app's and its styles
        strip.roomy = width >= ROOMY[0] and height >= ROOMY[1]
        strip.display = bool(state.desk.occupied_orbits())
        strip.show_time(self.app.to_wall(self.app.now))

    def _cards_fit(self, count: int) -> bool:
        """Whether ``count`` cards fit the board's share of the screen (from the screen's size, which is
        current during a resize, unlike the children's)."""
        width, height = self.size.width, self.size.height
        board = height - 3 - self._one(ParkStrip).rows()  # status bar, park strip, footer
        if self._one(LogPane).display:
            board -= max(3, round(height * 0.25))
        if self._one(HistoryPane).display:
            board -= max(5, round(height * 0.45))
        if self._one(Dialer).display or self._one(DtmfBar).display:
            board -= 2
        per_row = 3 if width >= 110 else 2
        per_row = max(1, min(per_row, (width - 2) // CARD_MIN_WIDTH))
        rows = max(0, board // CARD_HEIGHT)
        return count <= per_row * rows

    def _choose_board(self, state: AppState) -> None:
        if self.view is BoardView.AUTO:
            queue = bool(state.calls) and not self._cards_fit(len(state.calls))
        else:
            queue = self.view is BoardView.QUEUE
        self._one(CallQueue).display = queue
        self._one(CallDeck).display = not queue
        self.set_class(queue, "-queue")

    def cycle_view(self) -> BoardView:
        order = [BoardView.AUTO, BoardView.QUEUE, BoardView.CARDS]
        self.view = order[(order.index(self.view) + 1) % len(order)]
        self._choose_board(self.app.snapshot)
        return self.view

    def _tick(self, now: float) -> None:
        deck = self._one(CallDeck)
        queue = self._one(CallQueue)
        queue.now = now
        self._one(ParkStrip).show_time(self.app.to_wall(now))
        overdue_now = {c.key for c in self.app.snapshot.calls if overdue(c, now, queue.recall)}
        if overdue_now - self._overdue:  # once per call when its hold passes hold_recall (in either view)
            self.app.bell()
        self._overdue = overdue_now
        controller = self.app.controller
        self._one(LoginStatus).device = controller.device_reading()
        if deck.display:
            deck.now = now
            deck.levels = {call.slot: controller.level(call.slot) for call in deck.calls if call.audio}
            deck.silences = {call.slot: controller.silent_for(call.slot) for call in deck.calls if call.audio}
        self._one(LoginStatus).details = controller.link_details()

    # -- panes ------------------------------------------------------------------------
    def open_dialer(self) -> None:
        self._one(DtmfBar).display = False
        self._one(Dialer).open()

    def close_dialer(self) -> None:
        self._one(Dialer).display = False
        self.set_focus(None)

    def dtmf_mode(self, on: bool) -> None:
        bar = self._one(DtmfBar)
        bar.display = on
        if on:
            self._one(Dialer).display = False
            bar.focus()
        else:
            self.set_focus(None)

    @property
    def dtmf_active(self) -> bool:
        return bool(self._one(DtmfBar).display)

    def toggle_log(self) -> None:
        """Hidden → shown and focused (arrows scroll) → hidden."""
        log = self._one(LogPane)
        if not log.display:
            log.display = True
            self.set_focus(log)
        elif self.focused is not log:
            self.set_focus(log)
        else:
            log.display = False
            self.set_focus(None)

    def toggle_history(self) -> None:
        history = self._one(HistoryPane)
        history.display = not history.display
        if history.display:
            history.show(self.app.snapshot.history)
            self.set_focus(history)
        else:
            self.set_focus(None)

    @on(LogPane.Left)
    def _log_left(self) -> None:
        self.set_focus(None)

    @on(HistoryPane.Closed)
    def _history_closed(self) -> None:
        self._one(HistoryPane).display = False
        self.set_focus(None)

    @on(HistoryPane.CallBack)
    def _call_back(self, message: HistoryPane.CallBack) -> None:
        self._one(HistoryPane).display = False
        self.set_focus(None)
        self.app.controller.dial(message.number)

    @on(Dialer.Dial)
    def _dial(self, message: Dialer.Dial) -> None:
        self.close_dialer()
        self.app.controller.dial(message.number)

    @on(Dialer.Refused)
    def _dial_refused(self, message: Dialer.Refused) -> None:
        self.app.controller.error(f"dial: {message.text!r} is not a number and matches no one in the directory or history")

    @on(Dialer.Closed)
    def _dialer_closed(self) -> None:
        self.close_dialer()

    @on(DtmfBar.Digit)
    def _digit(self, message: DtmfBar.Digit) -> None:
        self.app.controller.send_digits(message.digit)

    @on(DtmfBar.Closed)
    def _dtmf_closed(self) -> None:
        self.dtmf_mode(False)
