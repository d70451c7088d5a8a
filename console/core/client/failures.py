"""Why the last login failed, as typed data: the transport's failure kind or the switch's error code.

The seed reports one login state (``SERVER_ACCESS``) for a wrong password, a
refused connection, a malformed address and a TLS mismatch alike; the
session keeps the cause here so an application can tell the operator which.
"""

from __future__ import annotations

from enum import StrEnum

from console.core.enums import LOGIN_STATES, ErrorCode
from console.core.errors import CommError, ConsoleError, RemoteProtocolError, RequestRefused, RequestTimeout


class LoginFailureKind(StrEnum):
    CREDENTIALS = "credentials"  # wrong username, password or token
    UNREACHABLE = "unreachable"  # nothing answered: refused, timed out, no route, the connection dropped
    BAD_URL = "bad_url"  # the server address cannot be used
    TLS = "tls"  # the TLS handshake failed (a plain port, no common protocol)
    CERTIFICATE = "certificate"  # the server's certificate did not verify (an untrusted CA, another name, expired)
    REJECTED = "rejected"  # the server answered and said no (WebSocket refused, no dial string, limits ...)
    SESSION_EXPIRED = "session_expired"  # a restore the switch no longer knows
    INTERNAL = "internal"  # a fault in the console's comm (or its factory), not the server: reported with its type
    CLEARTEXT = "cleartext"  # refused before connecting: no TLS to another host, and cleartext not allowed


_COMM = {"unreachable": LoginFailureKind.UNREACHABLE, "bad_url": LoginFailureKind.BAD_URL,
         "tls": LoginFailureKind.TLS, "certificate": LoginFailureKind.CERTIFICATE,
         "rejected": LoginFailureKind.REJECTED, "internal": LoginFailureKind.INTERNAL}


def of_connect_failure(error: CommError) -> LoginFailureKind:
    return _COMM.get(str(getattr(error, "failure", "")), LoginFailureKind.UNREACHABLE)


def of_refusal(error: ConsoleError | None, restoring: bool) -> LoginFailureKind:
    """The kind for a login or restore request that failed with ``error``."""
    if isinstance(error, RequestRefused):
        if error.code == ErrorCode.AUTH_FAILED:
            return LoginFailureKind.CREDENTIALS
        if error.code == ErrorCode.RESTORE_FAILED:
            return LoginFailureKind.SESSION_EXPIRED
        return LoginFailureKind.REJECTED
    if isinstance(error, RequestTimeout):
        return LoginFailureKind.UNREACHABLE
    if restoring and isinstance(error, RemoteProtocolError):
        return LoginFailureKind.SESSION_EXPIRED
    return LoginFailureKind.REJECTED


_LOGIN_FAILURES = {
    str(ErrorCode.DIAL_STRING_MISSING): LOGIN_STATES.DIAL_STRING_MISSING,
    str(ErrorCode.NO_DIAL_STRING_FOR_USER): LOGIN_STATES.NO_DIAL_STRING_FOR_USER,
    str(ErrorCode.RESTORE_FAILED): LOGIN_STATES.LOGIN_RESTORE_FAILED,
}


def refused_login_state(error: ConsoleError | None, restore: bool) -> LOGIN_STATES:
    """The login state a refused login or restore ends in (the seed's states; the kind is :func:`of_refusal`)."""
    if isinstance(error, RequestRefused):
        return _LOGIN_FAILURES.get(error.code, LOGIN_STATES.SERVER_ACCESS)
    if restore and isinstance(error, RemoteProtocolError):
        return LOGIN_STATES.LOGIN_RESTORE_FAILED
    return LOGIN_STATES.SERVER_ACCESS
