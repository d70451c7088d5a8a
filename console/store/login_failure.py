"""Why a login failed, in the operator's terms, from the URL and what the client reported.

The client reports one login state (``SERVER_ACCESS``) for a wrong password, a
refused connection, a malformed address and a TLS mismatch alike; it keeps the
cause as typed data (``last_login_failure``, a :class:`LoginFailureKind`),
which :func:`classify` prefers. A client that does not say (another
implementation of the port) is classified from its recent log lines.
Pure functions, no I/O.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from console.core.client.failures import LoginFailureKind
from console.core.enums import LOGIN_STATES

from .state import LoginFailure

_PATTERNS: tuple[tuple[LoginFailure, tuple[str, ...]], ...] = (
    (LoginFailure.TLS, ("ssl", "tls", "certificate", "wrong version number", "record layer", "handshake")),
    (LoginFailure.CREDENTIALS, ("auth", "password", "credential", "unauthori", "forbidden", "token",
                                "unknown user", "bad_login", "login_failed", "denied")),
    (LoginFailure.BAD_URL, ("invalid uri", "isn't a valid uri", "not a valid", "invalid url", "scheme",
                            "name or service not known", "nodename nor servname", "getaddrinfo",
                            "no address associated")),
    (LoginFailure.SESSION_EXPIRED, ("unknown session", "session", "expired", "identifier")),
    (LoginFailure.UNREACHABLE, ("refused", "unreachable", "timed out", "timeout", "connect call failed",
                                "no route", "reset", "closed", "errno")),
)


def check_url(server: str) -> str | None:
    """What is wrong with ``server`` as a switch address, or None if it looks usable."""
    text = server.strip()
    if not text:
        return "no server address"
    if any(ch.isspace() for ch in text):
        return f"{text!r} contains spaces"
    candidate = text if "://" in text else f"wss://{text}"
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError as exc:
        return f"{text!r}: {exc}"
    if parts.scheme.lower() not in ("ws", "wss", "http", "https", "sip+ws", "sip+wss"):
        return f"{text!r}: the scheme must be ws://, wss://, http://, https://, sip+ws:// or sip+wss://"
    if not parts.hostname:
        return f"{text!r} has no host name"
    if port == 0:
        return f"{text!r}: port 0 is not a port to connect to"
    return None


_KINDS = {
    LoginFailureKind.CREDENTIALS: LoginFailure.CREDENTIALS,
    LoginFailureKind.UNREACHABLE: LoginFailure.UNREACHABLE,
    LoginFailureKind.BAD_URL: LoginFailure.BAD_URL,
    LoginFailureKind.TLS: LoginFailure.TLS,
    LoginFailureKind.CERTIFICATE: LoginFailure.CERTIFICATE,
    LoginFailureKind.REJECTED: LoginFailure.REFUSED,
    LoginFailureKind.SESSION_EXPIRED: LoginFailure.SESSION_EXPIRED,
}


def classify(state: LOGIN_STATES, lines: list[str], restoring: bool, secure: bool = False,
             kind: LoginFailureKind | None = None) -> LoginFailure | None:
    """The failure behind a failed login ``state``: the client's ``kind`` if it gave one, else read from
    its recent log lines (oldest first).

    From log lines: a TLS connection that reached the port (nothing refused it) but died without a word
    during the handshake is a TLS failure: typically wss:// against a plain ws:// server.
    """
    if state is LOGIN_STATES.LOGIN_RESTORE_FAILED:
        return LoginFailure.SESSION_EXPIRED
    if state is not LOGIN_STATES.SERVER_ACCESS:
        return None
    if kind is not None:
        return _KINDS.get(kind, LoginFailure.REFUSED)
    for line in reversed(lines):
        lowered = line.lower()
        if secure and "cannot reach" in lowered and lowered.rstrip().endswith(":"):
            return LoginFailure.TLS
        for failure, needles in _PATTERNS:
            if any(needle in lowered for needle in needles):
                if failure is LoginFailure.SESSION_EXPIRED and not restoring:
                    continue
                return failure
    return LoginFailure.SESSION_EXPIRED if restoring else LoginFailure.REFUSED
