"""Time-limited TURN credentials for each login: coturn's ``use-auth-secret`` (the "TURN REST API") scheme.

The switch and the TURN server share a secret (coturn: ``static-auth-secret``). For each login
the switch hands the console, in its ``ice_servers``, a username ``"<expiry unix time>:<user>"``
and the credential ``base64(HMAC-SHA1(secret, username))``. coturn recomputes the credential
from the username and refuses it once the expiry has passed, so a credential that leaks (a
log, a stolen laptop) is worth nothing after ``turn_ttl`` seconds, and the secret itself
never leaves the server. A restore hands out fresh ones.

Sans-I/O: time is an argument.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

DEFAULT_TTL = 86400  # a day: coturn's examples and the draft's recommendation
MIN_TTL, MAX_TTL = 60, 30 * 86400


def turn_credentials(secret: str, user: str, now: float, ttl: int) -> tuple[str, str]:
    """``(username, credential)`` valid until ``now + ttl`` for coturn's ``use-auth-secret``."""
    username = f"{int(now) + int(ttl)}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def turn_ice_servers(urls: tuple[str, ...], secret: str | None, user: str, now: float,
                     ttl: int = DEFAULT_TTL) -> list[dict[str, Any]]:
    """The RTCIceServer entry for ``urls`` with fresh credentials for ``user`` (nothing without urls or secret)."""
    if not urls or not secret:
        return []
    username, credential = turn_credentials(secret, user, now, ttl)
    return [{"urls": list(urls), "username": username, "credential": credential}]
