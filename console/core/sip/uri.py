"""SIP URIs (RFC 3261 19.1): ``sip:user@host:port;params?headers``; other schemes kept opaque.

The user part ends at the first ``@`` (neither parameters nor headers may hold
an unescaped ``@``), so a user part may contain ``?``, ``;`` and ``/`` (RFC 4475
3.1.1.2 and 3.1.1.9). Where any URI is legal (From, To, Contact: RFC 3261
20.20, 20.39; RFC 4475 3.3.4) ``parse(..., any_scheme=True)`` keeps a
``tel:``, ``http:`` or other URI as it is: ``tel:`` gives its number as the
user part, the others only their opaque text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import SipParseError

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+\-.]*$")
_OPAQUE_BAD = re.compile(r"[\s<>\"]")
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
    opaque: str = ""  # everything after the colon of a URI that is not sip/sips (``str`` gives it back)

    @classmethod
    def parse(cls, text: str, *, any_scheme: bool = False) -> SipUri:
        text = text.strip()
        scheme, colon, rest = text.partition(":")
        if not colon or not _SCHEME.match(scheme):
            raise SipParseError(f"not a URI: {text[:80]!r}")
        if scheme.lower() not in SCHEMES:
            if not any_scheme:
                raise SipParseError(f"not a SIP URI: {text[:80]!r}", status=416)
            if not rest or _OPAQUE_BAD.search(rest):
                raise SipParseError(f"bad URI {text[:80]!r}")
            user, params = None, ""
            if scheme.lower() == "tel":
                number, _, params = rest.partition(";")
                user = number or None
            return cls("", user, None, scheme.lower(), parse_params(params), "", rest)
        user = None
        if "@" in rest:
            user, _, rest = rest.partition("@")
            user = user.split(":", 1)[0]  # a password in a URI is deprecated: dropped
            if not _USER_OK.match(user):
                raise SipParseError(f"bad user part in URI {text[:80]!r}")
        rest, _, headers = rest.partition("?")
        hostport, _, params = rest.partition(";")
        match = _HOST.match(hostport)
        if not match:
            raise SipParseError(f"bad host in URI {text[:80]!r}")
        port = int(match.group(2)) if match.group(2) else None
        if port is not None and not 0 < port < 65536:
            raise SipParseError(f"bad port in URI {text[:80]!r}")
        return cls(match.group(1), user or None, port, scheme.lower(), parse_params(params), headers)

    @property
    def is_sip(self) -> bool:
        return self.scheme in SCHEMES

    def __str__(self) -> str:
        if not self.is_sip:
            return f"{self.scheme}:{self.opaque}"
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        headers = f"?{self.headers}" if self.headers else ""
        return f"{self.scheme}:{user}{self.host}{port}{format_params(self.params)}{headers}"

    @property
    def aor(self) -> str:
        """The address-of-record form: scheme, user and host only (a ``tel:`` URI: its number)."""
        if not self.is_sip:
            return f"{self.scheme}:{self.user}" if self.user else str(self)
        user = f"{self.user}@" if self.user else ""
        return f"{self.scheme}:{user}{self.host}"
