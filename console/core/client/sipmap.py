"""What SIP values mean to the client session: the login identifier, login refusal codes, SDP and From/To details.

Pure functions used by :mod:`console.core.client.sipwire`.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from console.core.enums import ErrorCode
from console.core.sip.address import NameAddr
from console.core.sip.errors import SipError
from console.core.sip.sdp import SessionDescription

IDENTIFIER_PREFIX = "sip1."
MAX_IDENTIFIER = 64 * 1024


def encode_identifier(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return IDENTIFIER_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_identifier(identifier: str) -> dict[str, Any] | None:
    """The saved login (instance, AOR, contact, dialog snapshots), or None if this is not one."""
    if not isinstance(identifier, str) or not identifier.startswith(IDENTIFIER_PREFIX) or len(identifier) > MAX_IDENTIFIER:
        return None
    body = identifier[len(IDENTIFIER_PREFIX):]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, TypeError):
        return None
    if not (isinstance(data, dict) and isinstance(data.get("aor"), str) and isinstance(data.get("instance"), str)
            and isinstance(data.get("contact"), str) and isinstance(data.get("calls"), list)):
        return None
    data["calls"] = [c for c in data["calls"] if isinstance(c, dict)]
    ha1 = data.get("ha1")
    data["ha1"] = {k: v for k, v in ha1.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(ha1, dict) else {}
    return data


def login_code(status: int, restoring: bool, auth_failed: bool = False) -> str:
    """The refusal code of a failed REGISTER: ``auth_failed`` (our credentials refused: a 401/407 again
    after we answered the challenge, or a 403: a wrong password or an unknown user) is AUTH_FAILED, which
    an application reads as CREDENTIALS."""
    if restoring:
        return str(ErrorCode.RESTORE_FAILED)
    if auth_failed:
        return str(ErrorCode.AUTH_FAILED)
    if status == 404:
        return str(ErrorCode.NO_DIAL_STRING_FOR_USER)
    if status == 484:
        return str(ErrorCode.DIAL_STRING_MISSING)
    return f"sip_{status}"


def sdp_of(sdp: dict[str, str] | None, kind: str) -> str | None:
    if isinstance(sdp, dict) and sdp.get("type") == kind and isinstance(sdp.get("sdp"), str):
        return sdp["sdp"]
    return None


MEDIA_EVENT_RATES = frozenset({48000, 8000})
"""The telephone-event clock rates the call media negotiates (``console.media.patches.EVENT_PAYLOAD_TYPES``)."""


def has_telephone_event(sdp: str) -> bool:
    """Whether the far end's SDP lets the media send RFC 4733 digits: telephone-event at a rate the
    media has (8000 beside Opus is what most phones offer); otherwise digits go by SIP INFO."""
    try:
        media = SessionDescription.parse(sdp).media if sdp else []
    except SipError:
        return False
    return any(m.kind == "audio" and m.port != 0 and m.telephone_event_rates() & MEDIA_EVENT_RATES for m in media)


def party(header: str) -> tuple[str, str]:
    """(number, display name) of a From/To header value."""
    try:
        addr = NameAddr.parse(header)
    except (SipError, ValueError):
        return "", ""
    return addr.uri.user or "", addr.display.strip().strip('"')
