"""The queue view: one line per call, for a board too busy for cards.

Counters of ringing, held and connected calls on top; then ringing calls
longest-waiting first, then the others by slot. Each line: selection mark
(▶, or ! for a hold past ``hold_recall``), slot, direction, a mark (⇄ announced
transfer, ⧉ conference, ● recording, ⊘ muted, ≡ offered by a shared queue), number and name, state in a
symbol and a word (so rows differ without colour), and the time that matters
(waiting while it rings, on hold while held, talking otherwise).

Numbers are shown in full while every row holds its number and name; when they
do not, and the rows on screen share a prefix (practice callers +4930555001 …
+4930555030), each row shows the tail that tells it apart ("…001") and the
counters line names the prefix once ("+49305550…"). Lines flow into a second
column only when nothing is cut there; what still does not fit is counted
("+N more"), never dropped silently, and the selected call is always among the
lines shown.
"""

from __future__ import annotations

from os.path import commonprefix

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from console.core.enums import CALL_STATES
from console.store.state import CallView, HoldSide

from ..words import (
    CONFERENCE_MARK, DIRECTION_WORDS, LOST_CONTACT, QUEUE_HELD_BOTH, QUEUE_ORIGIN_MARK, QUEUE_OVERDUE, QUEUE_RECALL,
    QUEUE_REQUEST_WORDS, QUEUE_STATE_WIDTH, QUEUE_STATE_WORDS, format_duration, recall_words,
)

MIN_COLUMN = 34  # cells: below this a line no longer holds a number's tail, a name, the state and the time
MAX_COLUMN = 64  # wider lines only push the state away from the number
MIN_TAIL = 3  # digits a shortened number keeps at least
FIXED = 1 + 2 + 1 + 1 + 1 + 1 + QUEUE_STATE_WIDTH + 1  # mark, slot, blank, direction, feature, blank, state, blank
_STYLE = {CALL_STATES.OFFERING: "bold", CALL_STATES.RINGING: "bold", CALL_STATES.DISCONNECTED: "dim"}


def queue_mark(call: CallView) -> str:
    """One cell for what the card says in its title or last line: announced transfer (either leg),
    conference, recording, muted, else that a shared queue offered it; a blank when none applies."""
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
    if call.origin is not None and call.origin.queue:
        return QUEUE_ORIGIN_MARK
    return " "


def overdue(call: CallView, now: float, recall: float) -> bool:
    """On hold (by us) for ``recall`` seconds or more: the board flags it and rings the bell once."""
    held = call.on_hold_for(now)
    return (held is not None and recall > 0 and held >= recall and call.state is CALL_STATES.HELD
            and not call.conference and not call.lost_contact)  # a conference member talks; a lost call is frozen


def row_state(call: CallView, alert: bool) -> str:
    """The state column: no contact, a request under way, an overdue hold, a conference member, a recall
    ringing, else the state (a symbol and a word)."""
    if call.lost_contact:  # no contact with the switch: a word and no running timer (store/contact.py)
        return LOST_CONTACT
    if call.pending is not None and not call.ended:
        return QUEUE_REQUEST_WORDS[call.pending]
    if call.conference and not call.ended:
        return f"{CONFERENCE_MARK} conf {call.conference_parties}"  # a member talks, whatever its leg's hold
    if call.ringing_in and recall_words(call):
        return QUEUE_RECALL
    if alert:
        return QUEUE_OVERDUE
    if call.hold is HoldSide.BOTH:
        return QUEUE_HELD_BOTH
    return QUEUE_STATE_WORDS[call.state]


def clock_for(call: CallView, now: float) -> str:
    if call.lost_contact:
        return ""  # the times stopped at the loss: no running timer
    held = call.on_hold_for(now)
    if call.ringing_in:
        return format_duration(max(0.0, now - call.created_at))
    if held is not None:
        return format_duration(held)
    return format_duration(call.duration(now))


def who_for(call: CallView, cut: int = 0) -> str:
    """Number and name; ``cut`` leading characters of the number replaced by "…" (the shared prefix)."""
    number = call.remote_number or "?"
    if 0 < cut < len(number):
        number = "…" + number[cut:]
    who = f"{number} {call.remote_name}".strip()
    if back := recall_words(call):  # "↩ 202 busy — …001 Caller 04"
        who = f"{back} — {who}"
    return who


