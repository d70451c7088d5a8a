"""The call-record effect: one record per ended call in calls.jsonl, with the times, the wait, the talk time,
the outcome and what the operator did with it (issue 21, "Call records")."""

from __future__ import annotations

from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction
from console.core.errors import PersistenceError
from console.persist import AppDirs, CallHistory, CallRecords, Outcome
from console.store import Store
from console.store import events as ev
from console.store.effects import HistoryRecorder, RecordKeeper
from console.store.handover import TransferSent
from console.store.state import EndCause

S = CALL_STATES
WALL = 1_800_000_000.0  # the wall clock when the monotonic clock read 0


def keeper(tmp_path, reports: list[str] | None = None) -> tuple[Store, CallRecords, CallHistory]:
    dirs = AppDirs(config_dir=tmp_path / "c", data_dir=tmp_path / "d")
    records, history = CallRecords(dirs), CallHistory(dirs)
    store = Store()
    store.subscribe(HistoryRecorder(history, lambda: 99.0, print))
    store.subscribe(RecordKeeper(records, (reports if reports is not None else []).append))
    store.dispatch(ev.LoginChanged(LOGIN_STATES.SUCCESS, 0.0, number="200", display_name="Operator"))
    return store, records, history


def ring(store: Store, key: str, at: float, number: str = "201", name: str = "Alice",
         direction: Direction = Direction.IN) -> None:
    state = S.OFFERING if direction is Direction.IN else S.DIALING
    store.dispatch(ev.CallAdded(key, direction, state, at, WALL + at, call_id=f"sw-{key}", remote_number=number,
                                remote_name=name))


def test_an_answered_call_is_one_record_with_wall_clock_times_wait_talk_and_its_recording(tmp_path):
    store, records, _ = keeper(tmp_path)
    ring(store, "k1", 10.0)
    store.dispatch(ev.CallChanged("k1", S.CONNECTED, 14.5))
    store.dispatch(ev.CallFeatures("k1", recording="/rec/a.wav"))
    store.dispatch(ev.CallFeatures("k1", recording=""))  # the recording stops as the call ends
    assert records.load() == []
    store.dispatch(ev.CallChanged("k1", S.DISCONNECTED, 74.5, reason=DISC_REASON.SUCCESS))
    store.dispatch(ev.Dialed("9000"))  # the card lingers through more states: recorded once
    [record] = records.load()
    assert (record.call, record.call_id, record.direction, record.local_number) == ("k1", "sw-k1", "in", "200")
    assert (record.remote_number, record.remote_name) == ("201", "Alice")
    assert (record.start, record.answer, record.end) == (WALL + 10.0, WALL + 14.5, WALL + 74.5)
    assert (record.wait, record.talk, record.outcome) == (4.5, 60.0, Outcome.ANSWERED)
    assert (record.reason, record.cause, record.recording, record.queue) == ("SUCCESS", "far_end", "/rec/a.wav", "")


def test_each_way_a_call_ends_has_its_outcome(tmp_path):
    store, records, _ = keeper(tmp_path)
    ring(store, "gave-up", 1.0)
    store.dispatch(ev.CallChanged("gave-up", S.DISCONNECTED, 9.0, reason=DISC_REASON.USERTERMINATED))
    ring(store, "timed-out", 2.0)
    store.dispatch(ev.CallChanged("timed-out", S.DISCONNECTED, 32.0, reason=DISC_REASON.NOTRESPONDING))
    ring(store, "declined", 3.0)
    store.dispatch(ev.CallChanged("declined", S.DISCONNECTED, 4.0, reason=DISC_REASON.REJECTED,
                                  cause=EndCause.DECLINED_HERE))
    ring(store, "elsewhere", 5.0)
    store.dispatch(ev.CallChanged("elsewhere", S.DISCONNECTED, 6.0, reason=DISC_REASON.NOTSELECTED))
    ring(store, "handed-on", 10.0)
    store.dispatch(ev.CallChanged("handed-on", S.CONNECTED, 12.0))
    store.dispatch(TransferSent("handed-on", "202"))
    store.dispatch(ev.CallChanged("handed-on", S.DISCONNECTED, 20.0, reason=DISC_REASON.SUCCESS))
    ring(store, "parked", 11.0)
    store.dispatch(ev.CallChanged("parked", S.CONNECTED, 11.5))
    store.dispatch(ev.CallChanged("parked", S.DISCONNECTED, 15.0, reason=DISC_REASON.SUCCESS, parked_on="701"))
    ring(store, "busy-out", 30.0, "9004", "", Direction.OUT)
    store.dispatch(ev.CallChanged("busy-out", S.DISCONNECTED, 31.0, reason=DISC_REASON.BUSY))
    got = {r.call: r for r in records.load()}
    assert {k: (r.outcome, r.wait, r.talk, r.answer is not None) for k, r in got.items()} == {
        "gave-up": (Outcome.ABANDONED, 8.0, 0.0, False),
        "timed-out": (Outcome.MISSED, 30.0, 0.0, False),
        "declined": (Outcome.DECLINED, 1.0, 0.0, False),
        "elsewhere": (Outcome.ANSWERED_ELSEWHERE, 1.0, 0.0, False),
        "handed-on": (Outcome.TRANSFERRED, 2.0, 8.0, True),
        "parked": (Outcome.PARKED, 0.5, 3.5, True),
        "busy-out": (Outcome.UNANSWERED, 1.0, 0.0, False),
    }
    assert got["handed-on"].transfer_to == "202" and got["parked"].park_orbit == "701"
    assert got["busy-out"].direction == "out" and got["busy-out"].reason == "BUSY"


def test_callers_refused_or_turned_away_are_recorded_too(tmp_path):
    store, records, _ = keeper(tmp_path)
    store.dispatch(ev.CallRefused(1.0, WALL + 1.0, "5550199", "Busy Caller"))
    store.dispatch(ev.CallTurnedAway(2.0, WALL + 2.0, "203", "Carol", EndCause.FORWARDED, "202"))
    refused, away = records.load()
    assert (refused.remote_number, refused.outcome, refused.cause, refused.reason) == (
        "5550199", Outcome.MISSED, "no_free_slot", "BUSY")
    assert (away.remote_number, away.outcome, away.cause, away.transfer_to) == (
        "203", Outcome.TURNED_AWAY, "forwarded", "202")
    assert refused.local_number == away.local_number == "200" and refused.start == WALL + 1.0


def test_a_record_that_cannot_be_written_is_a_line_for_the_operator(tmp_path):
    class Broken:
        def append(self, record):
            raise PersistenceError("calls.jsonl: disk full")

    reports: list[str] = []
    store = Store()
    store.subscribe(RecordKeeper(Broken(), reports.append))  # type: ignore[arg-type]
    store.dispatch(ev.CallRefused(1.0, WALL, "5550199", ""))
    assert reports == ["could not save the call record: calls.jsonl: disk full"]
