"""SIP URIs (RFC 3261 19.1): ``sip:user@host:port;params?headers``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import SipParseError

_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$")
_USER_OK = re.compile(r"^[A-Za-z0-9\-_.!~*'()&=+$,;?/%:]*$")
SCHEMES = ("sip", "sips")


def parse_params(text: str) -> dict[str, str | None]:
    """``;a=1;b`` -> {"a": "1", "b": None}; names are lower-cased, quotes kept off."""
    params: dict[str, str | None] = {}
    for part in split_quoted(text, ";"):
        part = part.strip()
        if not part:
            continue
        name, eq, value = part.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        params[name.strip().lower()] = value if eq else None
    return params


def format_params(params: dict[str, str | None]) -> str:
    return "".join(f";{k}" if v is None else f";{k}={v}" for k, v in params.items())


def split_quoted(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside double quotes and angle brackets."""
    parts, cur, quoted, angle, escape = [], [], False, 0, False
    for ch in text:
        if escape:
            cur.append(ch)
            escape = False
            continue
        if ch == "\\" and quoted:
            escape = True
        elif ch == '"':
            quoted = not quoted
        elif not quoted and ch == "<":
            angle += 1
        elif not quoted and ch == ">":
            angle = max(0, angle - 1)
        if ch == sep and not quoted and not angle:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


@dataclass(frozen=True)
class SipUri:
    host: str
    user: str | None = None
    port: int | None = None
    scheme: str = "sip"
    params: dict[str, str | None] = field(default_factory=dict)
    headers: str = ""

    @classmethod
    def parse(cls, text: str) -> SipUri:
        text = text.strip()
        scheme, colon, rest = text.partition(":")
        if not colon or scheme.lower() not in SCHEMES:
            raise SipParseError(f"not a SIP URI: {text[:80]!r}", status=416)
        rest, _, headers = rest.partition("?")
        hostport, _, params = rest.partition(";") if "@" not in rest else _split_after_at(rest)
        user = None
        if "@" in hostport:
            user, _, hostport = hostport.rpartition("@")
            user = user.split(":", 1)[0]  # a password in a URI is deprecated: dropped
            if not _USER_OK.match(user):
                raise SipParseError(f"bad user part in URI {text[:80]!r}")
        match = _HOST.match(hostport)
        if not match:
            raise SipParseError(f"bad host in URI {text[:80]!r}")
        port = int(match.group(2)) if match.group(2) else None
        if port is not None and not 0 < port < 65536:
            raise SipParseError(f"bad port in URI {text[:80]!r}")
        return cls(match.group(1), user or None, port, scheme.lower(), parse_params(params), headers)

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        headers = f"?{self.headers}" if self.headers else ""
        return f"{self.scheme}:{user}{self.host}{port}{format_params(self.params)}{headers}"

    @property
    def aor(self) -> str:
        """The address-of-record form: scheme, user and host only."""
        user = f"{self.user}@" if self.user else ""
        return f"{self.scheme}:{user}{self.host}"


def _split_after_at(rest: str) -> tuple[str, str, str]:
    user, _, after = rest.rpartition("@")
    hostport, sep, params = after.partition(";")
    return f"{user}@{hostport}", sep, params