def shared_cut(calls: list[CallView]) -> int:
    """How many leading characters the rows' numbers share and can leave out, keeping ``MIN_TAIL`` each;
    0 when there is nothing worth leaving out (fewer than two numbers, or a short shared part)."""
    numbers = [c.remote_number for c in calls if c.remote_number]
    if len(numbers) < 2:
        return 0
    cut = min(len(commonprefix(numbers)), min(len(n) for n in numbers) - MIN_TAIL)
    return cut if cut >= 2 else 0  # "…" takes a cell: leaving out one character gains nothing


def line_for(call: CallView, now: float, width: int, selected: bool, recall: float, *, who: str | None = None,
             alert_style: str = "bold") -> Text:
    """One call in ``width`` cells; ``who`` (default: full number and name) is cut with "…" only when it does
    not fit."""
    clock = clock_for(call, now)
    alert = overdue(call, now, recall)
    mark = "▶" if selected else ("!" if alert else " ")
    direction = DIRECTION_WORDS[call.direction][0]
    who_width = max(4, width - FIXED - len(clock))
    who = who_for(call) if who is None else who
    if len(who) > who_width:
        who = who[: who_width - 1] + "…"
    text = Text(f"{mark}{call.slot:>2} {direction}{queue_mark(call)}{who:<{who_width}} ",
                style=_STYLE.get(call.state, ""))
    text.append(f"{row_state(call, alert):<{QUEUE_STATE_WIDTH}}", style=alert_style if alert else "")
    text.append(f" {clock}")
    if not selected:
        if alert:
            text.stylize(alert_style, 0, 1)
        return text
    text.stylize("reverse")
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
        if not calls:
            return Text.assemble(head, "\nNo calls.")
        width = max(MIN_COLUMN, self.size.width or 80)
        rows = max(1, (self.size.height or 20) - 1)
        ordered = _order(calls)
        columns = max(1, min(width // MIN_COLUMN, -(-len(ordered) // rows)))
        while True:  # the most columns in which no row is cut; one column if none
            col_width = min(MAX_COLUMN, (width - (columns - 1)) // columns)
            shown, more = self._fit(ordered, rows * columns)
            clock = max(len(clock_for(c, self.now)) for c in shown)
            room = col_width - FIXED - clock
            cut = 0 if all(len(who_for(c)) <= room for c in shown) else shared_cut(shown)
            if columns == 1 or all(len(who_for(c, cut)) <= room for c in shown):
                break
            columns -= 1
        if cut:
            prefix = next(c.remote_number for c in shown if c.remote_number)[:cut]
            head.append(f"  № {prefix}…")
        alert_style = self._alert_style() if any(overdue(c, self.now, self.recall) for c in shown) else "bold"
        lines = [line_for(c, self.now, col_width, c.slot == self.focused, self.recall, who=who_for(c, cut),
                          alert_style=alert_style) for c in shown]
        if more:
            lines.append(Text(f"+{more} more: ' and a slot number selects one", style="italic"))
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

    def _fit(self, ordered: list[CallView], capacity: int) -> tuple[list[CallView], int]:
        """The calls that fit ``capacity`` lines (one kept for "+N more" if they do not all fit), the selected
        call always among them, and how many are left out."""
        if len(ordered) <= capacity:
            return list(ordered), 0
        keep = max(1, capacity - 1)
        selected = next((c for c in ordered if c.slot == self.focused), None)
        shown = ordered[:keep]
        if selected is not None and selected not in shown:
            shown = [*shown[: keep - 1], selected]
        return shown, len(ordered) - len(shown)

    def _alert_style(self) -> str:
        """The theme's warning colour, bold (colour adds emphasis; the word says it without)."""
        colour = self.app.get_css_variables().get("warning", "")
        return f"bold {colour}".strip()


def _order(calls: tuple[CallView, ...]) -> list[CallView]:
    ringing = sorted((c for c in calls if c.ringing_in), key=lambda c: (c.created_at, c.slot))
    return [*ringing, *(c for c in calls if not c.ringing_in)]
