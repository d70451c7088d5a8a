"""Operator requests, queued in key order and sent one at a time, each against the state it expects.

Why: an operator types faster than the switch answers. Five ``a`` presses 50 ms
apart must answer five calls, not the same call five times; ``h`` on a call
whose answer is still under way must hold it once it is answered. So the controller
picks each key's target against the board *as the operator sees it* (a call
being answered is no longer ringing), and this queue sends the requests in
order, the next one only once the previous call reached the state its request
leads to (or ended, or the client reported an error, or ``timeout`` passed).

No I/O and no clock reads here: the controller feeds call states in and runs what
:meth:`RequestQueue.next_ready` hands out.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from typing import TYPE_CHECKING

from console.core.enums import CALL_STATES
from console.core.machines import LEGAL, CallRequest

from .state import AppState, CallView, Request

if TYPE_CHECKING:
    from .port import CallPort

S = CALL_STATES

# The state each request leads to; reaching one of these (or DISCONNECTED) completes it.
TARGETS: dict[Request, frozenset[CALL_STATES]] = {
    Request.ANSWER: frozenset({S.CONNECTED, S.HOLDING}),
    Request.ACCEPT: frozenset({S.RINGING, S.CONNECTED}),
    Request.DECLINE: frozenset({S.DISCONNECTED}),
    Request.HOLD: frozenset({S.HELD}),
    Request.RETRIEVE: frozenset({S.CONNECTED, S.HOLDING}),
    Request.HANGUP: frozenset({S.DISCONNECTED}),
}

# The core's table entry for each request (for checking a queued request before it is sent).
CORE: dict[Request, CallRequest] = {
    Request.ANSWER: CallRequest.ANSWER,
    Request.ACCEPT: CallRequest.ACCEPT,
    Request.DECLINE: CallRequest.DECLINE,
    Request.HOLD: CallRequest.HOLD,
    Request.RETRIEVE: CallRequest.RETRIEVE,
    Request.HANGUP: CallRequest.DISCONNECT,
}

# The state the operator expects a call to be in once a request is through (for picking targets).
EXPECTED: dict[Request, CALL_STATES] = {
    Request.ANSWER: S.CONNECTED,
    Request.ACCEPT: S.RINGING,
    Request.DECLINE: S.DISCONNECTED,
    Request.HOLD: S.HELD,
    Request.RETRIEVE: S.CONNECTED,
    Request.HANGUP: S.DISCONNECTED,
}


@dataclass(frozen=True)
class Queued:
    key: str
    request: Request
    label: str  # "[3] 201 Alice": what the operator saw when pressing the key


class RequestQueue:
    """FIFO of operator requests; one in flight at a time."""

    def __init__(self) -> None:
        self._queue: deque[Queued] = deque()
        self.inflight: Queued | None = None

    def __len__(self) -> int:
        return len(self._queue) + (self.inflight is not None)

    def add(self, item: Queued) -> None:
        self._queue.append(item)

    def last_for(self, key: str) -> Request | None:
        """The last request queued or under way on ``key``: what the operator expects of that call."""
        for item in reversed(self._queue):
            if item.key == key:
                return item.request
        if self.inflight is not None and self.inflight.key == key:
            return self.inflight.request
        return None

    def expected_state(self, key: str, state: CALL_STATES) -> CALL_STATES:
        last = self.last_for(key)
        return EXPECTED[last] if last is not None else state

    def next_ready(self) -> Queued | None:
        """The next request to send, if none is in flight; it becomes the one in flight."""
        if self.inflight is not None or not self._queue:
            return None
        self.inflight = self._queue.popleft()
        return self.inflight

    def observe(self, key: str, state: CALL_STATES) -> bool:
        """A call's state changed; True if that completed the request in flight."""
        item = self.inflight
        if item is None or item.key != key:
            return False
        if state in TARGETS[item.request] or state is S.DISCONNECTED:
            self.inflight = None
            return True
        return False

    def release(self, key: str | None = None) -> bool:
        """Give up waiting (an error for the call, a timeout); True if something was in flight."""
        if self.inflight is None or (key is not None and self.inflight.key != key):
            return False
        self.inflight = None
        return True

    def drop(self, key: str) -> list[Queued]:
        """Forget every queued request on ``key`` (the call ended); returns them."""
        dropped = [item for item in self._queue if item.key == key]
        self._queue = deque(item for item in self._queue if item.key != key)
        return dropped

    def clear(self) -> None:
        self._queue.clear()
        self.inflight = None


def send(call: CallPort, request: Request) -> None:
    if request is Request.ANSWER:
        call.answer()
    elif request is Request.ACCEPT:
        call.accept()
    elif request is Request.DECLINE:
        call.decline()
    elif request is Request.HOLD:
        call.hold()
    elif request is Request.RETRIEVE:
        call.retrieve()
    else:
        call.disconnect()


_NOT_RINGING = "not ringing; select a ringing call first (1-9, [ ])"
_SAYS = {
    CALL_STATES.CONNECTED: "it is connected", CALL_STATES.HELD: "it is on hold already",
    CALL_STATES.HOLDING: "the far end holds it", CALL_STATES.DISCONNECTED: "it has ended (or is ending)",
    CALL_STATES.DIALING: "it is still dialling", CALL_STATES.RINGING: "it is ringing",
    CALL_STATES.OFFERING: "it is ringing here", CALL_STATES.IDLE: "it has not started",
}


def refusal(request: Request, view: CallView, expected: CALL_STATES) -> str | None:
    """Why ``request`` makes no sense on a call the operator expects in state ``expected`` (None: fine)."""
    states, directions = LEGAL[CORE[request]]
    if view.direction not in directions:
        return _NOT_RINGING if request in (Request.ANSWER, Request.ACCEPT, Request.DECLINE) else "not on this call"
    if expected in states:
        return None
    if request in (Request.ANSWER, Request.ACCEPT, Request.DECLINE):
        return _NOT_RINGING if not view.ringing_in else f"{_SAYS.get(expected, str(expected))}"
    return _SAYS.get(expected, str(expected).lower())


def _rings_here(queue: RequestQueue, view: CallView, request: Request) -> bool:
    wanted = (S.OFFERING,) if request is Request.ACCEPT else (S.OFFERING, S.RINGING)
    return view.ringing_in and queue.expected_state(view.key, view.state) in wanted


def ringing_target(state: AppState, queue: RequestQueue, slot: int | None,
                   request: Request) -> tuple[CallView | None, bool]:
    """The call an answer (or accept) key is for: the named slot; else the selected call if it (still)
    rings as the operator sees it; else the call ringing longest (then True: it was picked for that)."""
    if slot is not None:
        return state.call_in(slot), False
    focused = state.focused_call
    if focused is not None and _rings_here(queue, focused, request):
        return focused, False
    ringing = sorted((c for c in state.ringing_calls() if _rings_here(queue, c, request)),
                     key=lambda c: (c.created_at, c.slot))
    return (ringing[0], True) if ringing else (focused, False)
