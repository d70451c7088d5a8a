"""The transfer picker: choose two calls (connected or held), confirm, or cancel.

Keys: ↑/↓ move, Space or Enter picks/unpicks, digits 1-9 pick by slot; once
two are picked, Enter confirms. Esc cancels and nothing happens to either call.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from console.store.state import CallView
from ..words import CALL_WORDS


class TransferPicker(ModalScreen[tuple[int, int] | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="transfer_cancel"),
        Binding("up", "move(-1)", "Up", show=False, id="transfer_up"),
        Binding("down", "move(1)", "Down", show=False, id="transfer_down"),
        Binding("space", "toggle", "Pick", id="transfer_pick"),
        Binding("enter", "confirm", "Pick / confirm", id="transfer_confirm"),
        *(Binding(str(n), f"pick({n})", show=False, id=f"transfer_slot_{n}") for n in range(1, 10)),
    ]

    def __init__(self, calls: tuple[CallView, ...]) -> None:
        super().__init__()
        self.calls = calls
        self.cursor = 0
        self.picked: list[int] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="transfer-box"):
            yield Static(Text("Transfer: join two calls", style="bold"), id="transfer-title")
            yield Static(id="transfer-list")
            yield Static(id="transfer-prompt")

    def on_mount(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        text = Text()
        for index, call in enumerate(self.calls):
            here = index == self.cursor
            mark = "[x]" if call.slot in self.picked else "[ ]"
            symbol, words = CALL_WORDS[call.state]
            line = f"{'▶' if here else ' '} {mark} {call.slot}  {call.remote_number} {call.remote_name}".rstrip()
            text.append(f"{line:<34} {symbol} {words}\n", style="reverse" if here else "")
        self.query_one("#transfer-list", Static).update(text)
        prompt = self.query_one("#transfer-prompt", Static)
        if len(self.picked) == 2:
            a, b = (self._call(slot) for slot in self.picked)
            prompt.update(Text(f"Join {a.slot} ({a.remote_number}) with {b.slot} ({b.remote_number})? "
                               "Enter confirms, Esc cancels.", style="bold"))
        else:
            prompt.update(Text(f"Pick {2 - len(self.picked)} more call(s): ↑/↓ and Space or Enter, or the slot "
                               "digit. Esc cancels.", style="dim"))

    def _call(self, slot: int) -> CallView:
        return next(c for c in self.calls if c.slot == slot)

    def action_move(self, step: int) -> None:
        if self.calls:
            self.cursor = (self.cursor + step) % len(self.calls)
            self._redraw()

    def action_pick(self, slot: int) -> None:
        if any(c.slot == slot for c in self.calls):
            self.cursor = next(i for i, c in enumerate(self.calls) if c.slot == slot)
            self._flip(slot)

    def action_toggle(self) -> None:
        if self.calls:
            self._flip(self.calls[self.cursor].slot)

    def _flip(self, slot: int) -> None:
        if slot in self.picked:
            self.picked.remove(slot)
        elif len(self.picked) < 2:
            self.picked.append(slot)
        self._redraw()

    def action_confirm(self) -> None:
        if len(self.picked) == 2:
            self.dismiss((self.picked[0], self.picked[1]))
        else:
            self.action_toggle()

    def action_cancel(self) -> None:
        self.dismiss(None)
