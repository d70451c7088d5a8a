"""Small bodies: INFO application/dtmf-relay, message/sipfrag, and the Replaces header (RFC 3891)."""

from __future__ import annotations

from urllib.parse import quote, unquote

from ..dtmf import DIGITS
from .errors import SipParseError
from .uri import parse_params

DTMF_RELAY = "application/dtmf-relay"
SIPFRAG = "message/sipfrag"
MAX_DTMF_MS = 8000


def dtmf_relay_body(digit: str, duration_ms: int) -> bytes:
    return f"Signal={digit}\r\nDuration={duration_ms}\r\n".encode()


def parse_dtmf_relay(body: bytes) -> tuple[str, int]:
    fields = {}
    for line in body.decode("utf-8", errors="replace").splitlines():
        name, eq, value = line.partition("=")
        if eq:
            fields[name.strip().lower()] = value.strip()
    digit = fields.get("signal", "").upper()
    if digit == "10":
        digit = "*"
    elif digit == "11":
        digit = "#"
    if len(digit) != 1 or digit not in DIGITS:
        raise SipParseError(f"bad dtmf-relay Signal {digit[:10]!r}")
    duration = fields.get("duration", "250")
    if not duration.isdigit():
        raise SipParseError(f"bad dtmf-relay Duration {duration[:10]!r}")
    return digit, min(int(duration), MAX_DTMF_MS)


def sipfrag_body(status: int, reason: str) -> bytes:
    return f"SIP/2.0 {status} {reason}\r\n".encode()


def parse_sipfrag(body: bytes) -> int:
    line = body.decode("utf-8", errors="replace").split("\r\n", 1)[0].split("\n", 1)[0]
    parts = line.split(" ", 2)
    if len(parts) < 2 or parts[0] != "SIP/2.0" or not parts[1].isdigit() or len(parts[1]) != 3:
        raise SipParseError(f"bad sipfrag {line[:60]!r}")
    return int(parts[1])


def replaces_value(call_id: str, to_tag: str, from_tag: str) -> str:
    return f"{call_id};to-tag={to_tag};from-tag={from_tag}"


def parse_replaces(value: str) -> tuple[str, str, str]:
    call_id, _, params = value.partition(";")
    p = parse_params(params)
    if not call_id.strip() or not p.get("to-tag") or not p.get("from-tag"):
        raise SipParseError(f"bad Replaces {value[:80]!r}")
    return call_id.strip(), p["to-tag"] or "", p["from-tag"] or ""


def refer_to_with_replaces(target: str, replaces: str) -> str:
    """``<target?Replaces=...>`` with the header value escaped as a URI header (RFC 3891 / RFC 5589)."""
    return f"<{target}?Replaces={quote(replaces, safe='')}>"


def replaces_from_refer_to(headers: str) -> tuple[str, str, str] | None:
    for part in headers.split("&"):
        name, _, value = part.partition("=")
        if name.lower() == "replaces":
            return parse_replaces(unquote(value))
    return None
