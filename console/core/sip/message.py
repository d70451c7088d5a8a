"""SIP requests and responses: parsing with limits, and building.

:func:`parse` either returns a message whose mandatory headers are present and
well formed, or raises :class:`SipParseError` carrying the status to answer
(400, 413, 505) and, when the request line and headers could be read, the
partial request so that :func:`error_response` can answer it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union

from .address import CSeq, NameAddr, Via
from .errors import SipParseError
from .headers import Headers
from .uri import SipUri

MAX_MESSAGE = 64 * 1024
MAX_BODY = 32 * 1024
MAX_HEADERS = 128
MAX_LINE = 8 * 1024
_TOKEN = re.compile(r"^[A-Za-z0-9\-.!%*_+`'~]+$")
MANDATORY = ("Via", "From", "To", "Call-ID", "CSeq")

REASON_PHRASES = {
    100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 183: "Session Progress",
    200: "OK", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout",
    413: "Request Entity Too Large", 415: "Unsupported Media Type", 416: "Unsupported URI Scheme",
    420: "Bad Extension", 423: "Interval Too Brief",
    480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist", 482: "Loop Detected",
    483: "Too Many Hops", 484: "Address Incomplete", 486: "Busy Here", 487: "Request Terminated",
    488: "Not Acceptable Here", 491: "Request Pending", 500: "Server Internal Error",
    501: "Not Implemented", 503: "Service Unavailable", 505: "Version Not Supported",
    603: "Decline",
}


@dataclass
class _Base:
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""

    @property
    def call_id(self) -> str:
        return self.headers.get("Call-ID") or ""

    @property
    def cseq(self) -> CSeq:
        return CSeq.parse(self.headers.get("CSeq") or "")

    @property
    def via(self) -> list[Via]:
        return [Via.parse(v) for v in self.headers.get_all("Via")]

    @property
    def from_(self) -> NameAddr:
        return NameAddr.parse(self.headers.get("From") or "")

    @property
    def to(self) -> NameAddr:
        return NameAddr.parse(self.headers.get("To") or "")

    @property
    def contact(self) -> list[NameAddr]:
        return [NameAddr.parse(v) for v in self.headers.get_all("Contact")]

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def _serialize(self, start: str) -> bytes:
        headers = self.headers.copy()
        headers.set("Content-Length", str(len(self.body)))
        lines = [start, *(f"{n}: {v}" for n, v in headers)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


@dataclass
class SipRequest(_Base):
    method: str = ""
    uri: str = ""

    def serialize(self) -> bytes:
        return self._serialize(f"{self.method} {self.uri} SIP/2.0")

    def __str__(self) -> str:
        return f"{self.method} {self.uri}"


@dataclass
class SipResponse(_Base):
    status: int = 200
    reason: str = ""

    def serialize(self) -> bytes:
        return self._serialize(f"SIP/2.0 {self.status} {self.reason or REASON_PHRASES.get(self.status, '')}")

    def __str__(self) -> str:
        return f"{self.status} {self.reason}"


SipMessage = Union[SipRequest, SipResponse]


class SipMessageError(SipParseError):
    def __init__(self, message: str, status: int = 400, partial: SipMessage | None = None):
        super().__init__(message, status)
        self.partial = partial


def parse(data: bytes | str, *, max_message: int = MAX_MESSAGE, max_body: int = MAX_BODY) -> SipMessage:
    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogateescape")
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
    if len(data) > max_message:
        partial = None
        if len(head) <= max_message:
            try:
                partial = _parse_head(head)
            except SipParseError:
                partial = None
        raise SipMessageError(f"message of {len(data)} bytes exceeds {max_message}", 413, partial=partial)
    msg = _parse_head(head)
    _check(msg, body, max_body)
    return msg


def _parse_head(head: bytes) -> SipMessage:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise SipMessageError("header section is not UTF-8") from None
    lines = _unfold(text.lstrip("\r\n").splitlines())
    if not lines:
        raise SipMessageError("empty message")
    if len(lines) > MAX_HEADERS + 1:
        raise SipMessageError(f"more than {MAX_HEADERS} headers")
    msg, start_error = _start_line(lines[0])
    for line in lines[1:]:
        if len(line) > MAX_LINE:
            raise SipMessageError(f"header line longer than {MAX_LINE}", partial=msg)
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.match(name.strip()):
            raise SipMessageError(f"bad header line {line[:80]!r}", partial=msg)
        try:
            msg.headers.add(name, value)
        except ValueError as exc:
            raise SipMessageError(str(exc), partial=msg) from None
    if start_error is not None:  # raised once the headers are read, so that a 400/505 can be answered
        start_error.partial = msg
        raise start_error
    return msg


def _unfold(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line[:1] in (" ", "\t") and out:
            out[-1] = out[-1] + " " + line.strip()
        else:
            out.append(line)
    return out


_VERSION = re.compile(r"^SIP/\d+\.\d+$", re.I)
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+\-.]*:\S+$")


def _start_line(line: str) -> tuple[SipMessage, SipMessageError | None]:
    """The message the start line begins, and the error to raise once its headers are read (if any).

    Runs of spaces between the elements and after the version are tolerated (RFC 4475
    3.1.2.9, 3.1.2.10: "an element that is liberal in what it accepts may ignore these
    extra SP characters"); an element that is not a URI or a version is a 400, a version
    other than 2.0 a 505.
    """
    if len(line) > MAX_LINE:
        raise SipMessageError("start line too long")
    if line.startswith("SIP/"):
        parts = line.split(" ", 2)
        if len(parts) < 2 or parts[0] != "SIP/2.0" or not parts[1].isdigit() or len(parts[1]) != 3:
            raise SipMessageError(f"bad status line {line[:80]!r}")
        status = int(parts[1])
        if not 100 <= status <= 699:
            raise SipMessageError(f"status {status} out of range")
        return SipResponse(status=status, reason=parts[2] if len(parts) > 2 else ""), None
    parts = line.split()
    if not parts or not _TOKEN.match(parts[0]):
        raise SipMessageError(f"bad request line {line[:80]!r}")
    request = SipRequest(method=parts[0], uri=parts[1] if len(parts) > 1 else "")
    if len(parts) != 3:
        if len(parts) > 3 and _VERSION.match(parts[-1]) and parts[-1] != "SIP/2.0":
            return request, SipMessageError(f"unsupported version {parts[-1][:20]!r}", 505)
        return request, SipMessageError(f"bad request line {line[:80]!r}")
    if parts[2] != "SIP/2.0":
        if _VERSION.match(parts[2]):
            return request, SipMessageError(f"unsupported version {parts[2][:20]!r}", 505)
        return request, SipMessageError(f"bad request line {line[:80]!r}")
    return request, _check_request_uri(parts[1])


def _check_request_uri(uri: str) -> SipMessageError | None:
    """A Request-URI must be a URI; a sip/sips one must parse and carry no headers (RFC 3261 19.1.5,
    RFC 4475 3.1.2.11). An unknown scheme is the user agent's 416, not a parse error."""
    if not _URI_SCHEME.match(uri):
        return SipMessageError(f"bad Request-URI {uri[:80]!r}")
    if uri.partition(":")[0].lower() in ("sip", "sips"):
        try:
            parsed = SipUri.parse(uri)
        except SipParseError as exc:
            return SipMessageError(f"bad Request-URI: {exc}")
        if parsed.headers:
            return SipMessageError(f"headers in the Request-URI {uri[:80]!r}")
    return None


def _check(msg: SipMessage, body: bytes, max_body: int) -> None:
    for name in MANDATORY:
        if name not in msg.headers:
            raise SipMessageError(f"missing {name} header", partial=msg)
    try:
        for name in ("Call-ID", "From", "To", "CSeq"):
            if len(msg.headers.get_all(name)) != 1:
                raise SipMessageError(f"exactly one {name} is required", partial=msg)
        cseq = msg.cseq
        msg.via, msg.from_, msg.to, msg.contact  # noqa: B018 - parse them once so a bad one is caught here
        if not msg.call_id:
            raise SipMessageError("an empty Call-ID", partial=msg)
    except SipMessageError:
        raise
    except SipParseError as exc:
        raise SipMessageError(str(exc), partial=msg) from None
    if isinstance(msg, SipRequest) and cseq.method != msg.method:
        raise SipMessageError(f"CSeq method {cseq.method} does not match {msg.method}", partial=msg)
    lengths = msg.headers.get_all("Content-Length")
    if len(set(lengths)) > 1:
        raise SipMessageError(f"conflicting Content-Length values {', '.join(lengths)[:40]}", partial=msg)
    length = lengths[0] if lengths else None
    if length is not None:
        if not length.isdigit() or len(length) > 9:
            raise SipMessageError(f"bad Content-Length {length[:20]!r}", partial=msg)
        if int(length) > len(body):
            raise SipMessageError("body shorter than Content-Length", partial=msg)
        body = body[: int(length)]
    if len(body) > max_body:
        raise SipMessageError(f"body of {len(body)} bytes exceeds {max_body}", 413, partial=msg)
    maxf = msg.headers.get("Max-Forwards")
    if maxf is not None and (not maxf.isdigit() or int(maxf) > 255):
        raise SipMessageError(f"bad Max-Forwards {maxf[:20]!r}", partial=msg)
    msg.body = body


def response_to(request: SipRequest, status: int, reason: str = "", *, to_tag: str | None = None,
                body: bytes = b"", content_type: str | None = None) -> SipResponse:
    """A response copying Via, From, To (tag added), Call-ID and CSeq from ``request`` (RFC 3261 8.2.6)."""
    headers = Headers()
    for name in ("Via", "From", "To", "Call-ID", "CSeq"):
        for name_, value in request.headers:
            if name_ == name:
                headers.add(name, value)
    if status > 100 and to_tag and "tag=" not in (headers.get("To") or ""):
        headers.set("To", f"{headers.get('To')};tag={to_tag}")
    if 100 < status < 300:  # dialog-creating responses carry the route set back (RFC 3261 12.1.1)
        for value in request.headers.get_all("Record-Route"):
            headers.add("Record-Route", value)
    if content_type and body:
        headers.add("Content-Type", content_type)
    return SipResponse(headers=headers, body=body, status=status, reason=reason or REASON_PHRASES.get(status, ""))


def error_response(error: SipParseError) -> SipResponse | None:
    """The answer to a malformed request, or ``None`` when it cannot be answered (a response, or no Via)."""
    partial = getattr(error, "partial", None)
    if not isinstance(partial, SipRequest) or partial.method == "ACK":
        return None
    if not all(name in partial.headers for name in ("Via", "Call-ID", "From", "To")):
        return None
    reason = REASON_PHRASES.get(error.status, "Bad Request")
    # The Via values that can be read (the proxy routes the answer by them; RFC 4475 3.1.2.1 wants a 400
    # for a request with junk between its Via values), From and To as received even where they are what
    # was wrong (RFC 3261 8.2.6.2: copied; RFC 4475 3.1.2.6 wants a 400 for an unterminated quote),
    # one From/To/Call-ID/CSeq even where the request repeated them (RFC 4475 3.3.8).
    vias = [value for value in partial.headers.get_all("Via") if Via.routable(value)]
    if not vias:
        return None
    headers = Headers()
    for value in vias:
        headers.add("Via", value)
    for name in ("From", "To", "Call-ID"):
        headers.add(name, next(v for n, v in partial.headers if n == name))
    cseq = next((v for n, v in partial.headers if n == "CSeq"), "")
    try:
        CSeq.parse(cseq)
    except SipParseError:
        cseq = f"0 {partial.method}"
    headers.add("CSeq", cseq)
    text = str(error)[:100].replace('"', "'").replace("\\", "/")
    headers.add("Warning", f'399 console "{text}"')
    return SipResponse(headers=headers, status=error.status, reason=reason)
