"""The conference extension on the client's side (docs/PROTOCOL.md, "Conference"), sans I/O.

Joining and leaving are requests to the switch; what is in which conference is only ever what the switch
reports (``conference_state``), applied to the calls here.
"""

from __future__ import annotations

from console.core.errors import CallStateError, ConsoleError, LocalProtocolError
from console.core.enums import LOGIN_STATES
from console.core.machines import TALKING_STATES

from . import events as ev
from .callbook import CallBook
from .link import SessionLink
from .wire import ConferenceCommand, ConferenceReport


class Conferences:
    def __init__(self, link: SessionLink, book: CallBook) -> None:
        self.link = link
        self.book = book

    def join(self, refs: list[int], now: float) -> None:
        """Join these calls (and their far ends) into one conference at the switch."""
        records = [self.book.records.get(ref) for ref in refs]
        first = refs[0] if refs else None
        if len(set(refs)) < 2 and not any(r is not None and r.conference for r in records):
            return self.book.report(first, CallStateError("a conference needs two calls (or one and a conference)"))
        for ref, record in zip(refs, records):
            if record is None or record.ended or record.id is None or record.state not in TALKING_STATES:
                return self.book.report(ref, CallStateError("a conference joins calls that are connected or on hold"))
        if not self.link.is_open or self.link.login_state is not LOGIN_STATES.SUCCESS:
            return self.book.report(first, CallStateError("conference: not logged in"))
        if not self._carried():  # our protocol's extension, or mixed in the console (SIP)
            return self.book.report(first, LocalProtocolError(f"conference is not supported by the {self.link.wire_name} wire"))
        joining = [r for r in records if r is not None]  # all of them (checked above)
        # sent on behalf of the first call (the one the operator chose): a refusal is reported on it, "[slot] ..."
        self.link.send(ConferenceCommand(calls=tuple(r.id for r in joining if r.id is not None)), now, joining[0])
        return None

    def leave(self, ref: int, now: float) -> None:
        """Leave the conference call ``ref`` is in: our calls in it end, the other parties stay connected."""
        record = self.book.records.get(ref)
        if record is None or record.ended or not record.conference:
            return self.book.report(ref, CallStateError("leave_conference: the call is not in a conference"))
        if not self.link.is_open or self.link.login_state is not LOGIN_STATES.SUCCESS:
            return self.book.report(ref, CallStateError("leave_conference: not logged in"))
        if not self._carried():
            return self.book.report(ref, LocalProtocolError(f"leave_conference is not supported by the {self.link.wire_name} wire"))
        self.link.send(ConferenceCommand(conference=record.conference, leave=True), now, record)
        return None

    def _carried(self) -> bool:
        capabilities = self.link.capabilities
        return capabilities.attendant or capabilities.local_conference

    def failed(self, request: ConferenceCommand, ref: int | None, error: ConsoleError) -> None:
        """Success needs nothing: ``conference_state`` reports follow."""
        self.book.report(ref, error.failed("leave_conference" if request.leave else "conference"))

    def report(self, report: ConferenceReport) -> None:
        members = set(report.calls)
        for record in self.book.records.values():
            inside = record.id in members and report.parties > 0
            if inside:
                changed = record.conference != report.conference or record.conference_parties != report.parties
                record.conference, record.conference_parties = report.conference, report.parties
            elif record.conference == report.conference:
                changed = True
                record.conference, record.conference_parties = "", 0
            else:
                changed = False
            if changed and not record.ended:
                self.book.out.append(ev.ConferenceChanged(record.ref, record.conference, record.conference_parties))
