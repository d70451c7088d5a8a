"""The queue view: one line per call, for a board too busy for cards.

Counters of ringing, held and connected calls on top; then ringing calls
longest-waiting first, then the others by slot. Each line: selection mark,
slot, direction, a mark (⇄ announced transfer, ⧉ conference, ● recording,
⊘ muted), number and name, state, and the time that matters (waiting
while it rings, on hold while held, talking otherwise). Lines flow into as many
columns as the width allows; what still does not fit is counted ("+N more"),
never dropped silently, and the selected call is always among the lines shown.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from console.core.enums import CALL_STATES
from console.store.state import CallView

from ..words import (CONFERENCE_MARK, DIRECTION_WORDS, LOST_CONTACT, REQUEST_WORDS, format_duration, recall_words,
                     short_state)

MIN_COLUMN = 38  # cells: below this a line no longer holds number, name, state and time
MAX_COLUMN = 64  # wider lines only push the state away from the number
_STYLE = {CALL_STATES.OFFERING: "bold", CALL_STATES.RINGING: "bold", CALL_STATES.DISCONNECTED: "dim"}


def queue_mark(call: CallView) -> str:
    """One cell for what the card says in its title or last line: announced transfer (either leg),
    conference, recording, muted; a blank when none applies."""
    if call.ended:
        return " "
    if call.consult:
        return "⇄"
    if call.conference:
        return CONFERENCE_MARK
    if call.recording:
        return "●"
    if call.muted:
        return "⊘"
    return " "


def line_for(call: CallView, now: float, width: int, selected: bool, recall: float) -> Text:
    """One call in ``width`` cells."""
    held = call.on_hold_for(now)
    if call.ringing_in:
        clock = format_duration(max(0.0, now - call.created_at))
    elif held is not None:
        clock = format_duration(held)
    else:
        clock = format_duration(call.duration(now))
    state = REQUEST_WORDS[call.pending] if call.pending is not None and not call.ended else short_state(call.state, call.hold)
    if call.conference and not call.ended and call.pending is None:
        state = f"conf {call.conference_parties}"  # a member talks in the conference, whatever its leg's hold
    if call.lost_contact:  # no contact with the switch: a word and no running timer (store/contact.py)
        clock, state = "", LOST_CONTACT
    alert = held is not None and recall > 0 and held >= recall and call.state is CALL_STATES.HELD and not call.conference
    mark = "▶" if selected else ("!" if alert else " ")
    direction = DIRECTION_WORDS[call.direction][0]
    feature = queue_mark(call)
    fixed = 1 + 2 + 1 + 1 + 1 + 1 + 12 + 1 + len(clock)
    who_width = max(4, width - fixed)
    who = f"{call.remote_number or '?'} {call.remote_name}".strip()
    if back := recall_words(call):  # "↩ 202 busy — Caller 04"
        who = f"{back} — {who}"
    if len(who) > who_width:
        who = who[: who_width - 1] + "…"
    text = Text(f"{mark}{call.slot:>2} {direction}{feature}{who:<{who_width}} {state[:12]:<12} {clock}",
                style=_STYLE.get(call.state, ""))
    if selected:
        text.stylize("reverse")
    elif alert:
        text.stylize("bold")
    return text


class CallQueue(Static):
    """The compact list. Gets the calls, the selection, the clock and the hold-recall time as attributes."""

    calls: reactive[tuple[CallView, ...]] = reactive(tuple)
    focused: reactive[int | None] = reactive(None)
    now: reactive[float] = reactive(0.0)
    refused: reactive[int] = reactive(0)
    recall: reactive[float] = reactive(0.0)

    def render(self) -> Text:
        calls = self.calls
        ringing = sum(1 for c in calls if c.ringing_in)
        held = sum(1 for c in calls if c.state in (CALL_STATES.HELD, CALL_STATES.HOLDING))
        connected = sum(1 for c in calls if c.state is CALL_STATES.CONNECTED)
        head = Text(f"♪ ringing {ringing}  ‖ held {held}  ● connected {connected}  calls {len(calls)}", style="bold")
        if self.refused:
            head.append(f"  ✕ refused {self.refused}", style="bold")
        width = max(MIN_COLUMN, (self.size.width or 80) - 1)
        rows = max(1, (self.size.height or 20) - 1)
        if not calls:
            return Text.assemble(head, "\nNo calls.")
        ordered = _order(calls)
        columns = max(1, min(width // MIN_COLUMN, -(-len(ordered) // rows)))
        capacity = rows * columns
        shown = list(ordered)
        more = 0
        if len(shown) > capacity:
            keep = capacity - 1
            selected = next((c for c in shown if c.slot == self.focused), None)
            head_calls = shown[:keep]
            if selected is not None and selected not in head_calls:
                head_calls = [*head_calls[: keep - 1], selected]
            more = len(shown) - len(head_calls)
            shown = head_calls
        col_width = min(MAX_COLUMN, width // columns - (1 if columns > 1 else 0))
        lines = [line_for(c, self.now, col_width, c.slot == self.focused, self.recall) for c in shown]
        if more:
            lines.append(Text(f"+{more} more (v: cards, [ ]: step through)", style="italic"))
        out = Text()
        out.append_text(head)
        for row in range(min(rows, len(lines))):
            out.append("\n")
            for col in range(columns):
                index = col * rows + row
                if index < len(lines):
                    if col:
                        out.append(" ")
                    cell = lines[index]
                    cell.pad_right(max(0, col_width - cell.cell_len))
                    out.append_text(cell)
        out.no_wrap = True
        return out


def _order(calls: tuple[CallView, ...]) -> list[CallView]:
    ringing = sorted((c for c in calls if c.ringing_in), key=lambda c: (c.created_at, c.slot))
    return [*ringing, *(c for c in calls if not c.ringing_in)]
