"""The pure reducer: feed events, assert the state. No client, no loop, no clock."""

from __future__ import annotations

from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction
from console.store import AppState, Health, HoldSide, reduce
from console.store import events as ev
from console.store.state import MAX_LOG_LINES, MAX_SLOTS


def fold(*events, state: AppState | None = None) -> AppState:
    state = state or AppState()
    for event in events:
        state = reduce(state, event)
    return state


def added(key: str, direction=Direction.IN, state=CALL_STATES.OFFERING, at=0.0, **kw) -> ev.CallAdded:
    return ev.CallAdded(key=key, direction=direction, state=state, at=at, wall=1000.0 + at, **kw)


def test_login_success_sets_number_name_and_health():
    s = fold(ev.LoginStarted("ws://h:1", "operator"), ev.LoginChanged(LOGIN_STATES.CONNECTING, 1.0))
    assert s.login.health is Health.CONNECTING and s.login.server == "ws://h:1"
    s = reduce(s, ev.LoginChanged(LOGIN_STATES.SUCCESS, 2.0, number="200", display_name="Operator"))
    assert s.login.logged_in and s.login.number == "200" and s.login.display_name == "Operator"
    assert s.login.health is Health.ONLINE
    assert reduce(s, ev.LoginChanged(LOGIN_STATES.CONNECTION_LOST, 3.0)).login.health is Health.LOST


def test_failed_login_keeps_state_name_and_logs_it():
    s = fold(ev.LoginStarted("ws://h:1", "x"), ev.LoginChanged(LOGIN_STATES.SERVER_ACCESS, 1.0))
    assert s.login.state is LOGIN_STATES.SERVER_ACCESS and not s.login.logged_in
    assert "SERVER_ACCESS" in s.log[-1].text


def test_calls_take_the_lowest_free_slot_and_slots_are_reused():
    s = fold(added("a"), added("b"), added("c"))
    assert [c.slot for c in s.calls] == [1, 2, 3]
    s = fold(ev.CallChanged("b", CALL_STATES.DISCONNECTED, 5.0, reason=DISC_REASON.REJECTED), ev.CallFreed("b"), state=s)
    assert [c.slot for c in s.calls] == [1, 3]
    s = reduce(s, added("d"))
    assert s.call_by_key("d").slot == 2


def test_no_slot_beyond_the_last():
    s = fold(*(added(f"k{i}") for i in range(MAX_SLOTS + 1)))
    assert len(s.calls) == MAX_SLOTS
    assert "no free slot" in s.log[-1].text


def test_focus_new_outgoing_call_but_incoming_does_not_steal_focus():
    s = fold(added("a", Direction.OUT, CALL_STATES.IDLE))
    assert s.focused == 1
    s = fold(ev.CallChanged("a", CALL_STATES.CONNECTED, 1.0), added("b"), state=s)
    assert s.focused == 1
    s = reduce(s, added("c", Direction.OUT, CALL_STATES.IDLE))
    assert s.focused == 3
    assert reduce(s, ev.FocusSlot(2)).focused == 2
    assert reduce(s, ev.FocusSlot(7)).focused == 3  # empty slot: unchanged


def test_durations_run_from_connect_and_stop_at_the_end():
    s = fold(added("a", at=10.0), ev.CallChanged("a", CALL_STATES.RINGING, 11.0))
    call = s.calls[0]
    assert call.duration(now=15.0) == 5.0  # ring time until connected
    s = fold(ev.CallChanged("a", CALL_STATES.CONNECTED, 20.0), state=s)
    assert s.calls[0].duration(now=50.0) == 30.0
    s = fold(ev.CallChanged("a", CALL_STATES.DISCONNECTED, 60.0, reason=DISC_REASON.SUCCESS), state=s)
    assert s.calls[0].duration(now=999.0) == 40.0


def test_hold_ours_and_theirs():
    s = fold(added("a"), ev.CallChanged("a", CALL_STATES.HELD, 1.0))
    assert s.calls[0].hold is HoldSide.OURS
    s = reduce(s, ev.CallChanged("a", CALL_STATES.HOLDING, 2.0))
    assert s.calls[0].hold is HoldSide.THEIRS
    s = reduce(s, ev.CallChanged("a", CALL_STATES.CONNECTED, 3.0))
    assert s.calls[0].hold is HoldSide.NONE
    assert s.calls[0].connected_at == 1.0  # talk time starts at the first connected-like state


def test_first_disconnect_wins_and_reason_defaults_to_error():
    s = fold(added("a"), ev.CallChanged("a", CALL_STATES.DISCONNECTED, 1.0))
    assert s.calls[0].reason is DISC_REASON.ERROR
    s = reduce(s, ev.CallChanged("a", CALL_STATES.DISCONNECTED, 9.0, reason=DISC_REASON.BUSY))
    assert s.calls[0].reason is DISC_REASON.ERROR and s.calls[0].ended_at == 1.0


