"""The ringer: an incoming call rings the speaker too (where media is on), not only the screen."""

from __future__ import annotations

from typing import Callable

from ..state import AppState


class Ringer:
    """Tells ``ring(on)`` when the board starts or stops having a call ringing in.

    ``ring`` returns False when there is nothing to ring (no media, no client yet);
    the change is then told again with the next state.
    """

    def __init__(self, ring: Callable[[bool], bool]) -> None:
        self._ring = ring
        self._ringing = False

    def __call__(self, state: AppState) -> None:
        ringing = bool(state.ringing_calls())
        if ringing != self._ringing and self._ring(ringing):
            self._ringing = ringing
