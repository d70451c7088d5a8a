"""The login and call state machines, as tables (h11 style).

A call's visible state is derived from its phase and two hold flags, so the
switch and the console never disagree about what "held while the far end
holds too" looks like. Which request is legal in which state is data, checked
in one place: :func:`check_request`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from .enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction
from .errors import CallStateError

S = CALL_STATES


class CallRequest(StrEnum):
    DIAL = "dial"
    ACCEPT = "accept"
    ANSWER = "answer"
    DECLINE = "decline"
    DISCONNECT = "disconnect"
    HOLD = "hold"
    RETRIEVE = "retrieve"
    TRANSFER = "transfer"
    DTMF = "dtmf"
    MEDIA = "media"
    # attendant extension (docs/PROTOCOL.md): the far end goes to a number, or to a park orbit
    BLIND_TRANSFER = "blind_transfer"
    PARK = "park"


_LIVE = frozenset({S.DIALING, S.OFFERING, S.RINGING, S.CONNECTED, S.HOLDING, S.HELD})
TALKING_STATES = frozenset({S.CONNECTED, S.HOLDING, S.HELD})
"""Past the answer and not ended: the states a call can be held, retrieved or transferred in."""
_TALKING = TALKING_STATES

# request -> (states it is legal in, directions it is legal for)
LEGAL: dict[CallRequest, tuple[frozenset[CALL_STATES], frozenset[Direction]]] = {
    CallRequest.DIAL: (frozenset({S.IDLE}), frozenset({Direction.OUT})),
    CallRequest.ACCEPT: (frozenset({S.OFFERING}), frozenset({Direction.IN})),
    CallRequest.ANSWER: (frozenset({S.OFFERING, S.RINGING}), frozenset({Direction.IN})),
    CallRequest.DECLINE: (frozenset({S.OFFERING, S.RINGING}), frozenset({Direction.IN})),
    CallRequest.DISCONNECT: (_LIVE, frozenset(Direction)),
    CallRequest.HOLD: (frozenset({S.CONNECTED, S.HOLDING}), frozenset(Direction)),
    CallRequest.RETRIEVE: (frozenset({S.HELD}), frozenset(Direction)),
    CallRequest.TRANSFER: (_TALKING, frozenset(Direction)),
    CallRequest.DTMF: (frozenset({S.CONNECTED}), frozenset(Direction)),
    CallRequest.MEDIA: (frozenset({S.DIALING, S.RINGING, S.CONNECTED, S.HOLDING, S.HELD}), frozenset(Direction)),
    CallRequest.BLIND_TRANSFER: (_TALKING, frozenset(Direction)),
    CallRequest.PARK: (_TALKING, frozenset(Direction)),
}


def check_request(request: CallRequest, state: CALL_STATES, direction: Direction) -> None:
    """Raise :class:`CallStateError` if ``request`` is not legal now."""
    states, directions = LEGAL[request]
    if direction not in directions:
        raise CallStateError(f"{request} is not possible on an {'incoming' if direction is Direction.IN else 'outgoing'} call")
    if state not in states:
        allowed = ", ".join(sorted(states))
        raise CallStateError(f"{request} is not possible in state {state} (only in {allowed})")


class TransferKind(StrEnum):
    """What a legal ``transfer`` does."""

    BRIDGE = "bridge"  # two talking calls: their far ends are bridged to each other
    BEFORE_ANSWER = "before_answer"  # attendant extension: the far end takes the place of an outgoing call that rings


UNANSWERED_OUT = frozenset({S.DIALING, S.RINGING})
"""An outgoing call in these states has not been answered: the target of a transfer before answer."""


def check_transfer(state_a: CALL_STATES, state_b: CALL_STATES, same_call: bool,
                   direction_b: Direction | None = None) -> TransferKind:
    """The one rule for ``transfer`` of call a to call b, for the switch and the console alike.

    Two talking calls are bridged; a talking call into an outgoing call ``b`` that has not been answered yet
    is a transfer before answer (attendant extension, docs/PROTOCOL.md). Anything else raises :class:`CallStateError`.
    """
    if same_call:
        raise CallStateError("transfer needs two different calls; a call cannot be transferred to itself")
    if state_a in _TALKING and direction_b is Direction.OUT and state_b in UNANSWERED_OUT:
        return TransferKind.BEFORE_ANSWER
    for state in (state_a, state_b):
        if state not in _TALKING:
            raise CallStateError(f"transfer is not possible in state {state} (only CONNECTED, HOLDING or HELD)")
    return TransferKind.BRIDGE


class Phase(StrEnum):
    IDLE = "IDLE"
    DIALING = "DIALING"
    OFFERING = "OFFERING"
    RINGING = "RINGING"
    CONNECTED = "CONNECTED"
    DISCONNECTED = "DISCONNECTED"


class CallEvent(StrEnum):
    DIAL = "dial"
    ALERT = "alert"  # the called side is ringing (or we accepted)
    CONNECT = "connect"
    HOLD_LOCAL = "hold_local"
    RETRIEVE_LOCAL = "retrieve_local"
    HOLD_REMOTE = "hold_remote"
    RETRIEVE_REMOTE = "retrieve_remote"
    END = "end"


# (phase, event) -> next phase. Hold events keep the phase and flip a flag.
PHASE_TABLE: dict[tuple[Phase, CallEvent], Phase] = {
    (Phase.IDLE, CallEvent.DIAL): Phase.DIALING,
    (Phase.DIALING, CallEvent.ALERT): Phase.RINGING,
    (Phase.OFFERING, CallEvent.ALERT): Phase.RINGING,
    (Phase.DIALING, CallEvent.CONNECT): Phase.CONNECTED,
    (Phase.RINGING, CallEvent.CONNECT): Phase.CONNECTED,
    (Phase.OFFERING, CallEvent.CONNECT): Phase.CONNECTED,
    (Phase.CONNECTED, CallEvent.HOLD_LOCAL): Phase.CONNECTED,
    (Phase.CONNECTED, CallEvent.RETRIEVE_LOCAL): Phase.CONNECTED,
    (Phase.CONNECTED, CallEvent.HOLD_REMOTE): Phase.CONNECTED,
    (Phase.CONNECTED, CallEvent.RETRIEVE_REMOTE): Phase.CONNECTED,
    **{(p, CallEvent.END): Phase.DISCONNECTED for p in Phase if p is not Phase.DISCONNECTED},
}


@dataclass(frozen=True)
class CallMachine:
    """One call leg's state. Immutable: :meth:`apply` returns the next machine."""

    direction: Direction
    phase: Phase
    local_hold: bool = False
    remote_hold: bool = False
    reason: DISC_REASON | None = None

    @classmethod
    def outgoing(cls) -> CallMachine:
        return cls(Direction.OUT, Phase.IDLE)

    @classmethod
    def incoming(cls) -> CallMachine:
        return cls(Direction.IN, Phase.OFFERING)

    @property
    def state(self) -> CALL_STATES:
        if self.phase is Phase.CONNECTED:
            if self.local_hold:
                return S.HELD
            if self.remote_hold:
                return S.HOLDING
        return CALL_STATES(self.phase.value)

    def apply(self, event: CallEvent, reason: DISC_REASON | None = None) -> CallMachine:
        try:
            phase = PHASE_TABLE[(self.phase, event)]
        except KeyError:
            raise CallStateError(f"call event {event} is not possible in state {self.state}") from None
        flags = {
            CallEvent.HOLD_LOCAL: {"local_hold": True},
            CallEvent.RETRIEVE_LOCAL: {"local_hold": False},
            CallEvent.HOLD_REMOTE: {"remote_hold": True},
            CallEvent.RETRIEVE_REMOTE: {"remote_hold": False},
        }.get(event, {})
        if event is CallEvent.END:
            return replace(self, phase=phase, reason=reason or DISC_REASON.ERROR)
        return replace(self, phase=phase, **flags)


