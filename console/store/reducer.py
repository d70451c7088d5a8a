"""The pure reducer: ``reduce(state, event) -> state``. No clock, no I/O, no client."""

from __future__ import annotations

from dataclasses import replace
from functools import singledispatch

from console.core.device_change import DeviceKind
from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction

from . import events as ev
from .contact import lose_contact, regain_contact
from .desk_state import DESK_EVENTS, ConsultEnded, ConsultStarted, reduce_desk
from .handover import HANDOVER_EVENTS, reduce_handover
from .state import (
    MAX_HISTORY_SHOWN,
    MAX_DIAL_HISTORY,
    MAX_DIGITS_SHOWN,
    MAX_LOG_LINES,
    AppState,
    CallKind,
    CallView,
    EndCause,
    HistoryItem,
    LogLevel,
    LogLine,
)

_HELD_STATES = frozenset({CALL_STATES.HELD, CALL_STATES.HOLDING})
_UP_STATES = frozenset({CALL_STATES.CONNECTED, CALL_STATES.HOLDING, CALL_STATES.HELD})

# Login states after which no call of the old session can still be alive.
_SESSION_OVER = frozenset({LOGIN_STATES.LOGGED_OUT_EXPLICIT, LOGIN_STATES.LOGGED_OUT_IMPLICIT})


def reduce(state: AppState, event: ev.Event) -> AppState:
    """Return the state after ``event``. Unknown events and events for unknown calls change nothing."""
    if isinstance(event, DESK_EVENTS):
        state = replace(state, desk=reduce_desk(state.desk, event))
        if isinstance(event, (ConsultStarted, ConsultEnded)):
            state = replace(state, calls=tuple(replace(c, consult=str(state.desk.role_of(c.key) or ""))
                                               for c in state.calls))
        return state
    if isinstance(event, HANDOVER_EVENTS):
        return reduce_handover(state, event)
    return _reduce(event, state)


@singledispatch
def _reduce(event: object, state: AppState) -> AppState:
    return state


@_reduce.register
def _(event: ev.LoginStarted, state: AppState) -> AppState:
    login = replace(state.login, server=event.server, username=event.username or state.login.username,
                    restoring=event.restoring, failure=None, failure_detail="")
    return replace(state, login=login, last_error="")


@_reduce.register
def _(event: ev.LoginChanged, state: AppState) -> AppState:
    login = state.login
    if event.state is LOGIN_STATES.SUCCESS:
        login = replace(login, state=event.state, number=event.number, display_name=event.display_name,
                        restoring=False, failure=None, failure_detail="")
        state = replace(state, last_error="")
    elif event.state is LOGIN_STATES.CONNECTING:
        login = replace(login, state=event.state)
    else:
        login = replace(login, state=event.state, restoring=False)
    state = replace(state, login=login)
    if event.state is LOGIN_STATES.SUCCESS:
        state = regain_contact(state)
    elif event.state is LOGIN_STATES.CONNECTION_LOST:
        state = lose_contact(state, event.at)
    level = LogLevel.INFO if event.state in (LOGIN_STATES.SUCCESS, LOGIN_STATES.CONNECTING,
                                              LOGIN_STATES.LOGGED_OUT_EXPLICIT) else LogLevel.WARNING
    state = _log(state, event.at, level, "login", f"login state {event.state}")
    if event.state in _SESSION_OVER or event.state is LOGIN_STATES.LOGIN_RESTORE_FAILED:
        cause = EndCause.LOGGED_OUT if event.state in _SESSION_OVER else EndCause.SERVER_LOST
        for call in state.calls:
            if not call.ended:
                state = _end(state, call, event.at, call.reason or DISC_REASON.ERROR, cause)
    return state


