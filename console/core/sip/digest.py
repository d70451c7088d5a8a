"""Digest authentication for SIP (RFC 7616 and RFC 2617 as RFC 3261 22 uses them).

Algorithms MD5 and SHA-256 (and their ``-sess`` forms), ``qop=auth`` or no qop.
:class:`DigestClient` keeps the nonce count per nonce and decides whether a
new challenge is worth answering: a second challenge in one exchange without
``stale=true`` means the credentials are wrong, and the stack reports that
instead of looping.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Callable

from .errors import SipParseError
from .uri import split_quoted

HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


@dataclass(frozen=True)
class Challenge:
    scheme: str
    realm: str
    nonce: str
    algorithm: str = "MD5"
    qop: tuple[str, ...] = ()
    opaque: str | None = None
    stale: bool = False

    @classmethod
    def parse(cls, value: str) -> Challenge:
        scheme, _, rest = value.strip().partition(" ")
        params = parse_auth_params(rest)
        if scheme.lower() != "digest":
            raise SipParseError(f"unsupported auth scheme {scheme[:20]!r}")
        if "nonce" not in params:
            raise SipParseError("digest challenge without nonce")
        qop = tuple(q.strip().lower() for q in params.get("qop", "").split(",") if q.strip())
        return cls("Digest", params.get("realm", ""), params["nonce"], params.get("algorithm", "MD5").upper(),
                   qop, params.get("opaque"), params.get("stale", "").lower() == "true")

    @property
    def supported(self) -> bool:
        base = self.algorithm.removesuffix("-SESS")
        return base in HASHES and (not self.qop or "auth" in self.qop)


def parse_auth_params(text: str) -> dict[str, str]:
    params = {}
    for part in split_quoted(text, ","):
        name, eq, value = part.strip().partition("=")
        if not eq:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        params[name.strip().lower()] = value
    return params


def _h(algorithm: str, text: str) -> str:
    return HASHES[algorithm.upper().removesuffix("-SESS")](text.encode()).hexdigest()


def ha1_key(challenge: Challenge) -> str:
    """Where a saved H(A1) for this challenge is kept: ``"<hash>:<realm>"``."""
    return f"{challenge.algorithm.upper().removesuffix('-SESS')}:{challenge.realm}"


def response(challenge: Challenge, *, method: str, uri: str, username: str, password: str,
             cnonce: str = "", nc: int = 1, ha1: str | None = None) -> str:
    """The ``response`` value of RFC 7616 3.4.1 (qop=auth or none); ``ha1`` instead of the password if saved."""
    alg = challenge.algorithm
    if ha1 is None:
        ha1 = _h(alg, f"{username}:{challenge.realm}:{password}")
    if alg.endswith("-SESS"):
        ha1 = _h(alg, f"{ha1}:{challenge.nonce}:{cnonce}")
    ha2 = _h(alg, f"{method}:{uri}")
    if "auth" in challenge.qop:
        return _h(alg, f"{ha1}:{challenge.nonce}:{nc:08x}:{cnonce}:auth:{ha2}")
    return _h(alg, f"{ha1}:{challenge.nonce}:{ha2}")


def authorization(challenge: Challenge, *, method: str, uri: str, username: str, password: str,
                  cnonce: str = "", nc: int = 1, ha1: str | None = None) -> str:
    digest = response(challenge, method=method, uri=uri, username=username, password=password, cnonce=cnonce, nc=nc,
                      ha1=ha1)
    parts = [f'username="{username}"', f'realm="{challenge.realm}"', f'nonce="{challenge.nonce}"',
             f'uri="{uri}"', f'response="{digest}"', f"algorithm={challenge.algorithm}"]
    if challenge.opaque is not None:
        parts.append(f'opaque="{challenge.opaque}"')
    if "auth" in challenge.qop:
        parts += ["qop=auth", f"nc={nc:08x}", f'cnonce="{cnonce}"']
    return "Digest " + ", ".join(parts)


@dataclass
class DigestClient:
    """Answers 401/407 challenges for one set of credentials."""

    username: str
    password: str
    random_hex: Callable[[], str] = field(default=lambda: secrets.token_hex(8))  # injectable for tests
    saved_ha1: dict[str, str] = field(default_factory=dict)  # ha1_key -> H(A1): credentials kept without the password
    _nc: dict[str, int] = field(default_factory=dict)
    _current: dict[str, Challenge] = field(default_factory=dict)  # header name -> challenge

    def on_challenge(self, status: int, header_values: list[str], first: bool = True) -> bool:
        """Take the challenges of a 401/407; ``True`` if a retry makes sense.

        ``first`` is False when the challenged request already answered a challenge of the same
        exchange: then only ``stale=true`` earns another try (servers such as Kamailio send a new
        nonce with every challenge, so a refused password does not repeat the nonce).
        """
        header = "Authorization" if status == 401 else "Proxy-Authorization"
        usable = []
        for value in header_values:
            try:
                challenge = Challenge.parse(value)
            except SipParseError:
                continue
            if challenge.supported:
                usable.append(challenge)
        if not usable:
            return False
        # prefer SHA-256 over MD5 (RFC 8760 3: the first one we support in the server's order)
        usable.sort(key=lambda c: 0 if c.algorithm.startswith("SHA-256") else 1)
        challenge = usable[0]
        if not challenge.stale and not first:
            return False  # the credentials were refused
        self._current[header] = challenge
        return True

    def headers_for(self, method: str, uri: str) -> list[tuple[str, str]]:
        """Authorization headers for the next request (nc counts up per nonce)."""
        out = []
        for header, challenge in self._current.items():
            nc = self._nc.get(challenge.nonce, 0) + 1
            self._nc[challenge.nonce] = nc
            out.append((header, authorization(challenge, method=method, uri=uri, username=self.username,
                                              password=self.password, cnonce=self.random_hex(), nc=nc,
                                              ha1=None if self.password else self.saved_ha1.get(ha1_key(challenge)))))
        return out

    def ha1s(self) -> dict[str, str]:
        """H(A1) for every realm answered so far (to restore a login without keeping the password)."""
        out = dict(self.saved_ha1)
        if self.password:
            for challenge in self._current.values():
                base = challenge.algorithm.upper().removesuffix("-SESS")
                out[ha1_key(challenge)] = _h(base, f"{self.username}:{challenge.realm}:{self.password}")
        return out
