"""The session's calls and what the wire says of them, sans I/O.

:class:`CallBook` owns every :class:`~console.core.client.calls.CallRecord` of a session: the application's
handles (``ref``) and the switch's ids, the reports that overtake their dial's result (orphans), and the call
states as the wire reports them, enforced against ``CALL_STATE_TABLE`` (a report outside it is a
:class:`RemoteProtocolError`, reported and ignored). Reports wait while an answer is being applied
(:attr:`Negotiation.holds_reports <console.core.client.negotiation.Negotiation.holds_reports>`).

It appends the events it causes to the session's list; the session decides what to send.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from console.core.callinfo import CallInfo
from console.core.enums import CALL_STATES, DISC_REASON, Direction, ErrorCode
from console.core.errors import CallStateError, ConsoleError, RemoteProtocolError
from console.core.machines import CallRequest, call_transition_ok

from . import events as ev
from .calls import CallRecord
from .negotiation import NegotiationState

log = logging.getLogger("console.core.client")


class CallBook:
    """See the module docstring. ``out``: the session's event list (shared, appended to)."""

    def __init__(self, out: list[ev.Event], max_orphans: int) -> None:
        self.out = out
        self.max_orphans = max_orphans
        self.records: dict[int, CallRecord] = {}  # ref -> record, the ended ones until the session flushes
        self.by_id: dict[str, CallRecord] = {}
        self.orphans: OrderedDict[str, CallInfo] = OrderedDict()  # reports no call claims yet (a dial's result will)
        self._next_ref = 1

    # -- records ---------------------------------------------------------------------------
    def new_ref(self) -> int:
        ref, self._next_ref = self._next_ref, self._next_ref + 1
        return ref

    def add(self, record: CallRecord) -> CallRecord:
        self.records[record.ref] = record
        if record.id is not None:
            self.by_id[record.id] = record
        return record

    def live(self, call_id: str) -> CallRecord | None:
        """The call the switch calls ``call_id``, if it has not ended."""
        record = self.by_id.get(call_id)
        return record if record is not None and not record.ended else None

    def get(self, ref: int, request: CallRequest) -> CallRecord | None:
        """The live record of ``ref``; an ended (forgotten) call is reported and None returned."""
        record = self.records.get(ref)
        if record is None or record.ended:
            self.report(ref, CallStateError(f"{request} is not possible in state {CALL_STATES.DISCONNECTED}"))
            return None
        return record

    def report(self, ref: int | None, error: ConsoleError) -> None:
        self.out.append(ev.ErrorReported(ref, error))

    def sweep(self) -> None:
        """Forget ended calls (the driver keeps its own handle), unless a hang-up or an answer still needs them."""
        for record in [r for r in self.records.values() if r.ended and not r.hangup_pending
                       and r.negotiation.state is not NegotiationState.APPLYING]:
            del self.records[record.ref]

    # -- states ----------------------------------------------------------------------------
    def set_state(self, record: CallRecord, state: CALL_STATES) -> None:
        if state == record.state:
            return
        previous, record.state = record.state, state
        self.out.append(ev.CallChanged(record.ref, state, previous))

    def end(self, record: CallRecord, reason: DISC_REASON) -> None:
        if record.ended:
            return
        record.reason = reason
        record.negotiation.drop()
        record.negotiation.held_back.clear()
        self.set_state(record, CALL_STATES.DISCONNECTED)
        self.forget(record)

    def forget(self, record: CallRecord) -> None:
        if record.id is not None and not record.hangup_pending:
            self.by_id.pop(record.id, None)

    def end_all(self, reason: DISC_REASON) -> None:
        for record in list(self.records.values()):
            if not record.ended:
                self.end(record, reason)

    # -- what the wire reports ----------------------------------------------------------------
    def call_report(self, info: CallInfo) -> None:
        record = self.by_id.get(info.call)
        if record is not None:
            if record.ended:
                return
            who = (record.remote_number, record.remote_name)
            record.absorb(info)
            if record.negotiation.holds_reports and info.state is not CALL_STATES.DISCONNECTED:
                record.negotiation.held_back.append(info)  # shown once the answer is applied
                return
            state = record.state
            self.apply(record, info)
            if record.state is state and who != (record.remote_number, record.remote_name) and not record.ended:
                # the far end changed (a transfer) without a state change: the state handler hears of it
                self.out.append(ev.CallChanged(record.ref, state, state, forced=True))
            return
        if info.direction is Direction.IN and info.state is CALL_STATES.OFFERING:
            record = self.add(CallRecord(self.new_ref(), Direction.IN, CALL_STATES.OFFERING, id=info.call, video=info.video))
            record.absorb(info)
            self.out.append(ev.IncomingCall(record.ref))
            return
        if any(c.id is None and c.dial_sent for c in self.records.values()):
            if len(self.orphans) >= self.max_orphans:
                self.orphans.popitem(last=False)
            self.orphans[info.call] = info  # a dial result will claim it
            return
        log.debug("a report about call %s, which this console does not know: ignored", info.call)

    def apply(self, record: CallRecord, info: CallInfo) -> None:
        if info.video != record.video:
            record.video = info.video
            self.out.append(ev.VideoChanged(record.ref, info.video))
        if info.held_by_remote is not None and info.held_by_remote != record.held_by_remote \
                and info.state is not CALL_STATES.DISCONNECTED:
            record.held_by_remote = info.held_by_remote
            self.out.append(ev.RemoteHoldChanged(record.ref, info.held_by_remote))
        if not call_transition_ok(record.state, info.state):
            self.report(record.ref, RemoteProtocolError(
                ErrorCode.MALFORMED, f"call {record.id}: the switch reported {record.state} -> {info.state}"))
            return
        if info.state is CALL_STATES.DISCONNECTED:
            self.end(record, info.reason or record.reason or DISC_REASON.ERROR)
        else:
            self.set_state(record, info.state)

    def release(self, record: CallRecord) -> None:
        """Apply the reports held back while the answer was being applied."""
        held, record.negotiation.held_back = record.negotiation.held_back, []
        for info in held:
            if record.ended:
                break
            self.apply(record, info)
