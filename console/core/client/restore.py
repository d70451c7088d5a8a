"""Restore sequencing, sans I/O: what a restored login does to the calls the console still shows.

The switch's list of the session's calls is the truth: a call it names is refreshed (or added, if this console
had forgotten it) and reported with ``RestoredCall`` and a forced ``CallChanged``; a call it does not name ended
while the connection was lost. The presence subscription is renewed by
:class:`~console.core.client.attendant_requests.AttendantRequests`.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from console.core.callinfo import CallInfo
from console.core.enums import CALL_STATES, DISC_REASON

from . import events as ev
from .callbook import CallBook
from .calls import CallRecord
from .wire import LoginRequest, RestoreRequest

log = logging.getLogger("console.core.client")


def restore_calls(book: CallBook, calls: tuple[CallInfo, ...]) -> None:
    seen: set[str] = set()
    for info in calls:
        seen.add(info.call)
        record = book.by_id.get(info.call)
        if record is None or record.ended:
            record = book.add(CallRecord(book.new_ref(), info.direction, info.state, id=info.call))
        previous = record.state
        record.absorb(info)
        record.state = info.state
        record.video = info.video
        if info.held_by_remote is not None:
            record.held_by_remote = info.held_by_remote
        book.out.append(ev.RestoredCall(record.ref))
        book.out.append(ev.CallChanged(record.ref, info.state, previous, forced=True))
        if info.state is CALL_STATES.DISCONNECTED:
            book.forget(record)
    for record in list(book.records.values()):
        if not record.ended and record.id not in seen:
            log.info("call %s ended while the connection was lost", record.id)
            book.end(record, DISC_REASON.ERROR)


def with_client(request: LoginRequest | RestoreRequest, client: str | None) -> LoginRequest | RestoreRequest:
    """The login or restore, naming the client unless it names one already."""
    return request if request.client or not client else replace(request, client=client)
