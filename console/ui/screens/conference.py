"""The conference picker: the calls ``C`` would join, ticked or not; only the ticked ones join.

At first the calls the operator talks on, their consultation partner and the conference's members are ticked;
a caller on hold is not, unless the operator ticks it (console/store/conference.py). Keys: ↑/↓ move, Space or
the slot digit ticks/unticks, Enter joins the ticked calls, Esc cancels and nothing happens to any call.
Members of the conference being added to stay ticked (K leaves a conference, X drops a party).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from console.store import AppState
from console.store.conference import ConferenceChoice, caller_words, conference_choices, party_words
from ..words import CALL_WORDS, CONFERENCE_MARK


class ConferencePicker(ModalScreen[tuple[int, ...] | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="conference_cancel"),
        Binding("up", "move(-1)", "Up", show=False, id="conference_up"),
        Binding("down", "move(1)", "Down", show=False, id="conference_down"),
        Binding("space", "toggle", "Tick", id="conference_tick"),
        Binding("enter", "confirm", "Join", id="conference_join"),
        *(Binding(str(n), f"tick({n})", show=False, id=f"conference_slot_{n}") for n in range(1, 10)),
    ]

    def __init__(self, choices: tuple[ConferenceChoice, ...], cursor_slot: int | None = None) -> None:
        super().__init__()
        self.choices = choices
        self.ticked = {c.call.slot for c in choices if c.ticked}
        self.members = {c.call.slot for c in choices if c.member}
        slots = [c.call.slot for c in choices]
        self.cursor = slots.index(cursor_slot) if cursor_slot in slots else 0

    def ticked_slots(self) -> set[int]:
        return set(self.ticked)

    def compose(self) -> ComposeResult:
        title = "Conference: add the ticked calls" if self.members else "Conference: join the ticked calls"
        with Vertical(id="conference-box"):
            yield Static(Text(title, style="bold"), id="conference-title")
            yield Static(id="conference-list")
            yield Static(id="conference-prompt")

    def on_mount(self) -> None:
        self._redraw()
        self.watch(self.app, "snapshot", self._calls_changed, init=False)

    def _calls_changed(self, state: AppState) -> None:
        """A call that ends (or rings in) while the picker is open: the list follows, the ticks made stay."""
        cursor_slot = self.choices[self.cursor].call.slot if self.choices else None
        fresh = conference_choices(state)
        if [(c.call.slot, c.call.state, c.member) for c in fresh] == \
                [(c.call.slot, c.call.state, c.member) for c in self.choices]:
            return
        known = {c.call.slot for c in self.choices}
        slots = [c.call.slot for c in fresh]
        self.members = {c.call.slot for c in fresh if c.member}
        self.ticked = {slot for slot in self.ticked if slot in slots} | self.members \
            | {c.call.slot for c in fresh if c.ticked and c.call.slot not in known}
        self.choices = fresh
        self.cursor = slots.index(cursor_slot) if cursor_slot in slots else 0
        self._redraw()

    def _redraw(self) -> None:
        text = Text()
        for index, choice in enumerate(self.choices):
            call, here = choice.call, index == self.cursor
            mark = f"[{CONFERENCE_MARK}]" if choice.member else ("[x]" if call.slot in self.ticked else "[ ]")
            symbol, words = CALL_WORDS[call.state]
            if choice.member:
                state = f"{CONFERENCE_MARK} in the conference: {party_words(call.conference_parties)}"
            else:
                state = f"{symbol} {words}"
            line = f"{'▶' if here else ' '} {mark} {caller_words(call)}"
            text.append(f"{line:<40} {state}\n", style="reverse" if here else "")
        text.rstrip()
        self.query_one("#conference-list", Static).update(text or Text("No call can join now.", style="dim"))
        joining = sorted(self.ticked - self.members)
        prompt = self.query_one("#conference-prompt", Static)
        if self._ready():
            prompt.update(Text(f"Enter joins {len(joining)} call(s); Space or the slot digit ticks/unticks; "
                               "Esc cancels.", style="bold"))
        else:
            prompt.update(Text("Tick the calls to join (Space or the slot digit); held callers join only if "
                               "ticked. Esc cancels.", style="dim"))

    def _ready(self) -> bool:
        joining = self.ticked - self.members
        return bool(joining) and (bool(self.members) or len(joining) >= 2)

    def action_move(self, step: int) -> None:
        if self.choices:
            self.cursor = (self.cursor + step) % len(self.choices)
            self._redraw()

    def action_tick(self, slot: int) -> None:
        slots = [c.call.slot for c in self.choices]
        if slot in slots:
            self.cursor = slots.index(slot)
            self._flip(slot)

    def action_toggle(self) -> None:
        if self.choices:
            self._flip(self.choices[self.cursor].call.slot)

    def _flip(self, slot: int) -> None:
        if slot in self.members:
            return  # a member stays: K leaves the conference, X drops a party
        self.ticked ^= {slot}
        self._redraw()

    def action_confirm(self) -> None:
        if self._ready():
            self.dismiss(tuple(sorted(self.ticked)))
        else:
            self.app.bell()

    def action_cancel(self) -> None:
        self.dismiss(None)
