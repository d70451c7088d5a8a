"""When the screen shows a new state: a request the switch answers at once is drawn once, as its outcome.

A key that asks the switch for something (hold, retrieve, answer, …) sets the call's request under
way in the store at once ("holding…" on its card), and the switch's answer clears it a round trip
later: a few milliseconds on the embedded switch. Every screen update costs about as much as that
round trip (Textual renders every visible card's lines again), and the next update waits for the
next frame. Drawing "holding…" first therefore put a frame between the key and the HELD the
operator is waiting for, to show a state nobody could read.

:class:`ScreenPacer` holds the screen at what it shows for at most :data:`GRACE` once a state sets a
request under way on a call that had none on screen. The first later state in which no such request
is left (the switch has answered) is shown at once, as one update; if the switch takes longer, the
latest state, "holding…" and all, is shown when the grace ends, and every state after it as it
comes. Nothing else is held back: a state that starts no request is shown at once. The store itself
is never held: the controller, the log and the event stream see every state as it happens.

The states of one pass of the event loop reach the pacer as one: a key's handler or a batch of the
switch's frames dispatches several events (the focus moving to the ringing call, its request under
way, the error line cleared), and the screen is offered only the last state, once the pass is done.

No Textual here: the App gives the pacer the way to show a state and a timer (``call_later``).
"""

from __future__ import annotations

from typing import Callable, Protocol

from console.store import AppState

GRACE = 0.025  # s: a frame and a half at Textual's 60 per second; well under what a key's echo may take


class Cancellable(Protocol):
    def cancel(self) -> None: ...


Later = Callable[[float, Callable[[], None]], Cancellable]
Soon = Callable[[Callable[[], None]], object]


def requests_started(shown: AppState, state: AppState) -> bool:
    """Whether ``state`` has a request under way on a call that had none in ``shown``."""
    before = {call.key: call.pending for call in shown.calls}
    return any(call.pending is not None and before.get(call.key) is None for call in state.calls)


class ScreenPacer:
    """Decides when each store state reaches the screen (``show``); see the module's docstring."""

    def __init__(self, shown: Callable[[], AppState], show: Callable[[AppState], None], soon: Soon, later: Later,
                 grace: float = GRACE) -> None:
        self._shown = shown
        self._show = show
        self._soon = soon
        self._later = later
        self.grace = grace
        self._offered: AppState | None = None
        self._held: AppState | None = None
        self._timer: Cancellable | None = None
        self._closed = False

    @property
    def holding(self) -> bool:
        return self._held is not None

    def offer(self, state: AppState) -> None:
        """A new store state: weighed once this pass of the event loop is done, with any later ones."""
        if self._offered is None and not self._closed:
            self._soon(self._weigh)
        self._offered = state

    def _weigh(self) -> None:
        state, self._offered = self._offered, None
        if state is None or self._closed:
            return
        if self.grace > 0 and requests_started(self._shown(), state):
            self._held = state
            if self._timer is None:  # the grace counts from the first held state, not the latest
                self._timer = self._later(self.grace, self._release)
            return
        self._stop()
        self._show(state)

    def close(self) -> None:
        self._closed = True
        self._offered = None
        self._stop()

    def _release(self) -> None:
        self._timer = None
        held, self._held = self._held, None
        if held is not None:
            self._show(held)

    def _stop(self) -> None:
        self._held = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
