"""The queue view's line marks what a card would say: an announced transfer's two legs, conference, recording."""

from __future__ import annotations

from dataclasses import replace

from console.core.enums import CALL_STATES, Direction
from console.store.state import CallView
from console.ui.widgets.queue import line_for

BASE = CallView(key="k", slot=3, direction=Direction.IN, state=CALL_STATES.HELD, created_at=0.0,
                remote_number="5501", remote_name="Caller", connected_at=1.0, held_since=2.0, ever_connected=True)


def _line(call: CallView) -> str:
    return line_for(call, now=10.0, width=50, selected=False, recall=0.0).plain


def test_both_legs_of_an_announced_transfer_are_marked_and_the_line_keeps_its_width():
    plain = _line(BASE)
    waiting = _line(replace(BASE, consult="waiting"))
    consulting = _line(replace(BASE, state=CALL_STATES.CONNECTED, held_since=None, consult="consulting"))
    assert plain.startswith("  3 ← 5501 Caller"), plain
    assert waiting.startswith("  3 ←⇄5501 Caller"), waiting
    assert consulting.startswith("  3 ←⇄5501 Caller"), consulting
    assert len(waiting) == len(plain), "the mark takes the blank after the direction: columns stay aligned"


def test_conference_and_recording_are_marked_and_an_ended_call_is_not():
    assert "⧉" in _line(replace(BASE, state=CALL_STATES.CONNECTED, conference="c1", conference_parties=3))
    assert "●" in _line(replace(BASE, recording="/tmp/x.wav"))
    assert "⇄" not in _line(replace(BASE, state=CALL_STATES.DISCONNECTED, ended_at=5.0, consult="waiting"))


def test_a_held_conference_member_is_not_flagged_as_held_too_long():
    """A member whose leg the operator holds talks in the conference: no hold-recall '!' and its count shown."""
    member = replace(BASE, conference="f1", conference_parties=3)
    line = line_for(member, now=100.0, width=50, selected=False, recall=30.0).plain
    assert not line.startswith("!") and "conf 3" in line, line
    assert line_for(BASE, now=100.0, width=50, selected=False, recall=30.0).plain.startswith("!")
