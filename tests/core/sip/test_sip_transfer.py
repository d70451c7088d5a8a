"""Transfer with recall over SIP, the machine alone (console.core.client.sip_transfer): "a blind transfer whose
target is busy, declines or does not answer in `transfer_recall` seconds returns the caller to the operator"
(issue 20 item 6). The driver and the real lab: tests/sip/test_transfer_recall.py."""

from __future__ import annotations

import pytest

from console.core.client.sip_transfer import Action, RecallTransfer, Step
from console.core.enums import CALL_STATES, DISC_REASON

S, R = CALL_STATES, DISC_REASON


def test_the_target_answers_refer_with_replaces_then_done_on_the_notify_200():
    machine = RecallTransfer("1001", 30.0, now=0.0)
    assert machine.consultation(S.RINGING, None, 1.0).actions == ()
    assert machine.consultation(S.CONNECTED, None, 5.0).actions == (Action.REFER,)
    assert machine.step is Step.REFERRING and machine.deadline == 35.0
    assert machine.consultation(S.DISCONNECTED, R.SUCCESS, 6.0).actions == ()
    assert machine.step is Step.DONE and machine.finished and machine.deadline is None
    assert machine.caller(S.DISCONNECTED, R.SUCCESS, 6.0).actions == ()


@pytest.mark.parametrize("reason", [R.BUSY, R.REJECTED, R.DIALSTRING, R.NOTRESPONDING])
def test_a_target_that_is_busy_declines_or_fails_recalls_the_caller(reason):
    machine = RecallTransfer("1001", 30.0, now=0.0)
    outcome = machine.consultation(S.DISCONNECTED, reason, 2.0)
    assert outcome.actions == (Action.RECALL,) and outcome.reason is reason
    assert machine.step is Step.RECALLED and machine.tick(100.0).actions == ()


def test_no_answer_in_transfer_recall_seconds_drops_the_consultation_and_recalls():
    machine = RecallTransfer("1001", 30.0, now=0.0)
    machine.consultation(S.RINGING, None, 1.0)
    assert machine.tick(29.9).actions == ()
    outcome = machine.tick(30.0)
    assert outcome.actions == (Action.DROP_CONSULTATION, Action.RECALL) and outcome.reason is R.NOTRESPONDING
    # the consultation's end (our CANCEL) changes nothing more
    assert machine.consultation(S.DISCONNECTED, R.USERTERMINATED, 30.1).actions == ()


def test_a_refer_that_fails_or_gets_no_answer_recalls_the_caller():
    machine = RecallTransfer("1001", 10.0, now=0.0)
    machine.consultation(S.CONNECTED, None, 2.0)
    assert machine.refer_failed(3.0).actions == (Action.RECALL,)
    machine = RecallTransfer("1001", 10.0, now=0.0)
    machine.consultation(S.CONNECTED, None, 2.0)
    assert machine.tick(11.0).actions == ()
    assert machine.tick(12.0).actions == (Action.RECALL,)  # the consultation stays with the operator


def test_the_caller_hanging_up_while_the_target_rings_drops_the_consultation():
    machine = RecallTransfer("1001", 30.0, now=0.0)
    assert machine.caller(S.HELD, None, 1.0).actions == ()
    assert machine.caller(S.DISCONNECTED, R.SUCCESS, 2.0).actions == (Action.DROP_CONSULTATION,)
    assert machine.step is Step.DONE and machine.tick(40.0).actions == ()
