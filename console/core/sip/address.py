"""Header values built from an address: From, To, Contact, Route, Record-Route, Refer-To."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .errors import SipParseError
from .uri import SipUri, format_params, parse_params


# what an unquoted display name may not hold: SIP's separators (RFC 4475 3.1.2.15's "Bell, Alexander");
# letters outside ASCII pass, as phones send them although RFC 3261's token is ASCII
_NOT_IN_TOKENS = re.compile(r'[\x00-\x1f\x7f",;<>\\/?=@:\[\]{}()]')
_VIA = re.compile(r"^\s*([^\s/]+)\s*/\s*([^\s/]+)\s*/\s*([A-Za-z0-9\-.!%*_+`'~]+)\s+(\S.*)$", re.S)


def quote_display(text: str) -> str:
    """A display name as a quoted-string: backslash and double quote escaped (RFC 3261 25.1)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _quoted(text: str) -> tuple[str, str]:
    """``text`` starts with a double quote: (the unescaped content, what follows the closing quote)."""
    out, i = [], 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == '"':
            return "".join(out), text[i + 1:]
        out.append(ch)
        i += 1
    raise SipParseError(f"unterminated quoted string in {text[:80]!r}")


@dataclass(frozen=True)
class NameAddr:
    """``"Display" <uri>;params`` or ``uri;params`` (RFC 3261 20.10, 25.1).

    ``display`` is the display name unescaped (``"J Rosenberg \\\""`` reads ``J Rosenberg \"``);
    an unquoted one must be words without separators. Any URI scheme is accepted (``tel:``, ``http:``: RFC 4475
    3.3.4); an addr-spec (no angle brackets) may not hold ``?`` or ``,``.
    """

    uri: SipUri
    display: str = ""
    params: dict[str, str | None] = field(default_factory=dict)
    star: bool = False  # "Contact: *"

    @classmethod
    def parse(cls, text: str) -> NameAddr:
        text = text.strip()
        if text == "*":
            return cls(SipUri("*"), star=True)
        display = ""
        if text.startswith('"'):
            display, rest = _quoted(text)
            rest = rest.lstrip()
            if not rest.startswith("<"):
                raise SipParseError(f"a display name without <uri> in {text[:80]!r}")
        elif "<" in text:
            words, _, after = text.partition("<")
            if _NOT_IN_TOKENS.search(words):
                raise SipParseError(f"a display name that is neither tokens nor quoted in {text[:80]!r}")
            display, rest = " ".join(words.split()), "<" + after
        else:  # addr-spec: parameters after the URI belong to the header
            uri_text, _, params = text.partition(";")
            if "?" in uri_text or "," in uri_text:
                raise SipParseError(f"a URI with headers must be in <> in {text[:80]!r}")
            return cls(SipUri.parse(uri_text, any_scheme=True), "", parse_params(params))
        uri_text, close, params = rest[1:].partition(">")
        if not close:
            raise SipParseError(f"unclosed '<' in {text[:80]!r}")
        if uri_text != uri_text.strip():
            raise SipParseError(f"white space inside <> in {text[:80]!r}")
        params = params.strip()
        if params and not params.startswith(";"):
            raise SipParseError(f"junk after '>' in {text[:80]!r}")
        return cls(SipUri.parse(uri_text, any_scheme=True), display, parse_params(params))

    def __str__(self) -> str:
        if self.star:
            return "*"
        display = f"{quote_display(self.display)} " if self.display else ""
        return f"{display}<{self.uri}>{format_params(self.params)}"

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")


@dataclass(frozen=True)
class Via:
    transport: str
    host: str
    port: int | None = None
    params: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Via:
        """``SIP/2.0/UDP host:port;params``, with white space allowed around ``/``, ``:``, ``;`` and ``=``
        (RFC 3261 25.1: SLASH, COLON, SEMI and EQUAL are SWS-delimited; RFC 4475 3.1.1.1)."""
        match = _VIA.match(text)
        if not match or match.group(1).upper() != "SIP" or match.group(2) != "2.0":
            raise SipParseError(f"bad Via {text[:80]!r}")
        sent_by, _, params = match.group(4).partition(";")
        host, port = re.sub(r"\s*:\s*", ":", sent_by.strip()), None
        if not host or any(ch.isspace() for ch in host):
            raise SipParseError(f"bad Via {text[:80]!r}")
        if host.startswith("["):
            end = host.find("]")
            if end > 0 and host[end + 1:end + 2] == ":":
                host, port = host[:end + 1], host[end + 2:]
        elif ":" in host:
            host, port = host.rsplit(":", 1)
        if not host:
            raise SipParseError(f"bad Via {text[:80]!r}")
        if port is not None and (not port.isdigit() or len(port) > 5):
            raise SipParseError(f"bad Via port {text[:80]!r}")
        return cls(match.group(3).upper(), host, int(port) if port else None, parse_params(params))

    @staticmethod
    def routable(text: str) -> bool:
        """Whether a Via value, of whatever SIP version, names a protocol, a transport and a sent-by:
        enough to send an answer back along it (a 505 copies a ``SIP/7.0/UDP`` Via, RFC 4475 3.1.2.16)."""
        match = _VIA.match(text)
        if not match:
            return False
        sent_by = re.sub(r"\s*:\s*", ":", match.group(4).partition(";")[0].strip())
        return bool(sent_by) and not any(ch.isspace() for ch in sent_by)

    def __str__(self) -> str:
        port = f":{self.port}" if self.port else ""
        return f"SIP/2.0/{self.transport} {self.host}{port}{format_params(self.params)}"

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")

    @property
    def sent_by(self) -> str:
        return f"{self.host}:{self.port or 5060}"


@dataclass(frozen=True)
class CSeq:
    number: int
    method: str

    @classmethod
    def parse(cls, text: str) -> CSeq:
        parts = text.split()
        if len(parts) != 2 or not parts[0].isdigit() or len(parts[0]) > 10:
            raise SipParseError(f"bad CSeq {text[:80]!r}")
        number = int(parts[0])
        if number >= 2**31:
            raise SipParseError(f"CSeq number out of range: {number}")
        return cls(number, parts[1])

    def __str__(self) -> str:
        return f"{self.number} {self.method}"
