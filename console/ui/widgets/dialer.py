"""The dialer: a number field with the dial history on up/down."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label


class Dialer(Horizontal):
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

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.history: tuple[str, ...] = ()
        self._position = -1

    def compose(self) -> ComposeResult:
        yield Label("Dial ☎ ")
        yield Input(placeholder="number — Enter dials, ↑/↓ history, Esc closes", id="dial-input",
                    restrict=r"[0-9+*#A-Da-d ]*", max_length=64)

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def open(self) -> None:
        self._position = -1
        self.input.value = ""
        self.display = True
        self.input.focus()

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

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        number = event.value.replace(" ", "")
        if number:
            self.post_message(self.Dial(number))
