"""Header values built from an address: From, To, Contact, Route, Record-Route, Refer-To."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import SipParseError
from .uri import SipUri, format_params, parse_params


@dataclass(frozen=True)
class NameAddr:
    uri: SipUri
    display: str = ""
    params: dict[str, str | None] = field(default_factory=dict)
    star: bool = False  # "Contact: *"

    @classmethod
    def parse(cls, text: str) -> NameAddr:
        text = text.strip()
        if text == "*":
            return cls(SipUri("*"), star=True)
        if "<" in text:
            display, _, rest = text.partition("<")
            uri_text, close, params = rest.partition(">")
            if not close:
                raise SipParseError(f"unclosed '<' in {text[:80]!r}")
            display = display.strip().strip('"')
        else:  # addr-spec: parameters after the URI belong to the header
            display = ""
            uri_text, _, params = text.partition(";")
            params = ";" + params if params else ""
        return cls(SipUri.parse(uri_text), display, parse_params(params))

    def __str__(self) -> str:
        if self.star:
            return "*"
        display = f'"{self.display}" ' if self.display else ""
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
        proto, _, rest = text.strip().partition(" ")
        parts = [p.strip() for p in proto.split("/")]
        if len(parts) != 3 or parts[0].upper() != "SIP" or parts[1] != "2.0":
            raise SipParseError(f"bad Via {text[:80]!r}")
        sent_by, _, params = rest.strip().partition(";")
        host, port = sent_by.strip(), None
        if host.startswith("["):
            end = host.find("]")
            if end > 0 and host[end + 1:end + 2] == ":":
                host, port = host[:end + 1], host[end + 2:]
        elif ":" in host:
            host, port = host.rsplit(":", 1)
        if not host:
            raise SipParseError(f"bad Via {text[:80]!r}")
        try:
            port_no = int(port) if port else None
        except ValueError:
            raise SipParseError(f"bad Via port {text[:80]!r}") from None
        return cls(parts[2].upper(), host, port_no, parse_params(params))

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