def _end(state: AppState, call: CallView, at: float, reason: DISC_REASON, cause: EndCause) -> AppState:
    """Mark ``call`` ended (once) and put it into the history pane."""
    ended = min(at, call.lost_at) if call.lost_at is not None else at  # what we last knew: when contact was lost
    transferred = (call.transfer_pending or bool(call.transferred_to)) and reason is DISC_REASON.SUCCESS
    if transferred:
        cause = EndCause.TRANSFERRED  # what it was, not "far end hung up"
    new = replace(call, state=CALL_STATES.DISCONNECTED, ended_at=ended, reason=reason, end_cause=cause,
                  pending=None, held_since=None, conference="", conference_parties=0,  # an ended call is in none
                  transferred=transferred, transfer_pending=False)
    state = _replace_call(state, new)
    talk = ended - new.connected_at if new.connected_at is not None else 0.0
    item = HistoryItem(kind=new.kind, number=new.remote_number, name=new.remote_name, started_wall=new.started_wall,
                       duration=round(max(0.0, talk), 1), reason=reason, cause=cause)
    state = replace(state, history=in_time_order(item, *state.history))
    text = f"[{new.slot}] {new.remote_number or '?'} {call.state} -> DISCONNECTED ({reason}, {cause})"
    if new.transferred and new.transferred_to:  # the cause says "transferred" already
        text += f" to {new.transferred_to}"
    if new.parked_on:
        text = f"[{new.slot}] parked {new.remote_name or new.remote_number or '?'} on {new.parked_on}"
    level = LogLevel.WARNING if new.kind in (CallKind.MISSED, CallKind.ABANDONED) or cause is EndCause.SERVER_LOST \
        else LogLevel.INFO
    return _log(state, at, level, "call", text)


def _derive_cause(call: CallView, reason: DISC_REASON) -> EndCause:
    if call.ever_connected or call.state in _UP_STATES:
        return EndCause.FAR_END
    if call.direction is Direction.IN:
        if reason is DISC_REASON.NOTSELECTED:
            return EndCause.ANSWERED_ELSEWHERE
        if reason is DISC_REASON.NOTRESPONDING:
            return EndCause.NOT_ANSWERED
        return EndCause.CALLER_GAVE_UP
    return EndCause.FAR_END


@_reduce.register
def _(event: ev.SavedSessionChanged, state: AppState) -> AppState:
    return replace(state, login=replace(state.login, saved_session=event.saved))


@_reduce.register
def _(event: ev.CallAdded, state: AppState) -> AppState:
    if state.call_by_key(event.key) is not None:
        return state
    previous = None
    if event.call_id is not None:
        previous = next((c for c in state.calls if c.call_id == event.call_id), None)
    slot = previous.slot if previous is not None else None
    if slot is None and event.slot_hint is not None and state.call_in(event.slot_hint) is None:
        slot = event.slot_hint
    if slot is None:
        slot = state.free_slot()
    if slot is None:
        return _log(state, event.at, LogLevel.WARNING, "console",
                    f"no free slot for the call from {event.remote_number or 'unknown'}")
    call = CallView(
        key=event.key, slot=slot, direction=event.direction, state=event.state, created_at=event.at,
        call_id=event.call_id, remote_number=event.remote_number, remote_name=event.remote_name,
        local_number=event.local_number, restored=event.restored, started_wall=event.wall,
        connected_at=event.at if event.restored and event.state in _UP_STATES else None,
        held_since=event.at if event.state in _HELD_STATES else None,
        remote_held=_remote_held(event.state, event.remote_held), ever_connected=event.state in _UP_STATES,
        recall_from=event.recall_from,
        origin=event.origin,
    )
    if event.age is not None:  # remembered from before a restart: the durations go on, not from 00:00
        call = replace(call, created_at=event.at - event.age, started_wall=event.wall - event.age)
    if event.talk_age is not None:  # the board file says it was answered that long ago
        call = replace(call, connected_at=event.at - event.talk_age, ever_connected=True)
    if event.hold_age is not None and call.held_since is not None:  # and on hold that long: recall goes on
        call = replace(call, held_since=event.at - event.hold_age)
    if previous is not None:
        call = replace(call, created_at=previous.created_at, connected_at=previous.connected_at or call.connected_at,
                       started_wall=previous.started_wall, digits_sent=previous.digits_sent,
                       digits_received=previous.digits_received)
    calls = tuple(sorted((*(c for c in state.calls if c is not previous), call), key=lambda c: c.slot))
    # Only the operator moves the selection: a call they dial is theirs to talk to; a caller ringing in
    # (or a call coming back with a restore) waits to be picked, so the next key is never for it unasked.
    focused = slot if event.direction is Direction.OUT and not event.restored else state.focused
    verb = {Direction.IN: "incoming call from", Direction.OUT: "calling"}[event.direction]
    if event.restored:
        verb = "restored call with"
    elif event.recall_from:
        verb = f"recall from {event.recall_from}:"
    elif event.origin is not None and event.origin.recall:
        verb = f"recall ({event.origin.recall_target} {event.origin.recall_reason}) of"
    who = event.remote_number or "?"
    state = replace(state, calls=calls, focused=focused)
    return _log(state, event.at, LogLevel.INFO, "call", f"[{slot}] {verb} {who} {event.remote_name}".rstrip())


