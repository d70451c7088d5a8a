"""Every operator action in one table: its id (the name in config.toml's ``[keys]``), default keys,
the Textual action it runs, the footer label and the help text.

The same table builds the main screen's bindings, the help screen and the
command palette, so a key, its label and its palette entry never disagree.
Remapping uses Textual's keymap (binding ids), so an override moves the key
everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class ActionSpec:
    id: str
    keys: str
    action: str
    label: str
    help: str
    show: bool = True
    palette: bool = True


def _slot(n: int) -> ActionSpec:
    return ActionSpec(f"slot_{n}", str(n), f"app.focus_slot({n})", f"Slot {n}",
                      f"Select the call in slot {n} (the other keys act on the selected call)", show=False,
                      palette=n <= 3)


MAIN_ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("answer", "a", "app.answer", "Answer", "Answer the ringing call (the selected one, else the one ringing longest); a connected call goes on hold"),
    ActionSpec("accept", "r", "app.accept", "Accept", "Accept a new incoming call: it rings at the caller, not yet answered"),
    ActionSpec("decline", "x", "app.decline", "Decline", "Decline the ringing call"),
    ActionSpec("hold", "h", "app.hold", "Hold", "Put the selected call on hold"),
    ActionSpec("retrieve", "u", "app.retrieve", "Retrieve", "Take the selected call off hold (the connected call goes on hold)"),
    ActionSpec("hangup", "e", "app.hangup", "End", "End (hang up) the selected call"),
    ActionSpec("dial", "d", "app.open_dialer", "Dial", "Open the dialer: type a number, enter dials, up/down walk the history"),
    ActionSpec("transfer", "t", "app.transfer", "Transfer", "Pick two calls (connected or held) and join them"),
    ActionSpec("dtmf", "m", "app.dtmf_mode", "DTMF", "DTMF mode: keys 0-9 * # A-D go to the selected call as tones; esc leaves"),
    ActionSpec("log", "l", "app.toggle_log", "Log", "Show or hide the log pane"),
    ActionSpec("diagnostics", "L", "app.toggle_diagnostics", "Diag", "Turn the client's diagnostic logging on or off (control_logging)", show=False),
    ActionSpec("demo_call", "f5", "app.demo_call", "Demo call", "Embedded switch only: make a demo caller ring in"),
    ActionSpec("logout", "o", "app.logout", "Logout", "Log out (ends the session; calls end)"),
    ActionSpec("next_call", "right_square_bracket", "app.focus_step(1)", "Next call",
               "Select the next call in slot order (reaches slots past 9)", show=False),
    ActionSpec("previous_call", "left_square_bracket", "app.focus_step(-1)", "Previous call",
               "Select the previous call in slot order", show=False),
    *(_slot(n) for n in range(1, 10)),
)

GLOBAL_ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("help", "f1,question_mark", "app.help", "Help", "Show every key and what the symbols mean"),
    ActionSpec("theme", "ctrl+t", "app.next_theme", "Theme", "Switch to the next theme (saved in config.toml)"),
    ActionSpec("quit", "ctrl+q", "app.quit", "Quit", "Quit; the session stays restorable for a while (log out with o to end it)"),
)

ALL_ACTIONS = MAIN_ACTIONS + GLOBAL_ACTIONS
ACTION_IDS = frozenset(spec.id for spec in ALL_ACTIONS)


def bindings(specs: tuple[ActionSpec, ...], priority: bool = False) -> list[Binding]:
    return [Binding(spec.keys, spec.action, spec.label, show=spec.show, id=spec.id, priority=priority)
            for spec in specs]


def display_keys(keys: str) -> str:
    """'f1,question_mark' -> 'F1 / ?' for the help screen."""
    names = {"question_mark": "?", "escape": "Esc", "enter": "Enter", "space": "Space",
             "left_square_bracket": "[", "right_square_bracket": "]"}
    out = []
    for key in keys.split(","):
        key = key.strip()
        key = names.get(key, key)
        if key.startswith("f") and key[1:].isdigit():
            key = key.upper()
        out.append(key.replace("ctrl+", "Ctrl+").replace("shift+", "Shift+"))
    return " / ".join(out)
