"""Which calls the conference picker offers and ticks (issue 19, "Conference by consent"): pure, no switch.

Issue 19: "`C` shows the calls that would join, with held callers unticked unless chosen"; "no internal ids in
messages"."""

from __future__ import annotations

from dataclasses import replace

from console.core.enums import CALL_STATES, Direction
from console.store.conference import conference_choices, operator_words
from console.store.desk_state import Consult, DeskState
from console.store.state import AppState, CallView

S = CALL_STATES


def _call(key: str, slot: int, state: CALL_STATES, **kw) -> CallView:
    return CallView(key=key, slot=slot, direction=Direction.IN, state=state, created_at=0.0, call_id=f"c{slot}",
                    remote_number=f"49305550{slot:02d}", remote_name=f"Caller {slot:02d}", **kw)


def _ticks(state: AppState) -> dict[int, bool]:
    return {choice.call.slot: choice.ticked for choice in conference_choices(state)}


def test_the_connected_call_is_ticked_held_callers_are_not_ringing_ones_are_not_offered():
    state = AppState(calls=(_call("a", 1, S.CONNECTED), _call("b", 2, S.HELD), _call("c", 3, S.HELD),
                            _call("r", 4, S.OFFERING)), focused=2)
    assert _ticks(state) == {1: True, 2: False, 3: False}


def test_an_announced_transfers_two_legs_are_ticked_together():
    state = AppState(calls=(_call("w", 1, S.HELD), _call("b", 2, S.HELD), _call("t", 3, S.CONNECTED)), focused=3,
                     desk=DeskState(consult=Consult(waiting="w", consulting="t", number="201")))
    assert _ticks(state) == {1: True, 2: False, 3: True}


def test_adding_to_a_conference_keeps_its_members_and_leaves_another_conference_out():
    state = AppState(calls=(_call("a", 1, S.CONNECTED, conference="f1", conference_parties=3),
                            _call("c", 2, S.HELD, conference="f1", conference_parties=3),
                            _call("b", 3, S.HELD),
                            _call("x", 4, S.HELD, conference="f2", conference_parties=3)), focused=1)
    choices = {choice.call.slot: choice for choice in conference_choices(state)}
    assert set(choices) == {1, 2, 3}
    assert choices[1].member and choices[2].member and not choices[3].member
    assert choices[1].ticked and choices[2].ticked and not choices[3].ticked


def test_a_refusal_names_the_caller_not_the_switchs_id_or_code():
    calls = (_call("a", 1, S.CONNECTED), replace(_call("b", 18, S.HELD), remote_name="Dr. Who"))
    text = operator_words("[18] conference failed: wrong_state: call c18 is RINGING, not connected or held", calls)
    assert text == "[18] conference failed: [18] 4930555018 Dr. Who is RINGING, not connected or held"
    assert operator_words("hold failed: wrong_state: c1 is held", calls) == \
        "hold failed: wrong_state: [1] 4930555001 Caller 01 is held", "only a conference's code is dropped"
    assert "c181" in operator_words("call c181 is gone", calls), "an id is replaced whole, never a prefix of one"
