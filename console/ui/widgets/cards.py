"""Call cards in numbered slots. A card shows one call; the deck lays the cards out by slot."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container
from textual.geometry import Region
from textual.strip import Strip
from textual.reactive import reactive, var
from textual.widgets import Static

from console.core.enums import CALL_STATES
from console.store.readings import NO_AUDIO_AFTER
from console.store.state import CallView, HoldSide
from ..kept_lines import KeptLines
from ..words import (CALL_WORDS, CONFERENCE_MARK, CONSULT_WORDS, DIRECTION_WORDS, HOLD_WORDS, LOST_CONTACT, PARKED_MARK,
                     REQUEST_WORDS, feature_marks, format_duration, origin_words, reason_words, transferred_words)

_METER_CELLS = 6
_STATE_CLASS = {
    CALL_STATES.IDLE: "-setup", CALL_STATES.DIALING: "-setup", CALL_STATES.OFFERING: "-ringing",
    CALL_STATES.RINGING: "-ringing", CALL_STATES.CONNECTED: "-connected", CALL_STATES.HOLDING: "-held",
    CALL_STATES.HELD: "-held", CALL_STATES.DISCONNECTED: "-ended",
}
_STYLED = frozenset(_STATE_CLASS.values()) | {"-muted", "-recording", "-selected"}  # the classes a card sets


def meter(level: float | None) -> str:
    """A level in dBFS as a bar: -60 dBFS and below is empty, 0 dBFS full."""
    if level is None:
        return "no meter"
    filled = max(0, min(_METER_CELLS, round((level + 60.0) / 60.0 * _METER_CELLS)))
    return "▮" * filled + "▯" * (_METER_CELLS - filled) + f" {level:.0f}dB"


class CallCard(Static):
    """One call: direction, who, state (symbol + words + the seed's name), duration, hold, media, digits, reason."""

    call: reactive[CallView | None] = reactive(None)
    now: reactive[float] = reactive(0.0)
    level: reactive[float | None] = reactive(None)
    selected: reactive[bool] = reactive(False)
    recall: reactive[float] = reactive(0.0)  # seconds on hold before the card reminds the operator
    silent: reactive[float] = reactive(0.0)  # seconds without audio although it should arrive

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown_time: tuple | None = None
        self._lines = KeptLines()

    def render_lines(self, crop: Region) -> list[Strip]:
        return self._lines.get(self, crop, super().render_lines)

    def _set_dirty(self, *regions: Region) -> None:  # Textual's one way to mark a widget for repaint (kept_lines.py)
        self._lines.drop()
        super()._set_dirty(*regions)

    def show_time(self, now: float) -> None:
        """The clock moved: repaint only if what the card shows of it changes (whole seconds, the recall)."""
        if self._time_key(now) != self._shown_time:
            self.now = now

    def _time_key(self, now: float) -> tuple | None:
        call = self.call
        if call is None or call.ended:
            return None
        held = call.on_hold_for(now)
        recall = held is not None and self.recall > 0 and held >= self.recall and call.state is CALL_STATES.HELD
        return (int(call.duration(now)), None if held is None else int(held), recall)

    def render(self) -> Text:
        call = self.call
        self._shown_time = self._time_key(self.now)
        if call is None:
            return Text("")
        symbol, words = CALL_WORDS[call.state]
        text = Text()
        if call.hold is HoldSide.BOTH:
            symbol, words = "‖", "Held by both ends"
        if call.lost_contact:
            symbol, words = "⚠", LOST_CONTACT.capitalize()
        elif call.ended and call.parked_on:
            symbol, words = PARKED_MARK, f"Parked on {call.parked_on}"
        elif call.conference and not call.ended:  # the caller hears the conference, whatever this leg's hold
            symbol, words = CONFERENCE_MARK, "In conference"
        text.append(f"{symbol} {words}", style="bold")
        text.append(f" ({call.state})")
        if call.pending is not None and not call.ended:
            text.append(f" {REQUEST_WORDS[call.pending]}", style="italic")
        text.append("\n")
        text.append(call.remote_number or "unknown number", style="bold")
        if call.remote_name:
            text.append(f"  {call.remote_name}")
        text.append("\n")
        if (handed := origin_words(call)) and not call.ended:
            text.append(f"{handed}\n", style="bold")
        held = call.on_hold_for(self.now)
        text.append(f"◷ {format_duration(call.duration(self.now))}" + (" when lost   " if call.lost_contact else "   "))
        if held is None:
            text.append(f"{HOLD_WORDS[call.hold]}\n")
        else:
            text.append(f"{HOLD_WORDS[call.hold]} {format_duration(held)}\n")
        recall = held is not None and self.recall > 0 and held >= self.recall and call.state is CALL_STATES.HELD \
            and not call.conference  # a member is not waiting: it talks in the conference
        if not call.audio:
            audio = "off"
        elif call.state is CALL_STATES.HELD:
            audio = "paused (held)"  # a held call carries no media: no stale level
        elif call.ended:
            audio = "ended"
        else:
            audio = meter(self.level)
        if self.silent >= NO_AUDIO_AFTER and not call.ended and call.state is not CALL_STATES.HELD:
            text.append(f"⚠ no audio for {self.silent:.0f} s", style="bold reverse")
            text.append(f" · video {'on' if call.video else 'off'}\n")
        else:
            text.append(f"audio {audio} · video {'on' if call.video else 'off'}\n")
        if call.digits_sent or call.digits_received:
            text.append(f"DTMF sent {call.digits_sent or '—'} · recv {call.digits_received or '—'}\n")
        if call.lost_contact:
            text.append("⚠ no contact with the switch: times stopped at the loss", style="bold reverse")
        elif call.ringing_in and call.recall_from:
            text.append(f"↩ recall from {call.recall_from} · a answers", style="bold reverse")  # fits 80 columns
        elif call.ringing_in:
            text.append("♪ RINGING: a answer · x decline", style="bold reverse")
        elif call.ended and call.parked_on:
            text.append(f"{PARKED_MARK} parked on {call.parked_on} · g picks up", style="bold")
        elif call.ended:
            if call.transferred:
                text.append(transferred_words(call), style="bold")
            else:
                text.append(f"✕ {reason_words(call.reason, call.end_cause)}", style="bold")
        elif call.transfer_pending:
            text.append("⇄ transfer in progress…", style="italic")
        elif call.consult:
            text.append(CONSULT_WORDS.get(call.consult, ""), style="bold")
        elif call.conference:
            parties = call.conference_parties  # everyone on the bridge, the operator included
            text.append(f"{CONFERENCE_MARK} {parties} parties in conference (you+{max(0, parties - 1)})", style="bold")
        elif recall:
            text.append(f"⚠ held over {format_duration(self.recall)}: u retrieves", style="bold reverse")
        elif call.restored:
            text.append("↺ restored after restart", style="italic")
        return text

    def show(self, call: CallView, selected: bool) -> None:
        """The card's call and whether it is selected, together: one restyle and one repaint for both
        (the answer of a ringing call changes both on two cards; each restyle runs the stylesheet)."""
        if call is self.call and selected == self.selected:
            return
        self.set_reactive(CallCard.call, call)
        self.set_reactive(CallCard.selected, selected)
        self._style()
        self.refresh()

    def _style(self) -> None:
        """The classes, title and subtitle for the card's call and selection (one restyle, none if unchanged)."""
        call = self.call
        wanted = {"-selected"} if self.selected else set()
        if call is not None:
            wanted.add(_STATE_CLASS[call.state])
            if call.muted and not call.ended:
                wanted.add("-muted")
            if call.recording and not call.ended:
                wanted.add("-recording")
        shown = self.classes & _STYLED
        if shown != wanted:  # each add_class / remove_class that updates is a restyle
            self.remove_class(*(shown - wanted), update=not wanted - shown)
            self.add_class(*(wanted - shown))
        if call is not None:
            symbol, word = DIRECTION_WORDS[call.direction]
            marks = "" if call.ended else feature_marks(call)
            self.border_title = f"{call.slot} {symbol} {word}" + (f" {marks}" if marks else "")
        self.border_subtitle = "▶ selected" if self.selected else ""


class CallDeck(Container):
    """The cards, in slot order. Recomposes when slots come or go; otherwise only sets attributes. The calls
    and the selection come together, through :meth:`show` (a card takes both in one restyle).

    Its attributes are ``var``: the deck paints nothing of its own, and a ``reactive`` would repaint the
    whole deck (every card) whenever one changed; the cards it hands them to repaint themselves.
    """

    calls: var[tuple[CallView, ...]] = var(tuple)
    focused: var[int | None] = var(None)
    now: var[float] = var(0.0)
    levels: var[dict[int, float | None]] = var(dict, always_update=True)
    silences: var[dict[int, float]] = var(dict, always_update=True)
    hint: var[str] = var("No calls. Press d to dial.")
    recall: var[float] = var(0.0)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._rebuilding = asyncio.Lock()

    def compose(self) -> ComposeResult:
        if not self.calls:
            yield Static(self.hint, id="deck-empty")
        for call in self.calls:
            yield CallCard(id=f"slot-{call.slot}", classes="card")

    def show(self, calls: tuple[CallView, ...], focused: int | None) -> None:
        """The calls and the selection together: a card whose call and selection both change (an answer
        moves the selection to the call it answers) is handed both at once and restyles once."""
        old_calls, old_focused = self.calls, self.focused
        self.set_reactive(CallDeck.calls, calls)
        self.set_reactive(CallDeck.focused, focused)
        slots: set[int | None] = {old_focused, focused} if focused != old_focused else set()
        if [c.slot for c in old_calls] != [c.slot for c in calls] or not self.is_mounted:
            self.call_after_refresh(self._rebuild)
        else:
            before = {c.slot: c for c in old_calls}
            slots |= {c.slot for c in calls if before.get(c.slot) is not c}
        if slots:
            self._push(slots)

    async def _rebuild(self) -> None:
        """Mount the cards of new slots and remove those of gone ones; the other cards stay as they are.

        (Recomposing would replace every card: with 32 calls, each caller who rings in or hangs up
        would cost 32 new widgets, their styles and a redraw of the whole deck.)
        """
        async with self._rebuilding:
            wanted = [call.slot for call in self.calls]
            cards = {int(card.id.removeprefix("slot-")): card for card in self.query_children(CallCard) if card.id}
            gone = [card for slot, card in cards.items() if slot not in wanted]
            empty = list(self.query_children("#deck-empty"))
            if gone or (wanted and empty):
                await self.remove_children([*gone, *(empty if wanted else [])])
            if not wanted and not empty:
                await self.mount(Static(self.hint, id="deck-empty"))
            for index, slot in enumerate(wanted):
                if slot in cards:
                    continue
                after = [s for s in wanted[index + 1:] if s in cards]
                card = CallCard(id=f"slot-{slot}", classes="card")
                await self.mount(card, before=cards[after[0]] if after else None)
                cards[slot] = card
            # the new cards, and the kept ones whose call changed while the slots were changing
            self._push({call.slot for call in self.calls if call.slot in cards and cards[call.slot].call is not call})

    def watch_now(self) -> None:
        for card in self._cards():
            card.show_time(self.now)  # repaints only cards whose shown time changes

    def watch_levels(self) -> None:
        for card in self._cards():
            if card.id:
                card.level = self.levels.get(int(card.id.removeprefix("slot-")))

    def watch_recall(self) -> None:
        self._push()

    def watch_silences(self) -> None:
        for card in self._cards():
            if card.id:  # whole seconds: a card repaints only when the number it shows changes
                card.silent = float(int(self.silences.get(int(card.id.removeprefix("slot-")), 0.0)))

    def watch_hint(self, hint: str) -> None:
        for empty in self.query("#deck-empty").results(Static):
            empty.update(hint)

    def _cards(self) -> list[CallCard]:
        """The cards (the deck's own children: cheaper than a DOM query on every state)."""
        return [child for child in self.children if isinstance(child, CallCard)]

    def _push(self, slots: set[int | None] | None = None) -> None:
        """Hand the cards of ``slots`` (all if None) their call, selection, time, recall and level."""
        calls = {c.slot: c for c in self.calls}
        for card in self._cards():
            slot = int(card.id.removeprefix("slot-")) if card.id else 0
            if slots is not None and slot not in slots:
                continue
            call = calls.get(slot)
            if call is None:
                continue
            if slot == self.focused and not card.selected:
                card.scroll_visible(animate=False)  # a selected card past the screen's edge comes into view
            card.show(call, slot == self.focused)
            card.now = self.now
            card.recall = self.recall
            card.level = self.levels.get(slot)
            card.silent = float(int(self.silences.get(slot, 0.0)))
