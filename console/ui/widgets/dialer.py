"""The dialer: a number or a name, with the dial history on up/down and matches as you type.

Every character typed goes in, names too: typing ``ali`` shows "201 Alice" from
the directory (the switch's own directory once it sent it, the console's
configured entries, and everyone in the call history); Enter dials the number typed, or the first
match for a name. The field takes the focus at once when the dialer opens, so a
burst typed straight after ``d`` (a slow SSH link delivers ``d9001`` in one
read) lands in the field, not on the board.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from .inputs import OperatorInput

DIALABLE = re.compile(r"^[0-9+*#A-Da-d ]+$")
MAX_MATCHES = 4


def matches(text: str, directory: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """Directory entries whose name contains ``text`` or whose number starts with it (case-insensitive)."""
    needle = text.strip().lower()
    if not needle:
        return []
    found = [(number, name) for number, name in directory
             if number.lower().startswith(needle) or needle in name.lower()]
    return found[:MAX_MATCHES]


class Dialer(Vertical):
    BINDINGS = [
        Binding("up", "older", "Older", id="dialer_older"),
        Binding("down", "newer", "Newer", id="dialer_newer"),
        Binding("escape", "close", "Close", id="dialer_close"),
    ]

    class Dial(Message):
        def __init__(self, number: str) -> None:
            super().__init__()
            self.number = number

    class Closed(Message):
        pass

    class Refused(Message):
        """Enter on text that is neither a number nor a known name."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.history: tuple[str, ...] = ()
        self.directory: tuple[tuple[str, str], ...] = ()
        self._position = -1

    def compose(self) -> ComposeResult:
        with Horizontal(id="dial-row"):
            yield Label("Dial ☎ ")
            yield OperatorInput(placeholder="number or name — Enter dials, ↑/↓ history, Esc closes",
                                id="dial-input", max_length=64, compact=True)
        yield Static("", id="dial-matches")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def open(self) -> None:
        self._position = -1
        self.input.value = ""
        self.display = True
        self.screen.set_focus(self.input)  # at once, not after a refresh: the next key must land here

    def action_older(self) -> None:
        if self._position + 1 < len(self.history):
            self._position += 1
            self._show()

    def action_newer(self) -> None:
        if self._position > 0:
            self._position -= 1
            self._show()
        else:
            self._position = -1
            self.input.value = ""

    def _show(self) -> None:
        self.input.value = self.history[self._position]
        self.input.cursor_position = len(self.input.value)

    def action_close(self) -> None:
        self.post_message(self.Closed())

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        found = matches(event.value, self.directory)
        text = Text()
        for number, name in found:
            text.append(f"{number} ", style="bold")
            text.append(f"{name}   ")
        if event.value.strip() and not found and not DIALABLE.match(event.value):
            text.append("no match in the directory or the history", style="dim")
        self.query_one("#dial-matches", Static).update(text)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        if not value:
            return
        if DIALABLE.match(value):
            self.post_message(self.Dial(value.replace(" ", "")))
            return
        found = matches(value, self.directory)
        if found:
            self.post_message(self.Dial(found[0][0]))
        else:
            self.post_message(self.Refused(value))