# What the wire may report next for a call the console knows (same state: no change, always allowed).
# Derived from PHASE_TABLE and the hold flags; a report outside it is a remote protocol error.
CALL_STATE_TABLE: dict[CALL_STATES, frozenset[CALL_STATES]] = {
    S.IDLE: frozenset({S.DIALING, S.DISCONNECTED}),
    S.DIALING: frozenset({S.RINGING, S.CONNECTED, S.HOLDING, S.DISCONNECTED}),
    S.OFFERING: frozenset({S.RINGING, S.CONNECTED, S.HOLDING, S.DISCONNECTED}),
    S.RINGING: frozenset({S.CONNECTED, S.HOLDING, S.DISCONNECTED}),
    S.CONNECTED: frozenset({S.HOLDING, S.HELD, S.DISCONNECTED}),
    S.HOLDING: frozenset({S.CONNECTED, S.HELD, S.DISCONNECTED}),
    S.HELD: frozenset({S.CONNECTED, S.HOLDING, S.DISCONNECTED}),
    S.DISCONNECTED: frozenset(),
}


def call_transition_ok(current: CALL_STATES, new: CALL_STATES) -> bool:
    return new == current or new in CALL_STATE_TABLE[current]


L = LOGIN_STATES

# The console's login state: which state may follow which. ``None`` is "never logged in".
LOGIN_TABLE: dict[LOGIN_STATES | None, frozenset[LOGIN_STATES]] = {
    None: frozenset({L.CONNECTING}),
    L.CONNECTING: frozenset({
        L.SUCCESS, L.SERVER_ACCESS, L.DIAL_STRING_MISSING, L.NO_DIAL_STRING_FOR_USER,
        L.CONNECTION_LOST, L.LOGIN_RESTORE_FAILED, L.LOGGED_OUT_EXPLICIT,
    }),
    L.SUCCESS: frozenset({L.CONNECTION_LOST, L.LOGGED_OUT_IMPLICIT, L.LOGGED_OUT_EXPLICIT}),
    **{s: frozenset({L.CONNECTING}) for s in LOGIN_STATES if s not in (L.CONNECTING, L.SUCCESS)},
    # a reconnector that gives up on a lost session says so
    L.CONNECTION_LOST: frozenset({L.CONNECTING, L.LOGIN_RESTORE_FAILED}),
    L.SERVER_ACCESS: frozenset({L.CONNECTING, L.LOGIN_RESTORE_FAILED}),
}


def check_login_transition(current: LOGIN_STATES | None, new: LOGIN_STATES) -> None:
    if new not in LOGIN_TABLE[current]:
        raise CallStateError(f"login state cannot go from {current} to {new}")
