"""The help screen: every key (as remapped), and what the symbols mean."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..words import CALL_WORDS, CONFERENCE_MARK, HOLD_WORDS, KIND_WORDS, LOGIN_WORDS, MUTED_MARK, RECORDING_MARK

from ..keys import ALL_ACTIONS, display_keys


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,question_mark,q", "dismiss", "Close help", id="help_close")]

    def __init__(self, keymap: dict[str, str]) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(self._keys(), id="help-keys")
            yield Static(self._legend(), id="help-legend")
            yield Static(Text("Esc closes · remap keys in config.toml under [keys] by config name, e.g. hangup = 'e,ctrl+e'",
                              style="italic"))

    def _keys(self) -> Table:
        table = Table(title="Keys", expand=True, show_edge=False, box=None, padding=(0, 1))
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("action")
        table.add_column(Text("config name"), style="dim", no_wrap=True)
        slots_done = False
        for spec in ALL_ACTIONS:
            if spec.id.startswith("slot_"):
                if slots_done:
                    continue
                slots_done = True
                table.add_row("1 … 9", "Select the call in slot N (the other keys act on the selected call)",
                              Text("slot_1 … slot_9"))
                continue
            table.add_row(Text(display_keys(self.keymap.get(spec.id, spec.keys))), Text(spec.help), Text(spec.id))
        table.add_row("Ctrl+P", "Command palette: every action by name", "")
        table.add_row("F2", "On the login screen: the log", "")
        return table

    def _legend(self) -> Table:
        table = Table(title="Symbols", expand=True, show_edge=False, box=None, padding=(0, 1))
        table.add_column("call", no_wrap=True)
        table.add_column("login", no_wrap=True)
        calls = [f"{symbol} {words} ({state})" for state, (symbol, words) in CALL_WORDS.items()]
        logins = [f"{symbol} {state}" for state, (symbol, _) in LOGIN_WORDS.items() if state is not None]
        for i in range(max(len(calls), len(logins))):
            table.add_row(calls[i] if i < len(calls) else "", logins[i] if i < len(logins) else "")
        table.add_row("← in  → out  ◷ duration", " · ".join(HOLD_WORDS.values()))
        table.add_row("history: " + "  ".join(f"{symbol} {word}" for symbol, word in KIND_WORDS.values()),
                      "queue view: ▶ selected  ! held too long")
        table.add_row(f"{MUTED_MARK} microphone muted  {RECORDING_MARK} recording",
                      f"{CONFERENCE_MARK} conf N: in a conference of N parties")
        return table
