"""The help screen: every key (as remapped), and what the symbols mean."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from console.core.enums import CALL_STATES

from ..words import (
    CALL_WORDS, CONFERENCE_MARK, HOLD_WORDS, KIND_WORDS, LOGIN_WORDS, MUTED_MARK, QUEUE_OVERDUE, QUEUE_STATE_WORDS,
    RECORDING_MARK,
)

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
            yield Static(Text("↑↓ PgUp PgDn scroll · Esc closes · remap keys in config.toml under [keys] by config name, e.g. hangup = 'e,ctrl+e'",
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
                table.add_row("1 - 9", "Select the call in slot N (the other keys act on the selected call)",
                              Text("slot_1 - slot_9"))
                continue
            table.add_row(Text(display_keys(self.keymap.get(spec.id, spec.keys))), Text(spec.help), Text(spec.id))
        table.add_row("Ctrl+P", "Command palette: every action by name", "")
        table.add_row("F2", "On the login screen: the log", "")
        return table

    def _legend(self) -> Table:
        """Every symbol in two columns whose cells wrap, so nothing is cut at 80 columns (it scrolls with the keys)."""
        table = Table(title="Symbols", expand=True, show_edge=False, box=None, padding=(0, 1))
        table.add_column("calls", ratio=1)
        table.add_column("login, queue view, history", ratio=1)
        calls = [f"{symbol} {words} ({state})" for state, (symbol, words) in CALL_WORDS.items()]
        calls += ["← in  → out  ◷ duration", "hold: " + " · ".join(HOLD_WORDS.values()),
                  f"{MUTED_MARK} microphone muted", f"{RECORDING_MARK} recording",
                  f"{CONFERENCE_MARK} conf N: in a conference of N parties"]
        others = [f"{symbol} {state}" for state, (symbol, _) in LOGIN_WORDS.items() if state is not None]
        others += ["queue view: ▶ selected · ! on hold past hold_recall (" + QUEUE_OVERDUE + ") · "
                   "⇄ transfer leg · " + " · ".join(QUEUE_STATE_WORDS[state] for state in _QUEUE_LEGEND) +
                   " · …001: the number's tail, the shared prefix is on the counters line",
                   "history: " + "  ".join(f"{symbol} {word}" for symbol, word in KIND_WORDS.values())]
        for i in range(max(len(calls), len(others))):
            table.add_row(calls[i] if i < len(calls) else "", others[i] if i < len(others) else "")
        return table


_QUEUE_LEGEND = (CALL_STATES.OFFERING, CALL_STATES.RINGING, CALL_STATES.CONNECTED, CALL_STATES.HELD,
                 CALL_STATES.HOLDING)
