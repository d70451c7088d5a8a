"""What the session's collaborators may ask of it (composition, websockets-style: they hold these small
interfaces, never the session's private members). :class:`~console.core.client.session.ClientSession`
implements :class:`SessionLink`."""

from __future__ import annotations

from typing import Protocol

from console.core.enums import LOGIN_STATES
from console.core.errors import ConsoleError
from console.core.machines import CallRequest

from .calls import CallRecord
from .wire import CallCommand, Request, WireCapabilities


class SessionLink(Protocol):
    """What every collaborator may ask of the session."""

    login_state: LOGIN_STATES | None
    number: str | None  # this console's own number and name, once logged in
    name: str | None

    @property
    def capabilities(self) -> WireCapabilities: ...

    @property
    def wire_name(self) -> str: ...

    @property
    def is_open(self) -> bool:
        """The connection that counts has opened (requests can be sent)."""

    def send(self, request: Request, now: float, record: CallRecord | None = None) -> int: ...


class CallLink(Protocol):
    """What the offer/answer driver asks of the call requests
    (:class:`~console.core.client.call_requests.CallRequests` implements it)."""

    @property
    def login_state(self) -> LOGIN_STATES | None: ...

    @property
    def capabilities(self) -> WireCapabilities: ...

    @property
    def is_open(self) -> bool: ...

    def send_call(self, record: CallRecord, command: CallCommand, now: float) -> None: ...

    def refuse(self, record: CallRecord, request: CallRequest) -> bool:
        """Report (and return True) if ``request`` does not apply to the call now."""

    def fail_request(self, record: CallRecord, command: CallCommand, error: ConsoleError) -> None: ...

    def media_failure(self, record: CallRecord, error: ConsoleError, now: float) -> None: ...
