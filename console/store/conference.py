"""Conference by consent (issue 19): which calls ``C`` offers to join, which of them start ticked, and the words
that name a call to the operator.

Only the calls the operator ticks are joined. At first the ticked ones are the calls the operator is talking
on (connected), their consultation partner (an announced transfer's two legs), and the members of the
conference being added to; a caller on hold is never ticked unless the operator ticks it — a held caller
waits for the operator, not for a meeting.

A party count is everyone on the bridge, the operator included (the switch's count: one per console, one per
far end): a conference of the operator and three callers is "4 parties (you+3)".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from console.core.enums import CALL_STATES, ErrorCode

from .state import AppState, CallView


@dataclass(frozen=True)
class ConferenceChoice:
    call: CallView
    ticked: bool
    member: bool  # already in the conference being added to: it stays in (K leaves, X drops)


def conference_room(state: AppState) -> str:
    """The conference ``C`` adds to: the selected call's, else the one the operator talks in; "" for a new one."""
    focused = state.focused_call
    if focused is not None and focused.conference and not focused.ended:
        return focused.conference
    talking = next((c for c in state.calls if c.conference and c.state is CALL_STATES.CONNECTED), None)
    return talking.conference if talking is not None else ""


def conference_choices(state: AppState) -> tuple[ConferenceChoice, ...]:
    """The calls that could join, in slot order (see the module docstring for which start ticked)."""
    room = conference_room(state)
    offered = [c for c in state.calls if c.transferable and (not c.conference or c.conference == room)]
    ticked = {c.key for c in offered if c.conference == room and room}
    ticked |= {c.key for c in offered if c.state is CALL_STATES.CONNECTED}
    consult = state.desk.consult
    if consult is not None and {consult.waiting, consult.consulting} & ticked:
        ticked |= {key for key in (consult.waiting, consult.consulting) if any(c.key == key for c in offered)}
    return tuple(ConferenceChoice(c, c.key in ticked, bool(room) and c.conference == room)
                 for c in sorted(offered, key=lambda c: c.slot))


def caller_words(call: CallView) -> str:
    """A call as the operator knows it: its slot, number and name."""
    return f"[{call.slot}] {call.remote_number or 'unknown number'} {call.remote_name}".rstrip()


def party_words(parties: int) -> str:
    """A conference's size, the operator counted: "3 parties (you+2)"."""
    return f"{parties} parties (you+{max(0, parties - 1)})"


_CODES = "|".join(re.escape(str(code)) for code in (ErrorCode.WRONG_STATE, ErrorCode.UNKNOWN_CALL,
                                                     ErrorCode.LIMIT_REACHED))
_CONFERENCE_CODE = re.compile(rf"\b((?:leave_)?conference failed: )(?:{_CODES}): ")


def operator_words(text: str, calls: tuple[CallView, ...]) -> str:
    """A message from the client or the switch with the switch's call ids replaced by the callers they are
    ("call c18" → "[3] +4930555003 Caller 03"), and a conference refusal's error code left out."""
    for call in calls:
        if call.call_id:
            words = caller_words(call)
            text = re.sub(rf"\b(?:call )?{re.escape(call.call_id)}\b", lambda _: words, text)
    return _CONFERENCE_CODE.sub(r"\1", text)
