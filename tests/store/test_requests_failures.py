"""The request queue, the login-failure classifier and the reducer's end causes, without a switch."""

from __future__ import annotations

from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction
from console.store import AppState, reduce
from console.store import events as ev
from console.store.login_failure import check_url, classify
from console.store.requests import Queued, RequestQueue
from console.store.state import CallKind, EndCause, HoldSide, LoginFailure, Request


def test_the_queue_sends_one_request_at_a_time_in_key_order():
    queue = RequestQueue()
    queue.add(Queued("a", Request.ANSWER, "[1]"))
    queue.add(Queued("b", Request.ANSWER, "[2]"))
    queue.add(Queued("a", Request.HOLD, "[1]"))
    assert queue.expected_state("a", CALL_STATES.OFFERING) is CALL_STATES.HELD
    assert queue.next_ready().key == "a"
    assert queue.next_ready() is None  # one in flight
    assert not queue.observe("a", CALL_STATES.OFFERING)
    assert queue.observe("a", CALL_STATES.CONNECTED)
    assert queue.next_ready().key == "b"
    assert queue.observe("b", CALL_STATES.DISCONNECTED)  # an ended call completes its request too
    assert [item.request for item in queue.drop("a")] == [Request.HOLD]
    assert len(queue) == 0


def test_login_failures_are_told_apart():
    assert classify(LOGIN_STATES.SERVER_ACCESS, ["login refused: auth_failed: wrong username or password"],
                    False) is LoginFailure.CREDENTIALS
    assert classify(LOGIN_STATES.SERVER_ACCESS, ["login: cannot reach ws://h:1: [Errno 111] Connect call failed"],
                    False) is LoginFailure.UNREACHABLE
    assert classify(LOGIN_STATES.SERVER_ACCESS, ["login: cannot reach wss://h:1: "], False,
                    secure=True) is LoginFailure.TLS
    assert classify(LOGIN_STATES.SERVER_ACCESS, ["TLS failed for wss://h:1: certificate verify failed"],
                    False) is LoginFailure.TLS
    assert classify(LOGIN_STATES.LOGIN_RESTORE_FAILED, [], True) is LoginFailure.SESSION_EXPIRED
    assert classify(LOGIN_STATES.SUCCESS, [], False) is None
    assert check_url("ftp://host:1") and check_url("ws://") and check_url("ws://host:0") and check_url("a b")
    assert check_url("ws://127.0.0.1:8765") is None and check_url("pbx.example.com:8443") is None


def incoming(state: AppState, key: str = "k", at: float = 1.0) -> AppState:
    return reduce(state, ev.CallAdded(key, Direction.IN, CALL_STATES.OFFERING, at, 0.0, call_id="c1",
                                      remote_number="201"))


def test_a_caller_who_hangs_up_while_ringing_is_abandoned_not_completed():
    state = incoming(AppState())
    state = reduce(state, ev.CallChanged("k", CALL_STATES.DISCONNECTED, 5.0, reason=DISC_REASON.SUCCESS))
    call = state.call_in(1)
    assert call.end_cause is EndCause.CALLER_GAVE_UP and call.kind is CallKind.ABANDONED
    assert state.history[0].kind is CallKind.ABANDONED


def test_time_on_hold_counts_this_hold_only_and_both_ends_holding_shows():
    state = incoming(AppState())
    state = reduce(state, ev.CallChanged("k", CALL_STATES.CONNECTED, 2.0))
    state = reduce(state, ev.CallChanged("k", CALL_STATES.HOLDING, 10.0))
    state = reduce(state, ev.CallChanged("k", CALL_STATES.HELD, 12.0))
    call = state.call_in(1)
    assert call.hold is HoldSide.BOTH and call.on_hold_for(15.0) == 5.0 and call.duration(15.0) == 13.0
    state = reduce(state, ev.CallChanged("k", CALL_STATES.CONNECTED, 20.0))
    assert state.call_in(1).on_hold_for(25.0) is None and state.call_in(1).hold is HoldSide.NONE


def test_a_failed_restore_ends_every_card_with_the_reason():
    state = incoming(AppState())
    state = reduce(state, ev.CallChanged("k", CALL_STATES.CONNECTED, 2.0))
    state = reduce(state, ev.LoginChanged(LOGIN_STATES.LOGIN_RESTORE_FAILED, 9.0))
    assert state.call_in(1).ended and state.call_in(1).end_cause is EndCause.SERVER_LOST


def test_a_restored_call_keeps_its_slot_and_durations():
    state = reduce(AppState(), ev.CallAdded("k", Direction.IN, CALL_STATES.HELD, 100.0, 0.0, call_id="c1",
                                            restored=True, slot_hint=5, age=60.0, talk_age=50.0))
    call = state.call_in(5)
    assert call is not None and call.duration(100.0) == 50.0 and call.created_at == 40.0


def test_both_ends_held_follows_the_far_end_letting_go():
    state = incoming(AppState())
    state = reduce(state, ev.CallChanged("k", CALL_STATES.CONNECTED, 2.0, remote_held=False))
    state = reduce(state, ev.CallChanged("k", CALL_STATES.HOLDING, 10.0, remote_held=True))
    state = reduce(state, ev.CallChanged("k", CALL_STATES.HELD, 12.0, remote_held=True))
    assert state.call_in(1).hold is HoldSide.BOTH
    state = reduce(state, ev.CallChanged("k", CALL_STATES.HELD, 14.0, remote_held=False))
    assert state.call_in(1).hold is HoldSide.OURS and state.call_in(1).on_hold_for(15.0) == 5.0
    state = reduce(state, ev.CallChanged("k", CALL_STATES.HELD, 16.0))  # a client that does not know: unchanged
    assert state.call_in(1).hold is HoldSide.OURS


def test_the_clients_typed_failure_wins_over_its_log_lines():
    from console.core.client import LoginFailureKind as K

    misleading = ["login refused: auth_failed: the session token expired"]  # words of every kind
    expected = {K.CREDENTIALS: LoginFailure.CREDENTIALS, K.UNREACHABLE: LoginFailure.UNREACHABLE,
                K.BAD_URL: LoginFailure.BAD_URL, K.TLS: LoginFailure.TLS, K.REJECTED: LoginFailure.REFUSED,
                K.SESSION_EXPIRED: LoginFailure.SESSION_EXPIRED}
    for kind, failure in expected.items():
        assert classify(LOGIN_STATES.SERVER_ACCESS, misleading, False, kind=kind) is failure
    assert classify(LOGIN_STATES.SUCCESS, misleading, False, kind=K.TLS) is None
