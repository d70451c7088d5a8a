"""The call and login state machines: derived states, legal requests, illegal transitions."""

from __future__ import annotations

import pytest

from console.core.dtmf import check_digits
from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction
from console.core.errors import CallStateError, InvalidDigitError
from console.core.machines import (
    LEGAL, CallEvent, CallMachine, CallRequest, check_login_transition, check_request, check_transfer,
)

S, E = CALL_STATES, CallEvent


def connected_out() -> CallMachine:
    return CallMachine.outgoing().apply(E.DIAL).apply(E.ALERT).apply(E.CONNECT)


def test_outgoing_and_incoming_paths():
    m = CallMachine.outgoing()
    assert m.state is S.IDLE
    assert m.apply(E.DIAL).state is S.DIALING
    assert m.apply(E.DIAL).apply(E.ALERT).state is S.RINGING
    inc = CallMachine.incoming()
    assert inc.state is S.OFFERING
    assert inc.apply(E.ALERT).apply(E.CONNECT).state is S.CONNECTED


def test_hold_flags_give_held_over_holding():
    m = connected_out()
    assert m.apply(E.HOLD_REMOTE).state is S.HOLDING
    assert m.apply(E.HOLD_REMOTE).apply(E.HOLD_LOCAL).state is S.HELD
    assert m.apply(E.HOLD_REMOTE).apply(E.HOLD_LOCAL).apply(E.RETRIEVE_LOCAL).state is S.HOLDING
    assert m.apply(E.HOLD_LOCAL).apply(E.RETRIEVE_LOCAL).state is S.CONNECTED


def test_end_keeps_the_reason_and_nothing_follows_it():
    m = connected_out().apply(E.END, DISC_REASON.BUSY)
    assert m.state is S.DISCONNECTED and m.reason is DISC_REASON.BUSY
    with pytest.raises(CallStateError):
        m.apply(E.CONNECT)
    with pytest.raises(CallStateError):
        m.apply(E.END)


def test_illegal_events():
    with pytest.raises(CallStateError):
        CallMachine.outgoing().apply(E.CONNECT)
    with pytest.raises(CallStateError):
        CallMachine.incoming().apply(E.HOLD_LOCAL)


def test_request_table():
    check_request(CallRequest.ANSWER, S.OFFERING, Direction.IN)
    with pytest.raises(CallStateError, match="answer is not possible in state CONNECTED"):
        check_request(CallRequest.ANSWER, S.CONNECTED, Direction.IN)
    with pytest.raises(CallStateError, match="outgoing"):
        check_request(CallRequest.ANSWER, S.RINGING, Direction.OUT)
    with pytest.raises(CallStateError):
        check_request(CallRequest.DTMF, S.HELD, Direction.OUT)
    assert set(LEGAL) == set(CallRequest)


def test_transfer_rules():
    check_transfer(S.CONNECTED, S.HELD, same_call=False)
    with pytest.raises(CallStateError, match="itself"):
        check_transfer(S.CONNECTED, S.CONNECTED, same_call=True)
    with pytest.raises(CallStateError):
        check_transfer(S.CONNECTED, S.RINGING, same_call=False)


def test_login_transitions():
    check_login_transition(None, LOGIN_STATES.CONNECTING)
    check_login_transition(LOGIN_STATES.CONNECTING, LOGIN_STATES.SUCCESS)
    with pytest.raises(CallStateError):
        check_login_transition(LOGIN_STATES.SUCCESS, LOGIN_STATES.DIAL_STRING_MISSING)


def test_dtmf_digits():
    assert check_digits("12ab*#") == "12AB*#"
    for bad in ("", "E", "1 2", "x"):
        with pytest.raises(InvalidDigitError):
            check_digits(bad)


def test_one_transfer_rule_for_the_switch_and_the_console():
    """Transfer before answer (attendant extension): a talking call into an outgoing call that still rings."""
    from console.core.machines import TransferKind

    assert check_transfer(S.CONNECTED, S.HELD, False) is TransferKind.BRIDGE
    for ringing in (S.DIALING, S.RINGING):
        for talking in (S.CONNECTED, S.HOLDING, S.HELD):
            assert check_transfer(talking, ringing, False, Direction.OUT) is TransferKind.BEFORE_ANSWER
    with pytest.raises(CallStateError):
        check_transfer(S.CONNECTED, S.RINGING, False, Direction.IN)  # an incoming call that rings is answered first
    with pytest.raises(CallStateError):
        check_transfer(S.RINGING, S.RINGING, False, Direction.OUT)
    with pytest.raises(CallStateError, match="itself"):
        check_transfer(S.CONNECTED, S.RINGING, True, Direction.OUT)
