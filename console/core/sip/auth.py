"""Answering 401/407: digest with the password, or ``Authorization: Bearer`` with a token (RFC 8898).

A console logged in with a JWT (``login_with_token``) has no password; when
the server offers the Bearer scheme the token is sent as is. A server that
only offers digest cannot be answered with a token: the stack reports the
refusal instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .digest import DigestClient


@dataclass
class Authenticator:
    username: str
    password: str
    token: str | None = None
    random_hex: Callable[[], str] | None = None
    saved_ha1: dict[str, str] = field(default_factory=dict)
    _digest: DigestClient = field(init=False)
    _bearer_header: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.random_hex is None:
            self._digest = DigestClient(self.username, self.password, saved_ha1=dict(self.saved_ha1))
        else:
            self._digest = DigestClient(self.username, self.password, self.random_hex, saved_ha1=dict(self.saved_ha1))

    def on_challenge(self, status: int, header_values: list[str], first: bool = True) -> bool:
        header = "Authorization" if status == 401 else "Proxy-Authorization"
        if self.token is not None:
            if any(v.strip().lower().startswith("bearer") for v in header_values) and first:
                self._bearer_header = header
                return True
            return False  # a token, but the server wants digest (or refused the token)
        return self._digest.on_challenge(status, header_values, first)

    def headers_for(self, method: str, uri: str) -> list[tuple[str, str]]:
        if self._bearer_header is not None and self.token is not None:
            return [(self._bearer_header, f"Bearer {self.token}")]
        return self._digest.headers_for(method, uri)

    def ha1s(self) -> dict[str, str]:
        return self._digest.ha1s()
