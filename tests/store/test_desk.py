"""The attendant desk's pure parts: the reducer of directory/presence/orbits/consult, and the fuzzy search."""

from __future__ import annotations

from console.core.directory import DirectoryEntry, EntryKind, Orbit, PresenceState
from console.core.enums import CALL_STATES, Direction
from console.store import events as ev
from console.store.desk_state import (
    Consult, ConsultEnded, ConsultStarted, DirectoryLoaded, OrbitsUpdated, PresenceUpdated, reduce_desk, DeskState,
)
from console.store.reducer import reduce
from console.store.search import HitKind, fuzzy_score, search
from console.store.state import AppState, CallKind, HistoryItem

P = PresenceState


def desk_state() -> AppState:
    state = AppState()
    for event in (
        DirectoryLoaded((DirectoryEntry("201", "Alice Adams", EntryKind.USER, "Sales"),
                         DirectoryEntry("202", "Bob Brown", EntryKind.USER, "Support", "speaks French"),
                         DirectoryEntry("9000", "Echo test", EntryKind.SERVICE),
                         DirectoryEntry("701", "Park 701", EntryKind.ORBIT))),
        PresenceUpdated((("201", P.BUSY), ("202", P.AVAILABLE), ("299", P.AVAILABLE))),
        OrbitsUpdated((Orbit("701", "5550100", "Mr Smith", "200"), Orbit("702"))),
        ev.CallAdded("k1", Direction.IN, CALL_STATES.OFFERING, 1.0, 0.0, call_id="c1", remote_number="5550199",
                     remote_name="Ringing Caller"),
        ev.HistoryItemsLoaded((HistoryItem(CallKind.MISSED, "5550123", "Old Bobby", 0.0, 0.0),
                               HistoryItem(CallKind.INCOMING, "202", "Bob Brown", 0.0, 10.0))),
    ):
        state = reduce(state, event)
    return state


def test_presence_merges_and_the_lamps_list_users_and_unknown_numbers():
    desk = desk_state().desk
    assert desk.presence_of("201") is P.BUSY and desk.subscribed
    desk = reduce_desk(desk, PresenceUpdated((("201", P.AVAILABLE),)))
    assert desk.presence_of("201") is P.AVAILABLE and desk.presence_of("202") is P.AVAILABLE
    assert [e.number for e in desk.extensions()] == ["201", "202", "299"]  # services and orbits are not lamps


def test_orbits_update_one_at_a_time_in_order():
    desk = desk_state().desk
    desk = reduce_desk(desk, OrbitsUpdated((Orbit("701"),)))
    assert [o.orbit for o in desk.orbits] == ["701", "702"] and not desk.occupied_orbits()


def test_a_consultation_marks_both_cards_and_ends_cleanly():
    state = desk_state()
    state = reduce(state, ev.CallAdded("k2", Direction.OUT, CALL_STATES.DIALING, 2.0, 0.0, remote_number="202"))
    state = reduce(state, ConsultStarted(Consult("k1", "k2", "202")))
    assert [c.consult for c in state.calls] == ["waiting", "consulting"]
    state = reduce(state, ConsultEnded())
    assert [c.consult for c in state.calls] == ["", ""] and state.desk.consult is None
    assert reduce_desk(DeskState(), ConsultEnded()) == DeskState()


def test_fuzzy_search_over_directory_orbits_history_and_calls():
    state = desk_state()
    hits = search(state, "bob")
    assert [(h.kind, h.number) for h in hits][:2] == [(HitKind.DIRECTORY, "202"), (HitKind.HISTORY, "5550123")]
    assert all(h.number != "202" or h.kind is HitKind.DIRECTORY for h in hits)  # history does not repeat the directory
    assert search(state, "french")[0].number == "202"  # notes count too
    assert search(state, "smith")[0].kind is HitKind.ORBIT
    assert search(state, "ringing")[0].kind is HitKind.CALL and search(state, "ringing")[0].slot == 1
    assert search(state, "aad")[0].number == "201"  # letters in order: Alice ADams
    assert search(state, "zzz") == ()
    assert {h.kind for h in search(state, "")} == {HitKind.CALL, HitKind.ORBIT, HitKind.DIRECTORY, HitKind.HISTORY}
    assert fuzzy_score("ab", "Alice Brown") > fuzzy_score("ab", "xaxxxxb") > 0 == fuzzy_score("ba", "ab")
