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
from textual.keys import Keys, _character_to_key, key_to_character


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
    ActionSpec("answer", "a", "app.answer", "Answer", "Answer the selected ringing call, else the one ringing longest (it becomes the selected call); a connected call goes on hold"),
    ActionSpec("accept", "r", "app.accept", "Accept", "Accept a new incoming call: it rings at the caller, not yet answered", show=False),
    ActionSpec("decline", "x", "app.decline", "Decline", "Decline the selected ringing call (never another one)"),
    ActionSpec("hold", "h", "app.hold", "Hold", "Put the selected call on hold"),
    ActionSpec("retrieve", "u", "app.retrieve", "Retrieve", "Take the selected call off hold (the connected call goes on hold)"),
    ActionSpec("hangup", "e", "app.hangup", "End", "End (hang up) the selected call"),
    ActionSpec("dial", "d", "app.open_dialer", "Dial", "Open the dialer: a number or a name (matches show as you type), enter dials, up/down walk the history"),
    ActionSpec("transfer", "t", "app.transfer", "Transfer", "Pick two calls (connected or held) and join them"),
    ActionSpec("mute", "M", "app.toggle_mute", "Mute", "Mute or unmute the microphone on the selected call (the far end hears silence; the call stays connected, unlike hold)", show=False),
    ActionSpec("record", "R", "app.toggle_recording", "Record", "Start or stop recording the selected call: a stereo WAV (left you, right the far end) in the data folder's recordings", show=False),
    ActionSpec("conference", "C", "app.conference", "Conference", "Conference: pick the calls to join (the connected call is ticked, held callers only if you tick them), mixed at the switch", show=False),
    ActionSpec("leave_conference", "K", "app.leave_conference", "Leave conf", "Leave the selected call's conference: your calls in it end, the other parties stay connected", show=False),
    ActionSpec("drop_party", "X", "app.drop_party", "Drop party", "Drop the selected call's party from its conference; the others stay", show=False),
    ActionSpec("dtmf", "m", "app.dtmf_mode", "DTMF", "DTMF mode: keys 0-9 * # A-D go to the selected call as tones; esc leaves", show=False),
    ActionSpec("end_all", "E", "app.end_all", "End all", "End every call (asks first: only y ends them)", show=False),
    ActionSpec("view", "v", "app.cycle_view", "View", "Board view: auto (cards while they fit, else the queue) → queue → cards", show=False),
    ActionSpec("wallboard", "W", "app.wallboard", "Wallboard", "Wallboard: today's calls, answered, abandoned, "
               "waits and service level in big digits, updated as calls end; Esc or W closes", show=False),
    ActionSpec("history", "c", "app.toggle_history", "History", "Call history: incoming, outgoing, missed, abandoned; Enter calls back, Esc closes"),
    ActionSpec("log", "l", "app.toggle_log", "Log", "Log pane: show and focus it (arrows scroll, Esc back), press again to hide", show=False),
    ActionSpec("diagnostics", "L", "app.toggle_diagnostics", "Diag", "Turn the client's diagnostic logging on or off (control_logging)", show=False),
    ActionSpec("demo_call", "f5", "app.demo_call", "Demo call", "Embedded switch only: make a demo caller ring in", show=False),
    ActionSpec("logout", "o", "app.logout", "Logout", "Log out (ends the session; with calls up it asks first: they end)", show=False),
    ActionSpec("next_call", "right_square_bracket", "app.focus_step(1)", "Next call",
               "Select the next call in slot order (reaches slots past 9)", show=False),
    ActionSpec("previous_call", "left_square_bracket", "app.focus_step(-1)", "Previous call",
               "Select the previous call in slot order", show=False),
    ActionSpec("goto_slot", "apostrophe", "app.goto_slot", "Go to slot",
               "Go to slot: then the slot's number (' 2 7 selects slot 27, ' 5 slot 5; after 1-3 Enter or a "
               "pause ends the number)", show=False),
    *(_slot(n) for n in range(1, 10)),
    # attendant extension
    ActionSpec("lamps", "b", "app.lamps", "Lamps", "Busy lamp field: every extension's presence and the park orbits; "
               "Enter transfers the selected call there (or parks it, dials, picks up), T consults, Esc closes",
               show=False),  # the footer is full at 80 columns: the help screen and the palette list it
    ActionSpec("search", "slash", "app.search", "Search", "Search the directory, parked calls, history and live calls "
               "(fuzzy); Enter dials, transfers the selected call to, or picks up the chosen entry", show=False),
    ActionSpec("blind_transfer", "B", "app.blind_transfer", "Blind transfer",
               "Blind transfer: the selected call goes on to a number you type (it hears music while it rings)", show=False),
    ActionSpec("consult", "T", "app.consult", "Consult", "Announced transfer: call a number about the selected call "
               "(the caller waits on hold); j completes, z goes back to the caller", show=False),
    ActionSpec("complete_transfer", "j", "app.complete_transfer", "Complete transfer",
               "Announced transfer: hand the waiting caller to the target (answered or still ringing)", show=False),
    ActionSpec("cancel_consult", "z", "app.cancel_consult", "Cancel consult",
               "Announced transfer: end the consultation and go back to the waiting caller", show=False),
    ActionSpec("park", "p", "app.park", "Park", "Park the selected call on the first free orbit (it hears music; "
               "anyone picks it up; it rings back here if it waits too long)", show=False),
    ActionSpec("pickup", "g", "app.pickup", "Pickup", "Pick up a parked call (the one parked longest, first on the "
               "park strip; or dial the orbit's number)", show=False),
    ActionSpec("dnd", "n", "app.toggle_dnd", "DND", "Do not disturb on/off: callers to this console's number get busy "
               "(or the busy forwarding)", show=False),
    ActionSpec("forwarding", "F", "app.forwarding", "Forwarding", "Forwarding of this console's number: "
               "always N / busy N / noanswer N (several at once), or off", show=False),
)

