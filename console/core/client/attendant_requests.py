"""The attendant extension's session-wide requests (docs/PROTOCOL.md): directory, presence, DND, forwarding;
and the queues' pause and status (sent only on a wire whose capabilities say ``queues``).

Sent only when logged in on a wire that declares the extension; their results become events. A presence
subscription outlives a restore: the session subscribes again for a fresh snapshot of what it missed.
"""

from __future__ import annotations

from console.core.enums import LOGIN_STATES
from console.core.errors import CommClosed, ConsoleError, LocalProtocolError

from . import events as ev
from .callbook import CallBook
from .link import SessionLink
from .wire import (
    QUEUE_REQUESTS, AttendantRequest, DirectoryRequest, DndRequest, ForwardingRequest, QueuePauseRequest,
    QueueStatusRequest, Reply, SubscribeRequest, request_name,
)

_SETTINGS = {DndRequest: "dnd", ForwardingRequest: "forwarding", QueuePauseRequest: "queue_pause"}


class AttendantRequests:
    def __init__(self, link: SessionLink, book: CallBook) -> None:
        self.link = link
        self.book = book
        self.subscribed = False  # presence: subscribe again after a restore
        self._resubscribe = False

    def send(self, request: AttendantRequest, now: float) -> None:
        link = self.link
        if link.login_state is not LOGIN_STATES.SUCCESS or not link.is_open:
            return self.book.report(None, LocalProtocolError(
                f"{request_name(request)}: not logged in (login state {link.login_state})"))
        if isinstance(request, QUEUE_REQUESTS) and not link.capabilities.queues:
            return self.book.report(None, LocalProtocolError(
                f"{request_name(request)} is not supported by the {link.wire_name} wire (queues are the embedded "
                "switch's extension)"))
        if not (link.capabilities.attendant or link.capabilities.desk):
            return self.book.report(None, LocalProtocolError(
                f"{request_name(request)} is not supported by the {link.wire_name} wire"))
        if isinstance(request, SubscribeRequest):
            self.subscribed = bool(request.presence)
        link.send(request, now)
        return None

    def logged_in(self, restored: bool) -> None:
        """A new session forgets the subscription (the application subscribes again if it wants to);
        a restored one renews it once the login's outcome is handled (:meth:`renew`)."""
        if not restored:
            self.subscribed = False
        self._resubscribe = restored and self.subscribed  # events missed while away: a fresh snapshot

    def renew(self, now: float) -> None:
        if self._resubscribe and self.link.is_open and self.link.login_state is LOGIN_STATES.SUCCESS:
            self._resubscribe = False
            self.link.send(SubscribeRequest(True), now)

    def outcome(self, request: AttendantRequest, reply: Reply | None, error: ConsoleError | None) -> None:
        out = self.book.out
        if error is not None or reply is None:
            if isinstance(request, SubscribeRequest) and request.presence and not isinstance(error, CommClosed):
                self.subscribed = False  # refused; a lost connection keeps it: a restore subscribes again
            self.book.report(None, (error or LocalProtocolError("no reply")).failed(request_name(request)))
            refused = _SETTINGS.get(type(request))
            if refused is not None:  # the console stops waiting for it (the next toggle starts from the truth)
                out.append(ev.SettingRefused(refused))
            return
        data = reply.attendant
        if isinstance(request, DirectoryRequest):
            out.append(ev.DirectoryReceived(data.entries or () if data else ()))
            if data is not None and data.orbits is not None:
                out.append(ev.OrbitsChanged(data.orbits, snapshot=True))
        elif isinstance(request, SubscribeRequest):
            if data is not None and data.presence is not None:
                out.append(ev.PresenceChanged(data.presence, snapshot=True))
            if data is not None and data.orbits is not None:
                out.append(ev.OrbitsChanged(data.orbits, snapshot=True))
        elif isinstance(request, QueueStatusRequest):
            if data is not None and data.queue is not None:
                out.append(ev.QueueStatusReceived(data.queue))
        elif isinstance(request, QueuePauseRequest):
            out.append(ev.QueuePauseConfirmed(data.queues or () if data else (), bool(request.paused)))
        else:
            out.append(ev.SettingConfirmed("dnd" if isinstance(request, DndRequest) else "forwarding"))
