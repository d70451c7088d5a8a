"""Truth while the server is away: calls the console has lost contact with (issue 19, item 7).

From the moment the link drops (``CONNECTION_LOST``) until the session is
restored, the console cannot know what happens to its calls: a card that kept
counting, or a key that "answered" a call, would lie. So every live call is
marked with the time contact was lost; its durations stop there
(:meth:`CallView.duration`), its card and row say "lost contact", and every
request on it is refused here with the reason. A restored session brings the
calls back live; a session that is gone for good ends them (the reducer's
``LOGIN_RESTORE_FAILED`` handling) at the time of the loss.

Pure functions over the state, called by the reducer and by whoever sends requests.
"""

from __future__ import annotations

from dataclasses import replace

from console.core.enums import LOGIN_STATES

from .state import AppState, CallView

RECONNECTING_STATES = frozenset({LOGIN_STATES.CONNECTION_LOST, LOGIN_STATES.CONNECTING, LOGIN_STATES.SERVER_ACCESS})


def lose_contact(state: AppState, at: float) -> AppState:
    """Freeze every live call at ``at`` (a call already frozen keeps its first time)."""
    calls = tuple(replace(c, lost_at=at) if not c.ended and c.lost_at is None else c for c in state.calls)
    return replace(state, calls=calls)


def regain_contact(state: AppState) -> AppState:
    """The session is back: its calls are live again (their times go on from the switch's truth)."""
    if not any(c.lost_at is not None for c in state.calls):
        return state
    return replace(state, calls=tuple(replace(c, lost_at=None) if c.lost_at is not None else c for c in state.calls))


def contact_refusal(state: AppState, view: CallView) -> str | None:
    """Why a request on ``view`` cannot be sent now, or None: a call we have no contact with takes none."""
    if not view.lost_contact:
        return None
    if state.login.state in RECONNECTING_STATES:
        return "no contact with the switch: reconnecting"
    return "no contact with the switch"
