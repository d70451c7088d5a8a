"""Callers the switch turned away from this console's number (DND, forwarding always): they never ring
here, so the switch tells the console (a ``turned_away`` event, docs/PROTOCOL.md) and the history keeps
them as missed, with why and where they went (issue 19, item 5)."""

from __future__ import annotations

from console.core.directory import TurnedAway, TurnedAwayWhy

from . import events as ev
from .state import EndCause

CAUSES = {TurnedAwayWhy.DND: EndCause.DND, TurnedAwayWhy.FORWARDED: EndCause.FORWARDED}


def turned_away(notice: TurnedAway, at: float) -> ev.CallTurnedAway:
    """The store's event for the client's notice; ``at`` is the console's clock (the log line's time)."""
    return ev.CallTurnedAway(at, notice.at, notice.number, notice.name, CAUSES[notice.why], notice.to or "")