GLOBAL_ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("help", "f1,question_mark", "app.help", "Help", "Show every key and what the symbols mean"),
    ActionSpec("devices", "f3", "app.devices", "Devices", "Audio devices: pick the headset and the ringer, test tone and microphone meter (saved in config.toml)", show=False),
    ActionSpec("theme", "ctrl+t", "app.next_theme", "Theme", "Switch to the next theme (saved in config.toml)", show=False),
    ActionSpec("quit", "ctrl+q", "app.quit", "Quit", "Quit; the session stays restorable for a while (log out with o to end it)", show=False),
)

ALL_ACTIONS = MAIN_ACTIONS + GLOBAL_ACTIONS
ACTION_IDS = frozenset(spec.id for spec in ALL_ACTIONS)


def bindings(specs: tuple[ActionSpec, ...], priority: bool = False) -> list[Binding]:
    return [Binding(spec.keys, spec.action, spec.label, show=spec.show, id=spec.id, priority=priority)
            for spec in specs]


def display_keys(keys: str) -> str:
    """'f1,question_mark' -> 'F1 / ?' for the help screen."""
    names = {"question_mark": "?", "escape": "Esc", "enter": "Enter", "space": "Space",
             "left_square_bracket": "[", "right_square_bracket": "]",
             "apostrophe": "'"}
    out = []
    for key in keys.split(","):
        key = key.strip()
        key = names.get(key, key)
        if key.startswith("f") and key[1:].isdigit():
            key = key.upper()
        out.append(key.replace("ctrl+", "Ctrl+").replace("shift+", "Shift+"))
    return " / ".join(out)


_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_NAMED = frozenset(key.value for key in Keys)


def valid_key(key: str) -> bool:
    """A key name Textual can bind: a character, a named key (f1, escape, question_mark ...), with modifiers."""
    parts = key.split("+")
    base, modifiers = parts[-1], parts[:-1]
    if not base or any(m not in _MODIFIERS for m in modifiers):
        return False
    return len(base) == 1 or base in _NAMED or key_to_character(base) is not None


def _keys(spec: str) -> list[str]:
    return [_character_to_key(k) if len(k) == 1 else k for k in (part.strip() for part in spec.split(",")) if k]


def check_keymap(overrides: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The overrides that can be applied, and one line for each that cannot (unknown action, not a key,
    a key another action already has). A refused override leaves the action on its default keys."""
    problems: list[str] = []
    clean: dict[str, str] = {}
    for name in sorted(overrides):
        if name not in ACTION_IDS:
            problems.append(f"config [keys]: unknown action {name!r} ignored (the help screen, F1, lists the names)")
            continue
        bad = [k for k in (part.strip() for part in overrides[name].split(",")) if not k or not valid_key(k)]
        if bad or not overrides[name].strip():
            problems.append(f"config [keys]: {name} = {overrides[name]!r}: {bad[0] if bad else 'nothing'!r} is not a key; "
                            f"{name} keeps {display_keys(_SPEC[name].keys)}")
            continue
        clean[name] = overrides[name]
    # Conflicts: a key may belong to one action of the board (main + global) at a time.
    while True:
        owner: dict[str, str] = {}
        clash = None
        for spec in ALL_ACTIONS:
            for key in _keys(clean.get(spec.id, spec.keys)):
                if key in owner and owner[key] != spec.id:
                    clash = (key, owner[key], spec.id)
                    break
                owner[key] = spec.id
            if clash:
                break
        if clash is None:
            return clean, problems
        key, first, second = clash
        loser = second if second in clean else first
        if loser not in clean:  # two defaults clash: nothing the config can fix (not expected)
            return clean, problems
        other = first if loser == second else second
        problems.append(f"config [keys]: {loser} = {clean[loser]!r} takes {display_keys(key)!r} from {other}; "
                        f"ignored, {loser} keeps {display_keys(_SPEC[loser].keys)}")
        del clean[loser]


_SPEC = {spec.id: spec for spec in ALL_ACTIONS}
