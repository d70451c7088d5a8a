"""The screen's pace in memory (console/ui/pacing.py): which store states reach the screen, and when.

No Textual and no clock: the loop's ``call_soon`` and ``call_later`` are lists the test runs by hand.
"""

from __future__ import annotations

from dataclasses import replace

from console.core.enums import CALL_STATES
from console.store.state import AppState, CallView, Direction, Request
from console.ui.pacing import GRACE, ScreenPacer, requests_started


def call(slot: int, state: CALL_STATES = CALL_STATES.CONNECTED, pending: Request | None = None) -> CallView:
    return CallView(key=f"c{slot}", slot=slot, direction=Direction.IN, state=state, created_at=0.0, pending=pending)


class Loop:
    """What the pacer asked of the event loop: callbacks for this pass, and timers."""

    def __init__(self) -> None:
        self.soon: list = []
        self.timers: list[list] = []  # [delay, fn, cancelled]

    def call_soon(self, fn) -> None:
        self.soon.append(fn)

    def call_later(self, delay: float, fn):
        timer = [delay, fn, False]
        self.timers.append(timer)

        class Handle:
            def cancel(self) -> None:
                timer[2] = True

        return Handle()

    def end_pass(self) -> None:
        soon, self.soon = self.soon, []
        for fn in soon:
            fn()

    def fire(self) -> None:
        live = [t for t in self.timers if not t[2]]
        self.timers = []
        for _, fn, _ in live:
            fn()


def pacer() -> tuple[ScreenPacer, Loop, list[AppState]]:
    loop, shown = Loop(), [AppState(calls=(call(1), call(2, CALL_STATES.HELD)))]
    return ScreenPacer(lambda: shown[-1], shown.append, loop.call_soon, loop.call_later), loop, shown


def test_a_request_answered_within_the_grace_reaches_the_screen_once_as_its_outcome():
    pace, loop, shown = pacer()
    before = shown[-1]
    holding = replace(before, calls=(call(1, pending=Request.HOLD), before.calls[1]))
    pace.offer(holding)
    loop.end_pass()
    assert shown == [before] and pace.holding  # "holding…" is not drawn
    assert [t[0] for t in loop.timers] == [GRACE]
    held = replace(before, calls=(call(1, CALL_STATES.HELD, pending=Request.HOLD), before.calls[1]))
    pace.offer(held)  # the switch's HELD, the request not yet cleared: still under way
    loop.end_pass()
    assert shown == [before]
    done = replace(before, calls=(call(1, CALL_STATES.HELD), before.calls[1]))
    pace.offer(done)
    loop.end_pass()
    assert shown == [before, done] and not pace.holding
    assert all(t[2] for t in loop.timers), "the grace's timer is cancelled once the answer is shown"


def test_a_slow_answer_shows_the_request_under_way_when_the_grace_ends_then_every_state_as_it_comes():
    pace, loop, shown = pacer()
    before = shown[-1]
    holding = replace(before, calls=(call(1, pending=Request.HOLD), before.calls[1]))
    pace.offer(holding)
    loop.end_pass()
    loop.fire()
    assert shown == [before, holding]
    held = replace(before, calls=(call(1, CALL_STATES.HELD, pending=Request.HOLD), before.calls[1]))
    pace.offer(held)
    loop.end_pass()
    assert shown[-1] is held, "a request already on screen holds nothing back"


def test_the_states_of_one_pass_are_offered_as_one_and_the_grace_counts_from_the_first():
    pace, loop, shown = pacer()
    before = shown[-1]
    focused = replace(before, focused=2)  # an answer moves the selection first, then sets its request
    answering = replace(focused, calls=(before.calls[0], call(2, CALL_STATES.HELD, pending=Request.RETRIEVE)))
    pace.offer(focused)
    pace.offer(answering)
    assert len(loop.soon) == 1
    loop.end_pass()
    assert shown == [before], "the selection moves with the answer, not a frame before it"
    queued = replace(answering, calls=(call(1, pending=Request.HOLD), answering.calls[1]))
    pace.offer(queued)  # another key meanwhile: the grace does not start again
    loop.end_pass()
    assert len(loop.timers) == 1
    loop.fire()
    assert shown == [before, queued]


def test_a_state_that_starts_no_request_is_shown_at_once():
    pace, loop, shown = pacer()
    rung = replace(shown[-1], calls=(*shown[-1].calls, call(3, CALL_STATES.OFFERING)))
    pace.offer(rung)
    loop.end_pass()
    assert shown[-1] is rung and not loop.timers


def test_no_grace_draws_every_state_and_a_closed_pacer_draws_nothing():
    pace, loop, shown = pacer()
    pace.grace = 0
    holding = replace(shown[-1], calls=(call(1, pending=Request.HOLD), shown[-1].calls[1]))
    pace.offer(holding)
    loop.end_pass()
    assert shown[-1] is holding
    pace.close()
    pace.offer(replace(holding, focused=1))
    loop.end_pass()
    assert shown[-1] is holding


def test_requests_started_compares_with_what_the_screen_shows():
    shown = AppState(calls=(call(1, pending=Request.HOLD), call(2)))
    assert not requests_started(shown, shown)
    assert not requests_started(shown, AppState(calls=(call(1, pending=Request.RETRIEVE), call(2))))
    assert requests_started(shown, AppState(calls=(call(1), call(2, pending=Request.HANGUP))))
    assert requests_started(shown, AppState(calls=(call(1), call(2), call(3, pending=Request.ANSWER))))
