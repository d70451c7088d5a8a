"""The board effect: the live calls' slots and start times are saved when they change, and read back."""

from __future__ import annotations

from console.core.enums import CALL_STATES, Direction
from console.core.errors import PersistenceError
from console.persist import AppDirs, BoardFile
from console.store import Store
from console.store import events as ev
from console.store.effects import BoardKeeper


class Spy:
    def __init__(self, saved: dict | None = None, fail: bool = False) -> None:
        self.saves: list[dict] = []
        self.saved = saved or {}
        self.fail = fail

    def save(self, calls, desk=None) -> None:
        if self.fail:
            raise PersistenceError("board.json: read-only")
        self.saves.append(dict(calls))
        self.desk = dict(desk or {})

    def load(self) -> dict:
        return self.saved

    def load_desk(self) -> dict:
        return {}


def test_slots_and_start_times_are_saved_when_they_change_and_only_then():
    spy, reports = Spy(), []
    store = Store()
    store.subscribe(BoardKeeper(spy, clock=lambda: 10.0, wall=lambda: 1000.0, report=reports.append))
    store.dispatch(ev.CallAdded("k1", Direction.IN, CALL_STATES.OFFERING, 4.0, 994.0, call_id="c1"))
    assert spy.saves == [{"c1": {"slot": 1, "started": 994.0, "connected": None}}]
    store.dispatch(ev.Dialed("9000"))
    store.dispatch(ev.CallChanged("k1", CALL_STATES.OFFERING, 5.0, call_id="c1"))  # no slot or answer change
    assert len(spy.saves) == 1
    store.dispatch(ev.CallChanged("k1", CALL_STATES.CONNECTED, 8.0, call_id="c1"))
    assert spy.saves[-1] == {"c1": {"slot": 1, "started": 994.0, "connected": 998.0}}
    store.dispatch(ev.CallChanged("k1", CALL_STATES.DISCONNECTED, 9.0, call_id="c1"))
    assert spy.saves[-1] == {} and reports == []  # an ended call is not restored


def test_the_hint_is_what_the_file_said_before_restored_calls_rewrote_it(tmp_path):
    board = BoardFile(AppDirs(config_dir=tmp_path / "c", data_dir=tmp_path / "d"))
    board.save({"c7": {"slot": 5, "started": 900.0, "connected": 950.0}})
    keeper = BoardKeeper(board, clock=lambda: 10.0, wall=lambda: 1000.0, report=print)
    keeper.reread()
    store = Store()
    store.subscribe(keeper)
    store.dispatch(ev.CallAdded("k1", Direction.IN, CALL_STATES.OFFERING, 10.0, 1000.0, call_id="c1"))
    assert "c7" not in board.load()  # rewritten with the calls of now
    assert keeper.hint("c7") == {"slot": 5, "started": 900.0, "connected": 950.0} and keeper.hint("c1") is None


def test_closed_it_saves_nothing_and_a_failed_write_is_a_line():
    spy, reports = Spy(fail=True), []
    keeper = BoardKeeper(spy, clock=lambda: 10.0, wall=lambda: 1000.0, report=reports.append)
    store = Store()
    store.subscribe(keeper)
    store.dispatch(ev.CallAdded("k1", Direction.IN, CALL_STATES.OFFERING, 4.0, 994.0, call_id="c1"))
    assert reports == ["could not save: board.json: read-only"]
    keeper.close()
    store.dispatch(ev.CallAdded("k2", Direction.IN, CALL_STATES.OFFERING, 4.0, 994.0, call_id="c2"))
    assert reports == ["could not save: board.json: read-only"] and keeper.hint("c1") is None


def test_what_the_operator_set_is_saved_selection_hold_mute_recording_and_consultation():
    """Issue 19: "A restart restores mute [...], hold times, the consultation link and the selection; a
    recording resumes": the board file is where a restarted console finds them."""
    from console.store.desk_state import Consult, ConsultStarted

    spy = Spy()
    store = Store()
    store.subscribe(BoardKeeper(spy, clock=lambda: 10.0, wall=lambda: 1000.0, report=lambda text: None))
    store.dispatch(ev.CallAdded("k1", Direction.IN, CALL_STATES.CONNECTED, 2.0, 992.0, call_id="c1"))
    store.dispatch(ev.CallAdded("k2", Direction.OUT, CALL_STATES.CONNECTED, 3.0, 993.0, call_id="c2"))
    assert spy.saves[-1]["c2"]["selected"] is True and "selected" not in spy.saves[-1]["c1"]
    store.dispatch(ev.CallChanged("k1", CALL_STATES.HELD, 6.0, call_id="c1"))
    assert spy.saves[-1]["c1"]["held"] == 996.0
    store.dispatch(ev.CallFeatures("k2", muted=True, recording="/r/a.wav"))
    assert spy.saves[-1]["c2"]["muted"] is True and spy.saves[-1]["c2"]["recording"] == "/r/a.wav"
    store.dispatch(ConsultStarted(Consult("k1", "k2", "202")))
    assert (spy.saves[-1]["c1"]["consult"], spy.saves[-1]["c2"]["consult"]) == ("waiting", "consulting")
    assert spy.saves[-1]["c2"]["consult_number"] == "202"
    store.dispatch(ev.FocusSlot(1))  # the selection alone changed: saved too
    assert spy.saves[-1]["c1"]["selected"] is True and "selected" not in spy.saves[-1]["c2"]


def test_the_desk_is_given_back_once_and_only_to_the_number_it_was_set_for(tmp_path):
    """board.json keeps DND, forwarding and the pause with the number they were set for: a console restarted
    as that number gets them back (once), another number logged in at the same console does not; a file
    whose forwarding is not three known numbers gives back only what it can trust."""
    board = BoardFile(AppDirs(config_dir=tmp_path / "c", data_dir=tmp_path / "d"))
    desk = {"dnd": True, "queue_paused": True, "number": "200",
            "forwarding": {"no_answer": "202", "always": "201", "sideways": "9", "busy": 7}}
    board.save({}, desk)
    keeper = BoardKeeper(board, clock=lambda: 10.0, wall=lambda: 1000.0, report=print)
    keeper.reread()
    assert keeper.take_desk("200") == (True, True, (("always", "201"), ("no_answer", "202")))
    assert keeper.take_desk("200") == (False, False, ())  # once
    keeper.reread()
    assert keeper.take_desk("201") == (False, False, ())
