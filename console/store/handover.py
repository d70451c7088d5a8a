"""A transfer sent from this console: the card remembers the target, so it ends with the truth
("transferred to 202"), and forgets it if the switch refused the transfer. Pure (events and a reducer)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .state import AppState


@dataclass(frozen=True)
class TransferSent:
    """A blind or announced transfer of the call ``key`` to ``number`` went out ("" : it was refused)."""

    key: str
    number: str


HANDOVER_EVENTS = (TransferSent,)


def reduce_handover(state: AppState, event: TransferSent) -> AppState:
    call = state.call_by_key(event.key)
    if call is None or call.ended:
        return state
    new = replace(call, transferred_to=event.number)
    return replace(state, calls=tuple(new if c.key == new.key else c for c in state.calls))
