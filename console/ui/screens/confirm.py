"""A yes/no question before a destructive key acts (log out with calls, end every call)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class Confirm(ModalScreen[bool]):
    """``y`` or Enter confirms; ``n`` or Esc keeps everything as it is."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]

    HINT = "y / Enter: yes    n / Esc: no"

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question, self.detail = question, detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text(self.question, style="bold"), id="confirm-question")
            if self.detail:
                yield Static(self.detail, id="confirm-detail")
            yield Static(Text(self.HINT, style="dim"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ConfirmExplicit(Confirm, inherit_bindings=False):
    """Only ``y`` says yes: Enter, ``n`` and Esc say no (for a risk such as a password sent in clear, where an
    Enter pressed once too often after the login form must not agree)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm_explicit_yes"),
        Binding("n,escape,enter", "answer(False)", "No", id="confirm_explicit_no"),
    ]
    HINT = "y: yes    n / Esc / Enter: no"
