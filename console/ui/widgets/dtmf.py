"""DTMF mode: while this bar has focus, 0-9 * # A-D are tones for the selected call."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from console.core.dtmf import DIGITS
from console.store.state import CallView


class DtmfBar(Static, can_focus=True):
    BINDINGS = [Binding("escape", "close", "Leave DTMF", id="dtmf_close")]

    call: reactive[CallView | None] = reactive(None)

    class Digit(Message):
        def __init__(self, digit: str) -> None:
            super().__init__()
            self.digit = digit

    class Closed(Message):
        pass

    def render(self) -> Text:
        call = self.call
        text = Text("DTMF mode ", style="bold")
        if call is None:
            text.append("— no call selected")
        else:
            text.append(f"on slot {call.slot} ({call.remote_number} {call.remote_name})".replace(" )", ")"))
            text.append(f"   sent: {call.digits_sent or '—'}   received: {call.digits_received or '—'}")
        text.append("\nPress 0-9 * # A-D to send a tone; Esc leaves DTMF mode.", style="dim")
        return text

    def on_key(self, event: events.Key) -> None:
        character = (event.character or "").upper()
        if character and character in DIGITS:
            event.stop()
            event.prevent_default()
            self.post_message(self.Digit(character))

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return bool(character) and character.upper() in DIGITS

    def action_close(self) -> None:
        self.post_message(self.Closed())
