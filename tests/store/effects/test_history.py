"""The history effect: each call that ends goes into history.json once; the file comes back at start."""

from __future__ import annotations

from console.core.enums import CALL_STATES, DISC_REASON, Direction
from console.core.errors import PersistenceError
from console.persist import AppDirs, CallHistory
from console.store import Store
from console.store import events as ev
from console.store.effects import HistoryRecorder
from console.store.state import CallKind, EndCause


def recorder(tmp_path, reports: list[str]) -> tuple[Store, CallHistory]:
    history = CallHistory(AppDirs(config_dir=tmp_path / "c", data_dir=tmp_path / "d"))
    store = Store()
    store.subscribe(HistoryRecorder(history, lambda: 99.0, reports.append))
    return store, history


def test_an_ended_call_is_recorded_once_with_its_talk_time_and_kind(tmp_path):
    reports: list[str] = []
    store, history = recorder(tmp_path, reports)
    store.dispatch(ev.CallAdded("k1", Direction.IN, CALL_STATES.OFFERING, 1.0, 1000.0, remote_number="201",
                                remote_name="Alice"))
    store.dispatch(ev.CallChanged("k1", CALL_STATES.CONNECTED, 3.0))
    assert history.load() == []
    store.dispatch(ev.CallChanged("k1", CALL_STATES.DISCONNECTED, 15.5, reason=DISC_REASON.SUCCESS))
    store.dispatch(ev.Dialed("9000"))  # the card lingers through more states: not recorded again
    [entry] = history.load()
    assert (entry.number, entry.name, entry.direction, entry.started) == ("201", "Alice", "in", 1000.0)
    assert entry.duration == 12.5 and entry.answered and entry.kind == str(CallKind.INCOMING)
    assert reports == []


def test_a_caller_refused_for_want_of_a_slot_is_a_missed_call(tmp_path):
    store, history = recorder(tmp_path, [])
    store.dispatch(ev.CallRefused(1.0, 2000.0, "5550199", "Busy Caller"))
    [entry] = history.load()
    assert (entry.number, entry.direction, entry.reason, entry.answered) == ("5550199", "in", "BUSY", False)
    assert entry.kind == str(CallKind.MISSED) and entry.cause == str(EndCause.NO_FREE_SLOT)


def test_the_file_comes_back_into_the_state_at_start(tmp_path):
    store, history = recorder(tmp_path, [])
    store.dispatch(ev.CallAdded("k1", Direction.OUT, CALL_STATES.DIALING, 1.0, 1000.0, remote_number="9000"))
    store.dispatch(ev.CallChanged("k1", CALL_STATES.DISCONNECTED, 2.0, reason=DISC_REASON.BUSY))
    fresh = Store()
    for event in HistoryRecorder(history, lambda: 0.0, print).loaded():
        fresh.dispatch(event)
    assert fresh.state.dial_history == ("9000",) and fresh.state.history[0].number == "9000"


def test_a_file_that_cannot_be_written_is_a_line_for_the_operator(tmp_path):
    class Broken:
        def append(self, entry):
            raise PersistenceError("history.json: disk full")

    reports: list[str] = []
    store = Store()
    store.subscribe(HistoryRecorder(Broken(), lambda: 0.0, reports.append))  # type: ignore[arg-type]
    store.dispatch(ev.CallRefused(1.0, 2000.0, "5550199", ""))
    assert reports == ["could not save: history.json: disk full"]
