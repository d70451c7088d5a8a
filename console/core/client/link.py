"""What the session's collaborators may ask of the session (composition, websockets-style: they hold this
small interface, never the session's private members). :class:`~console.core.client.session.ClientSession`
implements it."""

from __future__ import annotations

from typing import Protocol

from console.core.enums import LOGIN_STATES
from console.core.errors import ConsoleError
from console.core.machines import CallRequest

from .calls import CallRecord
from .wire import CallCommand, Request, WireCapabilities


class SessionLink(Protocol):
    login_state: LOGIN_STATES | None

    @property
    def capabilities(self) -> WireCapabilities: ...

    @property
    def wire_name(self) -> str: ...

    @property
    def is_open(self) -> bool:
        """The connection that counts has opened (requests can be sent)."""

    def send(self, request: Request, now: float, record: CallRecord | None = None) -> int: ...

    def send_call(self, record: CallRecord, command: CallCommand, now: float) -> None: ...

    def refuse(self, record: CallRecord, request: CallRequest) -> bool:
        """Report (and return True) if ``request`` does not apply to the call now."""

    def fail_request(self, record: CallRecord, command: CallCommand, error: ConsoleError) -> None: ...

    def media_failure(self, record: CallRecord, error: ConsoleError, now: float) -> None: ...
