"""history.json as the history pane shows it (newest first)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.core.enums import DISC_REASON

from .state import CallKind, EndCause, HistoryItem

if TYPE_CHECKING:
    from console.persist import CallHistory


def history_items(history: CallHistory) -> tuple[HistoryItem, ...]:
    """history.json as the history pane shows it, newest first."""
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
                                 duration=entry.duration, reason=reason, cause=cause))
    return tuple(items)