def _remote_held(call_state: CALL_STATES, reported: bool | None) -> bool:
    """Whether the far end holds the call: as the client reports it, else as the state says (HOLDING)."""
    if call_state not in _UP_STATES:
        return False
    if reported is None or call_state is not CALL_STATES.HELD:
        return call_state is CALL_STATES.HOLDING  # CONNECTED and HOLDING say it themselves
    return reported


@_reduce.register
def _(event: ev.CallChanged, state: AppState) -> AppState:
    call = state.call_by_key(event.key)
    if call is None:
        return state
    changes: dict[str, object] = {
        "state": event.state, "audio": event.audio, "video": event.video,
        "call_id": event.call_id or call.call_id,
        "remote_number": event.remote_number or call.remote_number,
        "remote_name": event.remote_name or call.remote_name,
    }
    if event.origin is not None:
        changes["origin"] = event.origin
    if event.state in _UP_STATES and call.connected_at is None:
        changes["connected_at"] = event.at
    if event.state in _UP_STATES:
        changes["ever_connected"] = True
    if event.state is CALL_STATES.DISCONNECTED:
        if call.ended:
            return state  # the first DISCONNECTED wins
        reason = event.reason or DISC_REASON.ERROR
        cause = event.cause or (EndCause.PARKED if event.parked_on else _derive_cause(call, reason))
        changes["parked_on"] = event.parked_on
        state = _replace_call(state, replace(call, **{k: v for k, v in changes.items() if k != "state"}))
        return _end(state, state.call_by_key(event.key), event.at, reason, cause)  # type: ignore[arg-type]
    if event.state in _HELD_STATES and call.held_since is None:
        changes["held_since"] = event.at
    elif event.state not in _HELD_STATES:
        changes["held_since"] = None
    if event.remote_held is not None or event.state in (CALL_STATES.HOLDING, CALL_STATES.CONNECTED):
        changes["remote_held"] = _remote_held(event.state, event.remote_held)
    new = replace(call, **changes)
    state = _replace_call(state, new)
    if new.state is not call.state:
        text = f"[{new.slot}] {new.remote_number or '?'} {call.state} -> {new.state}"
        state = _log(state, event.at, LogLevel.INFO, "call", text)
    return state


@_reduce.register
def _(event: ev.CallFreed, state: AppState) -> AppState:
    call = state.call_by_key(event.key)
    if call is None:
        return state
    calls = tuple(c for c in state.calls if c.key != event.key)
    focused = None if state.focused == call.slot else state.focused  # on nothing, never on another call
    return replace(state, calls=calls, focused=focused)


@_reduce.register
def _(event: ev.CallFeatures, state: AppState) -> AppState:
    call = state.call_by_key(event.key)
    if call is None:
        return state
    member = not call.ended  # an ended call left its conference (the client keeps the last one it was in)
    return _replace_call(state, replace(call, muted=event.muted, recording=event.recording,
                                        conference=event.conference if member else "",
                                        conference_parties=event.conference_parties if member else 0))


@_reduce.register
def _(event: ev.DigitsSent, state: AppState) -> AppState:
    call = state.call_by_key(event.key)
    if call is None:
        return state
    return _replace_call(state, replace(call, digits_sent=(call.digits_sent + event.digits)[-MAX_DIGITS_SHOWN:]))


@_reduce.register
def _(event: ev.DigitsReceived, state: AppState) -> AppState:
    call = state.call_by_key(event.key)
    if call is None:
        return state
    received = (call.digits_received + event.digits)[-MAX_DIGITS_SHOWN:]
    return _replace_call(state, replace(call, digits_received=received))


@_reduce.register
def _(event: ev.TransferRequested, state: AppState) -> AppState:
    return _mark_transfer(state, (event.key_a, event.key_b), pending=True)


@_reduce.register
def _(event: ev.TransferFailed, state: AppState) -> AppState:
    return _mark_transfer(state, (event.key_a, event.key_b), pending=False)


def _mark_transfer(state: AppState, keys: tuple[str, str], pending: bool) -> AppState:
    for key in keys:
        call = state.call_by_key(key)
        if call is not None:
            state = _replace_call(state, replace(call, transfer_pending=pending))
    return state


