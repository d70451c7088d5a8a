"""The call history: every call that ends (and every call refused for want of a slot) is appended to
history.json, and the file is read back into the history pane at start."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from console.core.enums import DISC_REASON
from console.core.errors import ConsoleError

from .. import events as ev
from ..state import TURNED_AWAY_CAUSES, AppState, CallKind, CallView, EndCause, HistoryItem

if TYPE_CHECKING:
    from console.persist import CallHistory


def history_items(history: CallHistory) -> tuple[HistoryItem, ...]:
    """history.json as the history pane shows it: newest first by start time (the file is in end order)."""
    items = []
    for entry in reversed(history.load()):
        try:
            reason = DISC_REASON(entry.reason) if entry.reason else None
        except ValueError:
            reason = None
        try:
            cause = EndCause(entry.cause) if entry.cause else None
        except ValueError:
            cause = None
        try:
            kind = CallKind(entry.kind)
        except ValueError:
            kind = CallKind.OUTGOING if entry.direction == "out" else (
                CallKind.INCOMING if entry.answered else CallKind.MISSED)
        items.append(HistoryItem(kind=kind, number=entry.number, name=entry.name, started_wall=entry.started,
                                 duration=entry.duration, reason=reason, cause=cause, to=entry.to))
    return tuple(sorted(items, key=lambda item: item.started_wall, reverse=True))


class HistoryRecorder:
    """Appends each call to ``history`` once, when its card first shows it ended; ``report`` gets a
    line when the file cannot be written."""

    def __init__(self, history: CallHistory, clock: Callable[[], float], report: Callable[[str], None]) -> None:
        self.history = history
        self._clock = clock
        self._report = report
        self._recorded: set[str] = set()
        self._refused = 0
        self._turned_away = 0

    def loaded(self) -> tuple[ev.Event, ...]:
        """The events that put the file into the state: the dialler's recent numbers, the history pane."""
        return ev.HistoryLoaded(self.history.recent_numbers()), ev.HistoryItemsLoaded(history_items(self.history))

    def __call__(self, state: AppState) -> None:
        present = set()
        for call in state.calls:
            present.add(call.key)
            if call.ended and call.key not in self._recorded:
                self._recorded.add(call.key)
                self._record(call)
        self._recorded &= present
        if state.refused > self._refused:  # the reducer put the refused call first in the history pane
            refused = [item for item in state.history if item.cause is EndCause.NO_FREE_SLOT]  # newest first
            for item in refused[:state.refused - self._refused]:
                self._append(item.number, item.name, "in", item.started_wall, 0.0, "BUSY", False,
                             CallKind.MISSED, EndCause.NO_FREE_SLOT)
        self._refused = state.refused
        if state.turned_away > self._turned_away:  # DND or forwarding sent them elsewhere: missed here
            away = [item for item in state.history if item.cause in TURNED_AWAY_CAUSES]  # newest first
            for item in away[:state.turned_away - self._turned_away]:
                self._append(item.number, item.name, "in", item.started_wall, 0.0, "", False, CallKind.MISSED,
                             item.cause, item.to)
        self._turned_away = state.turned_away

    def _record(self, view: CallView) -> None:
        talk = (view.ended_at or self._clock()) - view.connected_at if view.connected_at is not None else 0.0
        self._append(view.remote_number, view.remote_name, str(view.direction), view.started_wall,
                     round(max(0.0, talk), 1), str(view.reason or ""), view.connected_at is not None, view.kind,
                     view.end_cause)

    def _append(self, number: str, name: str, direction: str, started: float, duration: float, reason: str,
                answered: bool, kind: CallKind, cause: EndCause | None, to: str = "") -> None:
        from console.persist import HistoryEntry

        entry = HistoryEntry(number=number, name=name, direction=direction, started=started, duration=duration,
                             reason=reason, answered=answered, kind=str(kind), cause=str(cause or ""), to=to)
        try:
            self.history.append(entry)
        except ConsoleError as exc:  # PersistenceError: the file could not be written
            self._report(f"could not save: {exc}")
