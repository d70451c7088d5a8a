"""One search (``/``) over the directory, the park orbits, the history and the live calls.

Type to narrow (fuzzy: the letters in order); ↑/↓ move; Enter acts in context: a live call is selected
(a ringing one answered), a parked call picked up, a number dialled -- or, with a connected or held call
selected, that call transferred to it (blind). Esc closes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from console.core.directory import PresenceState
from console.core.machines import TALKING_STATES
from console.store.search import Hit, HitKind, search
from console.store.state import AppState

from ..words import PRESENCE_WORDS
from .transfer_check import UNREACHABLE, transfer_asking

if TYPE_CHECKING:
    from ..app import SwitchboardApp

SHOWN = 12
KIND_MARK = {HitKind.CALL: "☎", HitKind.ORBIT: "P", HitKind.DIRECTORY: "▤", HitKind.HISTORY: "↺"}


class SearchScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close", id="search_close"),
        Binding("up", "move(-1)", "Up", show=False, id="search_up"),
        Binding("down", "move(1)", "Down", show=False, id="search_down"),
    ]
    app: SwitchboardApp

    def __init__(self) -> None:
        super().__init__()
        self.hits: tuple[Hit, ...] = ()
        self.cursor = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Static(Text("Search: directory, parked calls, history, live calls", style="bold"))
            yield Input(placeholder="name, number or department", id="search-input")
            yield Static(id="search-list")
            yield Static(id="search-hint")

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = self.app.cursor_blink
        self.query_one(Input).focus()
        self._refresh("")

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        self.cursor = 0
        self._refresh(event.value)

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        self.action_act()

    def _refresh(self, query: str) -> None:
        self.hits = search(self.app.snapshot, query)
        self._draw()

    def _draw(self) -> None:
        text = Text()
        top = max(0, self.cursor - SHOWN + 1)
        for index, hit in enumerate(self.hits[top:top + SHOWN], start=top):
            here = index == self.cursor
            slot = f"[{hit.slot}] " if hit.slot is not None else ""
            presence = self.app.snapshot.desk.presence_of(hit.number) if hit.kind is HitKind.DIRECTORY else None
            lamp = f" {PRESENCE_WORDS[presence][0]} {PRESENCE_WORDS[presence][1]}" if presence is not None else ""
            line = f"{'▶' if here else ' '} {KIND_MARK[hit.kind]} {slot}{hit.number:<6} {hit.name}{lamp}"
            text.append(f"{line[:44]:<44} {hit.detail[:28]}\n", style="reverse" if here else "")
        if not self.hits:
            text.append("No matches", style="dim")
        self.query_one("#search-list", Static).update(text)
        hit = self.hits[self.cursor] if self.hits else None
        hint = f"Enter: {self._what(self.app.snapshot, hit)} · ↑/↓ choose · Esc closes" if hit else "Esc closes"
        self.query_one("#search-hint", Static).update(Text(hint, style="dim"))

    def _what(self, state: AppState, hit: Hit) -> str:
        if hit.kind is HitKind.CALL:
            call = state.call_in(hit.slot)
            return f"answer [{hit.slot}]" if call is not None and call.ringing_in else f"select [{hit.slot}]"
        if hit.kind is HitKind.ORBIT:
            return f"pick up the call parked on {hit.number}"
        focused = state.focused_call
        if focused is not None and focused.state in TALKING_STATES:
            warning = UNREACHABLE.get(state.desk.presence_of(hit.number))  # type: ignore[arg-type]
            presence = PRESENCE_WORDS[state.desk.presence_of(hit.number)][1]
            return f"transfer [{focused.slot}] {focused.remote_number} to {hit.number}" + (
                f" ({presence}: asks)" if warning else "")
        return f"dial {hit.number}"

    def action_move(self, step: int) -> None:
        if self.hits:
            self.cursor = max(0, min(len(self.hits) - 1, self.cursor + step))
            self._draw()

    def action_act(self) -> None:
        if not self.hits:
            return
        hit, state, controller = self.hits[self.cursor], self.app.snapshot, self.app.controller
        if hit.kind is HitKind.CALL and hit.slot is not None:
            call = state.call_in(hit.slot)
            if call is not None and call.ringing_in:
                controller.answer(hit.slot)
            else:
                controller.focus(hit.slot)
        elif hit.kind is HitKind.ORBIT:
            controller.desk.pickup(hit.number)
        elif state.focused_call is not None and state.focused_call.state in TALKING_STATES:
            transfer_asking(self.app, hit.number, self.dismiss)
            return
        elif state.desk.presence_of(hit.number) is PresenceState.RINGING and controller.desk.can_pickup_ringing():
            controller.desk.pickup_ringing(hit.number)
        else:
            controller.dial(hit.number)
        self.dismiss()

    def action_close(self) -> None:
        self.dismiss()
