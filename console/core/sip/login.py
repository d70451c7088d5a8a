"""Registration outcomes -> the seed's LOGIN_STATES (the table docs/SIP.md prints).

The SIP client session calls :func:`login_state` with what it knows: the
registration event, whether it was a restore (``try_restore_login``), and
whether the console was registered before (a failed refresh is an implicit
logout, not a failed login).
"""

from __future__ import annotations

from ..enums import LOGIN_STATES as L
from .events import Event, Registered, RegistrationFailed, Unregistered

# REGISTER final status -> state for a first login (refused credentials and unreachable servers are SERVER_ACCESS)
FAILED_LOGIN: dict[int, L] = {
    401: L.SERVER_ACCESS, 403: L.SERVER_ACCESS, 407: L.SERVER_ACCESS, 408: L.SERVER_ACCESS,
    404: L.NO_DIAL_STRING_FOR_USER,  # the registrar does not know this AOR
    484: L.DIAL_STRING_MISSING, 400: L.SERVER_ACCESS, 500: L.SERVER_ACCESS, 503: L.SERVER_ACCESS,
}


def login_state(event: Event, *, restoring: bool = False, was_registered: bool = False) -> L | None:
    """The login state an event means, or None if it does not change it."""
    if isinstance(event, Registered):
        return L.SUCCESS
    if isinstance(event, Unregistered):
        return L.LOGGED_OUT_EXPLICIT
    if isinstance(event, RegistrationFailed):
        if restoring:
            return L.LOGIN_RESTORE_FAILED
        if was_registered:
            return L.CONNECTION_LOST if event.status == 408 else L.LOGGED_OUT_IMPLICIT
        return FAILED_LOGIN.get(event.status, L.SERVER_ACCESS)
    return None


def transport_lost_state(registered: bool) -> L:
    """The WebSocket closed: CONNECTION_LOST while registered, SERVER_ACCESS while logging in."""
    return L.CONNECTION_LOST if registered else L.SERVER_ACCESS
