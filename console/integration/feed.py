"""The event feed: a store subscriber that turns each new :class:`~console.store.state.AppState` into events.

Schema v1 (docs/EVENTS.md): every event is one JSON object, ``{"v": 1, "seq", "time", "type", ...}``. The feed
diffs the state it last saw with the new one (calls by their store key, the login, the desk's presence and
settings, the audio devices' news) and hands each event to its sinks. It is pure: no asyncio, no sockets, no
files; the wall clock is an argument. Sinks are called synchronously and must not block (queue and return): the
socket server, the headless stdout writer and the other producers' effects (webhooks, screen pop) are sinks.

Diffing is by identity first: the store replaces only what changed, so a state whose ``calls`` tuple (or one
call's view) is the object seen last time costs nothing; a log line appended does not walk the calls.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any, Callable, Protocol

from console.core.device_change import DeviceChange
from console.core.enums import CALL_STATES, Direction
from console.store.state import AppState, CallView, EndCause, LoginView

SCHEMA_VERSION = 1
Event = dict[str, Any]
Sink = Callable[[Event], None]

log = logging.getLogger("console.integration")

_TRANSFER_DONE = frozenset({EndCause.TRANSFERRED})


class TransferOutcome(StrEnum):
    REQUESTED = "requested"  # this console sent it
    REFUSED = "refused"  # the switch refused it: the call goes on here
    COMPLETED = "completed"  # the call was handed on (it ended here)


class RecallKind(StrEnum):
    PARK = "park"  # back from an orbit nobody picked it up from
    TRANSFER = "transfer"  # back from a transfer target that did not take it


class StoreLike(Protocol):
    @property
    def state(self) -> AppState: ...

    def subscribe(self, fn: Callable[[AppState], None]) -> Callable[[], None]: ...


def utc_stamp(seconds: float) -> str:
    """``2026-12-06T22:30:00.123Z``: UTC, milliseconds."""
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def call_fields(call: CallView) -> dict[str, Any]:
    """The fields every call event carries (the contract's "same call fields")."""
    return {
        "call": call.key,
        "call_id": call.call_id,
        "state": call.state.name,
        "reason": call.reason.name if call.reason is not None else None,
        "direction": call.direction.value,
        "number": call.remote_number,
        "name": call.remote_name,
        "local_number": call.local_number,
        "slot": call.slot,
    }


def login_fields(login: LoginView) -> dict[str, Any]:
    return {"state": login.state.name if login.state is not None else None, "number": login.number,
            "display_name": login.display_name, "server": login.server}


def device_fields(change: DeviceChange) -> dict[str, Any]:
    """A ``device`` event's fields (docs/EVENTS.md)."""
    return {"kind": change.kind.value, "name": change.name, "state": change.state.value,
            "reason": change.reason.value if change.reason is not None else None, "spec": change.spec}


def _seconds(start: float | None, end: float | None) -> float | None:
    if start is None or end is None:
        return None
    return round(max(0.0, end - start), 3)


class EventFeed:
    """Subscribes to ``store`` and emits schema-v1 events to its sinks, numbered from 1."""

    def __init__(self, store: StoreLike, *, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._sinks: list[Sink] = []
        self._seq = 0
        self._pending: deque[Event] = deque()
        self._publishing = False
        state = store.state
        self._calls: dict[str, CallView] = {c.key: c for c in state.calls}  # what the events have said so far
        self._rang: set[str] = {c.key for c in state.calls if c.ringing_in or c.ever_connected}
        self._answered: set[str] = {c.key for c in state.calls if c.ever_connected}
        self._seen_calls: tuple[CallView, ...] = state.calls
        self._login = state.login
        self._presence = state.desk.presence
        self._settings = (state.desk.dnd, state.desk.forwarding, state.desk.queue_paused)
        self._devices = state.devices
        self._unsubscribe = store.subscribe(self._on_state)

    # -- the contract ----------------------------------------------------------------------------
    def add_sink(self, sink: Sink) -> Callable[[], None]:
        """Hear every event from now on; returns the way to stop."""
        self._sinks.append(sink)

        def remove() -> None:
            if sink in self._sinks:
                self._sinks.remove(sink)

        return remove

    def publish(self, event_type: str, **fields: Any) -> None:
        """Emit one event (for other producers: statistics, devices, ...); ``fields`` must be JSON values."""
        self._seq += 1
        event: Event = {"v": SCHEMA_VERSION, "seq": self._seq, "time": utc_stamp(self._wall()), "type": event_type}
        event.update(fields)
        self._pending.append(event)
        if self._publishing:  # published by a sink: every sink hears it after the event it is hearing now
            return
        self._publishing = True
        try:
            while self._pending:
                event = self._pending.popleft()
                for sink in list(self._sinks):
                    try:
                        sink(event)
                    except Exception:  # one broken sink must not cost the others their events, nor the store its state
                        log.exception("event sink %r failed", sink)
        finally:
            self._publishing = False

    def close(self) -> None:
        self._unsubscribe()
        self._sinks.clear()

    # -- the diff ------------------------------------------------------------------------------------
    def _on_state(self, state: AppState) -> None:
        if state.login is not self._login:
            self._login_changed(self._login, state.login)
            self._login = state.login
        if state.calls is not self._seen_calls:
            self._calls_changed(state.calls)
            self._seen_calls = state.calls
        desk = state.desk
        if desk.presence is not self._presence:
            self._presence_changed(self._presence, desk.presence)
            self._presence = desk.presence
        if (desk.dnd, desk.forwarding, desk.queue_paused) != self._settings:
            self._settings = (desk.dnd, desk.forwarding, desk.queue_paused)
            self.publish("settings", dnd=desk.dnd, forwarding=desk.forwarding, queue_paused=desk.queue_paused)
        if state.devices is not self._devices:
            self._devices_changed(self._devices, state.devices)
            self._devices = state.devices

    def _login_changed(self, old: LoginView, new: LoginView) -> None:
        if (old.state, old.number, old.display_name, old.server) != (new.state, new.number, new.display_name,
                                                                      new.server) and new.state is not None:
            self.publish("login", **login_fields(new))

    def _presence_changed(self, old: tuple, new: tuple) -> None:
        before = dict(old)
        for number, presence in new:
            if before.get(number) is not presence:
                self.publish("presence", number=number, state=str(presence))

    def _devices_changed(self, old: tuple[DeviceChange, ...], new: tuple[DeviceChange, ...]) -> None:
        for change in new:
            if change not in old:  # the store keeps one piece of news per device: a new one is a change
                self.publish("device", **device_fields(change))

    def _calls_changed(self, calls: tuple[CallView, ...]) -> None:
        present = set()
        for call in calls:
            present.add(call.key)
            old = self._calls.get(call.key)
            if old is call:
                continue
            self._calls[call.key] = call
            self._call_changed(old, call)
        for key in [k for k in self._calls if k not in present]:  # freed: its card is gone
            gone = self._calls.pop(key)
            if not gone.ended:  # freed without ending (a dial the client refused): it ended all the same
                self.publish("call.ended", **call_fields(gone), talk=None, waited=None, cause=None)
            self._rang.discard(key)
            self._answered.discard(key)

    def _call_changed(self, old: CallView | None, new: CallView) -> None:
        fields = call_fields(new)
        if old is None and new.restored:
            # after a restart: rung, answered or recalled before it (the same call_id), so not again
            self._already_said(new)
        elif old is None and (new.recall_from or (new.origin is not None and new.origin.recall)):
            origin = new.origin
            came_from = new.recall_from or (origin.recall_target if origin else "")
            self.publish("recall", call=new.key, **{"from": came_from},
                         kind=RecallKind.PARK if new.recall_from else RecallKind.TRANSFER,
                         reason=origin.recall_reason.name if origin and origin.recall_reason else None)
        if old is None or old.state is not new.state or old.reason is not new.reason:
            self.publish("call.state", **fields)
            if new.direction is Direction.IN and new.ringing_in and new.key not in self._rang:
                self._rang.add(new.key)
                self.publish("call.ringing", **fields)
            if new.state is CALL_STATES.CONNECTED and new.key not in self._answered:
                self._answered.add(new.key)
                self.publish("call.answered", **fields)
        self._features_changed(old, new)
        if new.ended and (old is None or not old.ended):
            waited_until = new.connected_at if new.connected_at is not None else new.ended_at
            self.publish("call.ended", **fields, talk=_seconds(new.connected_at, new.ended_at),
                         waited=_seconds(new.created_at, waited_until),
                         cause=str(new.end_cause) if new.end_cause is not None else None)

    def _already_said(self, call: CallView) -> None:
        if call.ringing_in or call.ever_connected:
            self._rang.add(call.key)
        if call.ever_connected:
            self._answered.add(call.key)

    def _features_changed(self, old: CallView | None, new: CallView) -> None:
        """Transfer, park and conference: what this call's card says beyond its state."""
        was_to = old.transferred_to if old is not None else ""
        if new.transferred_to and new.transferred_to != was_to:
            self.publish("transfer", call=new.key, to=new.transferred_to, outcome=TransferOutcome.REQUESTED)
        elif was_to and not new.transferred_to and not new.ended:
            self.publish("transfer", call=new.key, to=was_to, outcome=TransferOutcome.REFUSED)
        elif old is not None and not old.transfer_pending and new.transfer_pending:
            self.publish("transfer", call=new.key, to=None, outcome=TransferOutcome.REQUESTED)
        elif old is not None and old.transfer_pending and not new.transfer_pending and not new.transferred \
                and not new.ended:
            self.publish("transfer", call=new.key, to=None, outcome=TransferOutcome.REFUSED)
        if new.ended and (old is None or not old.ended) and (new.transferred or new.end_cause in _TRANSFER_DONE):
            self.publish("transfer", call=new.key, to=new.transferred_to or None, outcome=TransferOutcome.COMPLETED)
        if new.parked_on and (old is None or old.parked_on != new.parked_on):
            self.publish("park", call=new.key, orbit=new.parked_on)
        old_room = (old.conference, old.conference_parties) if old is not None else ("", 0)
        if (new.conference, new.conference_parties) != old_room and (new.conference or old_room[0]):
            self.publish("conference", call=new.key, conference=new.conference or None,
                         parties=new.conference_parties)