@_reduce.register
def _(event: ev.FocusSlot, state: AppState) -> AppState:
    if state.call_in(event.slot) is None:
        return state
    return replace(state, focused=event.slot)


@_reduce.register
def _(event: ev.Dialed, state: AppState) -> AppState:
    number = event.number.strip()
    if not number:
        return state
    history = (number, *(n for n in state.dial_history if n != number))[:MAX_DIAL_HISTORY]
    return replace(state, dial_history=history)


@_reduce.register
def _(event: ev.HistoryLoaded, state: AppState) -> AppState:
    merged: list[str] = []
    for number in (*state.dial_history, *event.numbers):
        if number and number not in merged:
            merged.append(number)
    return replace(state, dial_history=tuple(merged[:MAX_DIAL_HISTORY]))


@_reduce.register
def _(event: ev.LogAppended, state: AppState) -> AppState:
    return _log(state, event.at, event.level, event.source, event.text)


@_reduce.register
def _(event: ev.RequestPending, state: AppState) -> AppState:
    call = state.call_by_key(event.key)
    if call is None or call.pending is event.request:
        return state
    return _replace_call(state, replace(call, pending=event.request))


@_reduce.register
def _(event: ev.CallRefused, state: AppState) -> AppState:
    item = HistoryItem(kind=CallKind.MISSED, number=event.number, name=event.name, started_wall=event.wall,
                       duration=0.0, reason=DISC_REASON.BUSY, cause=EndCause.NO_FREE_SLOT)
    text = f"refused a call from {event.number or 'unknown'} {event.name}".rstrip() + ": every slot is in use"
    state = replace(state, history=in_time_order(item, *state.history), refused=state.refused + 1,
                    last_error=text)
    return _log(state, event.at, LogLevel.WARNING, "call", text)


@_reduce.register
def _(event: ev.CallTurnedAway, state: AppState) -> AppState:
    item = HistoryItem(kind=CallKind.MISSED, number=event.number, name=event.name, started_wall=event.wall,
                       duration=0.0, cause=event.cause, to=event.to)
    why = "do not disturb" if event.cause is EndCause.DND else "forwarding"
    text = f"{event.number or 'unknown'} {event.name}".rstrip() + f" turned away by {why}"
    state = replace(state, history=in_time_order(item, *state.history), turned_away=state.turned_away + 1)
    return _log(state, event.at, LogLevel.INFO, "call", text + (f", sent to {event.to}" if event.to else ""))


@_reduce.register
def _(event: ev.HistoryItemsLoaded, state: AppState) -> AppState:
    return replace(state, history=in_time_order(*state.history, *event.items))


@_reduce.register
def _(event: ev.LoginFailed, state: AppState) -> AppState:
    return replace(state, login=replace(state.login, failure=event.failure, failure_detail=event.detail))


@_reduce.register
def _(event: ev.ErrorCleared, state: AppState) -> AppState:
    return replace(state, last_error="") if state.last_error else state


@_reduce.register
def _(event: ev.ErrorRaised, state: AppState) -> AppState:
    state = replace(state, last_error=event.text)
    return _log(state, event.at, LogLevel.ERROR, event.source, event.details or event.text)


@_reduce.register
def _(event: ev.DeviceChanged, state: AppState) -> AppState:
    """The latest news of each device; the same news again changes nothing (the event stream says it once)."""
    change = event.change
    if state.device(change.kind) == change:
        return state
    others = tuple(d for d in state.devices if d.kind is not change.kind)
    return replace(state, devices=tuple(sorted((*others, change), key=lambda d: list(DeviceKind).index(d.kind))))


def in_time_order(*items: HistoryItem) -> tuple[HistoryItem, ...]:
    """The history pane's order: newest first by when the call began (its "when"), the most recent kept."""
    return tuple(sorted(items, key=lambda item: item.started_wall, reverse=True))[:MAX_HISTORY_SHOWN]


def _replace_call(state: AppState, new: CallView) -> AppState:
    return replace(state, calls=tuple(new if c.key == new.key else c for c in state.calls))


def _log(state: AppState, at: float, level: LogLevel, source: str, text: str) -> AppState:
    seq = state.log_seq + 1
    line = LogLine(seq=seq, at=at, level=level, source=source, text=text)
    return replace(state, log=(*state.log, line)[-MAX_LOG_LINES:], log_seq=seq)