def test_transfer_marks_both_calls_and_success_reads_as_transferred():
    s = fold(added("a"), added("b"), ev.CallChanged("a", CALL_STATES.CONNECTED, 1.0),
             ev.CallChanged("b", CALL_STATES.HELD, 1.0), ev.TransferRequested("a", "b"))
    assert all(c.transfer_pending for c in s.calls)
    s = fold(ev.CallChanged("a", CALL_STATES.DISCONNECTED, 2.0, reason=DISC_REASON.SUCCESS),
             ev.CallChanged("b", CALL_STATES.DISCONNECTED, 2.0, reason=DISC_REASON.SUCCESS), state=s)
    assert all(c.transferred and not c.transfer_pending for c in s.calls)


def test_transfer_failed_clears_the_mark():
    s = fold(added("a"), added("b"), ev.TransferRequested("a", "b"), ev.TransferFailed("a", "b"))
    assert not any(c.transfer_pending for c in s.calls)


def test_digits_accumulate_bounded():
    s = fold(added("a"), ev.DigitsSent("a", "1"), ev.DigitsSent("a", "2"), ev.DigitsReceived("a", "12"))
    assert s.calls[0].digits_sent == "12" and s.calls[0].digits_received == "12"
    s = fold(*(ev.DigitsSent("a", "9") for _ in range(100)), state=s)
    assert len(s.calls[0].digits_sent) == 32


def test_restored_call_takes_the_card_of_the_same_switch_call():
    s = fold(added("a", call_id="c7", remote_number="202"), ev.CallChanged("a", CALL_STATES.CONNECTED, 3.0, call_id="c7"),
             added("x", call_id="c9"))
    s = reduce(s, added("b", state=CALL_STATES.HELD, at=8.0, call_id="c7", restored=True))
    call = s.call_by_key("b")
    assert call.slot == 1 and call.restored and call.connected_at == 3.0
    assert s.call_by_key("a") is None and len(s.calls) == 2


def test_restored_call_on_a_fresh_console_counts_from_the_restore():
    s = reduce(AppState(), added("b", state=CALL_STATES.CONNECTED, at=8.0, call_id="c7", restored=True))
    assert s.calls[0].connected_at == 8.0 and "restored" in s.log[-1].text


def test_logout_ends_live_calls():
    s = fold(added("a"), ev.LoginChanged(LOGIN_STATES.LOGGED_OUT_EXPLICIT, 4.0))
    assert s.calls[0].ended and s.calls[0].ended_at == 4.0


def test_freeing_the_focused_slot_selects_nothing_never_another_call():
    """Issue 19: "When the selected call ends, the selection stays on it (ended) or on nothing [...] It never
    lands on another live call by itself." (This test said the opposite before issue 19.)"""
    s = fold(added("a", Direction.OUT), added("b", Direction.OUT), ev.FocusSlot(1),
             ev.CallChanged("a", CALL_STATES.DISCONNECTED, 1.0))
    assert s.focused == 1  # the ended call stays selected while its card lingers
    s = reduce(s, ev.CallFreed("a"))
    assert s.focused is None
    s = fold(ev.FocusSlot(2), ev.CallFreed("b"), state=s)
    assert s.focused is None


def test_a_caller_ringing_in_or_a_restored_call_never_takes_the_selection():
    s = fold(added("a"))
    assert s.focused is None
    s = fold(added("b", Direction.OUT), state=s)
    assert s.focused == 2
    s = fold(ev.CallChanged("b", CALL_STATES.DISCONNECTED, 1.0), added("c"), state=s)
    assert s.focused == 2


def test_dial_history_newest_first_without_duplicates():
    s = fold(ev.HistoryLoaded(("9000", "201")), ev.Dialed("9001"), ev.Dialed("201"), ev.Dialed("  "))
    assert s.dial_history == ("201", "9001", "9000")


def test_errors_become_log_lines_and_the_log_is_bounded():
    s = fold(ev.ErrorRaised(1.0, "hold [1]: hold is not possible in state RINGING"))
    assert s.last_error.startswith("hold") and s.log[-1].level == "error"
    s = fold(*(ev.LogAppended(float(i), "info", "t", str(i)) for i in range(MAX_LOG_LINES + 20)), state=s)
    assert len(s.log) == MAX_LOG_LINES and s.log[-1].seq == s.log_seq


def test_unknown_keys_change_nothing():
    s = AppState()
    for event in (ev.CallChanged("zz", CALL_STATES.CONNECTED, 1.0), ev.CallFreed("zz"), ev.DigitsSent("zz", "1")):
        assert reduce(s, event) is s
