"""The call records: every call that ends here (and every caller refused for want of a slot or turned away
by DND or forwarding) becomes one line of calls.jsonl (:mod:`console.persist.records`), beside the history.

The record is built from the card as it ended (:func:`call_record`): the card's
monotonic times become wall-clock times through its ``started_wall``, so the
start, answer and end of one call are consistent with each other and with the
history's start and talk time. A recall (a transfer nobody took, a park that waited too long) has a card that
begins when its caller first rang in (the switch's ``waiting_since``, :func:`console.store.calls.call_added`),
so its record's start and wait are the caller's whole wait, not the time since the recall rang here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from console.core.enums import Direction
from console.core.errors import ConsoleError

from ..state import TURNED_AWAY_CAUSES, AppState, CallKind, CallView, EndCause, HistoryItem
from ..stats import TodaysFigures

if TYPE_CHECKING:
    from console.persist import CallRecord, CallRecords, Outcome

    from ..store import Store


def outcome_of(view: CallView) -> Outcome:
    """How the call ended, in a report's words."""
    from console.persist import Outcome

    cause = view.end_cause
    if view.transferred or cause is EndCause.TRANSFERRED:
        return Outcome.TRANSFERRED
    if view.parked_on or cause is EndCause.PARKED:
        return Outcome.PARKED
    if cause in TURNED_AWAY_CAUSES:
        return Outcome.TURNED_AWAY
    if view.kind is CallKind.DECLINED:
        return Outcome.DECLINED
    if view.connected_at is not None:
        return Outcome.ANSWERED
    if view.direction is Direction.OUT:
        return Outcome.UNANSWERED
    if cause is EndCause.ANSWERED_ELSEWHERE:
        return Outcome.ANSWERED_ELSEWHERE
    return Outcome.ABANDONED if view.kind is CallKind.ABANDONED else Outcome.MISSED


def call_record(view: CallView, local_number: str, recording: str = "") -> CallRecord:
    """The record of the ended card ``view``; ``recording``: the file it was recorded to, if the card no
    longer says (the recording stops as the call ends)."""
    from console.persist import CallRecord

    def wall(moment: float) -> float:
        return round(view.started_wall + (moment - view.created_at), 3)

    ended = view.ended_at if view.ended_at is not None else view.created_at
    answered = view.connected_at
    waited_until = answered if answered is not None else ended
    talk = round(max(0.0, ended - answered), 1) if answered is not None else 0.0  # the history's duration
    return CallRecord(
        call=view.key, call_id=view.call_id or "", direction=str(view.direction),
        local_number=view.local_number or local_number, remote_number=view.remote_number,
        remote_name=view.remote_name, start=round(view.started_wall, 3),
        answer=wall(answered) if answered is not None else None, end=wall(ended),
        wait=round(max(0.0, waited_until - view.created_at), 1), talk=talk, outcome=outcome_of(view),
        reason=str(view.reason or ""), cause=str(view.end_cause or ""), transfer_to=view.transferred_to,
        park_orbit=view.parked_on, recording=view.recording or recording,
        queue=view.origin.queue if view.origin is not None else "",
        recall="park" if view.recall_from else "transfer" if view.origin is not None and view.origin.recall else "")


def unrung_record(item: HistoryItem, local_number: str, reason: str) -> CallRecord:
    """The record of a caller who never rang here: refused for want of a slot, or turned away."""
    from console.persist import CallRecord, Outcome

    turned = item.cause in TURNED_AWAY_CAUSES
    return CallRecord(call="", call_id="", direction="in", local_number=local_number, remote_number=item.number,
                      remote_name=item.name, start=round(item.started_wall, 3), answer=None,
                      end=round(item.started_wall, 3), wait=0.0, talk=0.0,
                      outcome=Outcome.TURNED_AWAY if turned else Outcome.MISSED, reason=reason,
                      cause=str(item.cause or ""), transfer_to=item.to)


class RecordKeeper:
    """Appends each call's record once, when its card first shows it ended; ``report`` gets a line when
    the file cannot be written. ``written`` counts the records written (a wallboard redraws on a change);
    ``today`` is today's figures, told of each record as it is written (the file is read once)."""

    def __init__(self, records: CallRecords, report: Callable[[str], None]) -> None:
        self.records = records
        self.today = TodaysFigures(records)
        self._report = report
        self._recorded: set[str] = set()
        self._recordings: dict[str, str] = {}  # live call -> the file it was last recorded to
        self._refused = 0
        self._turned_away = 0
        self.written = 0

    def __call__(self, state: AppState) -> None:
        present = set()
        number = state.login.number
        for call in state.calls:
            present.add(call.key)
            if call.recording:
                self._recordings[call.key] = call.recording
            if call.ended and call.key not in self._recorded:
                self._recorded.add(call.key)
                self._append(call_record(call, number, self._recordings.pop(call.key, "")))
        self._recorded &= present
        self._recordings = {k: v for k, v in self._recordings.items() if k in present}
        if state.refused > self._refused:  # the reducer put the refused callers first in the history pane
            refused = [item for item in state.history if item.cause is EndCause.NO_FREE_SLOT]  # newest first
            for item in reversed(refused[:state.refused - self._refused]):
                self._append(unrung_record(item, number, "BUSY"))
        self._refused = state.refused
        if state.turned_away > self._turned_away:
            away = [item for item in state.history if item.cause in TURNED_AWAY_CAUSES]  # newest first
            for item in reversed(away[:state.turned_away - self._turned_away]):
                self._append(unrung_record(item, number, ""))
        self._turned_away = state.turned_away

    def _append(self, record: CallRecord) -> None:
        try:
            self.records.append(record)
        except ConsoleError as exc:  # PersistenceError: the file could not be written
            self._report(f"could not save the call record: {exc}")
            return
        self.written += 1
        self.today.add(record)


def todays_figures(keeper: RecordKeeper | None, records: CallRecords) -> TodaysFigures:
    """Today's figures from ``records``' file: ``keeper``'s tally when it writes that file (read once, told of
    each record it writes); else a tally that reads the file each time (nobody would tell it of a new record)."""
    if keeper is not None and keeper.records.path == records.path:
        return keeper.today
    return TodaysFigures(records, fed=False)
