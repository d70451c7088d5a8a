"""The store's side of transfer with recall (pure): a recall card with its original waiting time and its
origin, and a card this console transferred ending as "transferred" (not "far end hung up")."""

from __future__ import annotations

from console.core.enums import CALL_STATES, DISC_REASON
from console.store import events as ev
from console.store.handover import TransferSent
from console.store.origin import Origin
from console.store.state import CallKind, EndCause

from .test_reducer import added, fold

S = CALL_STATES


def ended(key: str, at: float, reason=DISC_REASON.SUCCESS) -> ev.CallChanged:
    return ev.CallChanged(key=key, state=S.DISCONNECTED, at=at, reason=reason)


def test_a_recall_rings_with_its_original_waiting_time_first_in_line():
    back = Origin(recall_target="202", recall_reason=DISC_REASON.BUSY)
    state = fold(added("k1", at=100.0), added("k2", at=101.0, age=60.0, origin=back))
    recall = state.call_by_key("k2")
    assert recall.origin == back and recall.created_at == 41.0
    assert sorted(state.ringing_calls(), key=lambda c: c.created_at)[0].key == "k2"


def test_a_transferred_call_ends_as_transferred_to_its_target():
    state = fold(added("k1"), ev.CallChanged(key="k1", state=S.CONNECTED, at=1.0), TransferSent("k1", "202"),
                 ended("k1", 2.0))
    call = state.call_by_key("k1")
    assert (call.transferred, call.transferred_to, call.end_cause) == (True, "202", EndCause.TRANSFERRED)
    assert state.history[0].cause is EndCause.TRANSFERRED and state.history[0].kind is CallKind.INCOMING


def test_a_refused_transfer_is_forgotten_and_a_later_hang_up_is_the_far_ends():
    state = fold(added("k1"), ev.CallChanged(key="k1", state=S.CONNECTED, at=1.0), TransferSent("k1", "202"),
                 TransferSent("k1", ""), ended("k1", 5.0))
    call = state.call_by_key("k1")
    assert (call.transferred, call.end_cause) == (False, EndCause.FAR_END)
