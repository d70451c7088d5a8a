"""Out-of-dialog requests the INVITE user agent builds: the initial INVITE, its CANCEL, its retry with credentials."""

from __future__ import annotations

from .config import AgentConfig
from .headers import Headers
from .info import replaces_value
from .message import SipRequest
from .uri import SipUri

ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY"


def build_invite(config: AgentConfig, via: str, uri: SipUri, call_id: str, tag: str,
                 replaces: tuple[str, str, str] | None = None) -> SipRequest:
    headers = Headers()
    headers.add("Via", via)
    if config.outbound_proxy:
        headers.add("Route", f"<{config.outbound_proxy}>")
    headers.add("Max-Forwards", "70")
    headers.add("From", f"{config.from_header};tag={tag}")
    headers.add("To", f"<{uri}>")
    headers.add("Call-ID", call_id)
    headers.add("CSeq", "1 INVITE")
    headers.add("Contact", f"<{config.contact_uri}>")
    headers.add("Allow", ALLOW)
    headers.add("Supported", "replaces, outbound")
    headers.add("User-Agent", config.user_agent)
    if replaces is not None:
        headers.add("Replaces", replaces_value(*replaces))
    headers.add("Content-Type", "application/sdp")
    return SipRequest(headers=headers, method="INVITE", uri=str(uri))


def build_cancel(invite: SipRequest, reason: str | None) -> SipRequest:
    """RFC 3261 9.1: the INVITE's Request-URI, top Via (same branch), Route, From, To, Call-ID and CSeq number."""
    headers = Headers()
    headers.add("Via", invite.headers.get_all("Via")[0])
    for route in invite.headers.get_all("Route"):
        headers.add("Route", route)
    headers.add("Max-Forwards", "70")
    for name in ("From", "To", "Call-ID"):
        headers.add(name, invite.headers.get(name) or "")
    headers.add("CSeq", f"{invite.cseq.number} CANCEL")
    if reason:
        headers.add("Reason", reason)
    return SipRequest(headers=headers, method="CANCEL", uri=invite.uri)


def with_credentials(old: SipRequest, via: str, auth: list[tuple[str, str]]) -> SipRequest:
    """The challenged request again: a new branch, the next CSeq, the new Authorization headers."""
    kept = [(n, v) for n, v in old.headers if n not in ("Via", "CSeq", "Authorization", "Proxy-Authorization")]
    headers = Headers([("Via", via), *kept, ("CSeq", f"{old.cseq.number + 1} {old.method}"), *auth])
    return SipRequest(headers=headers, body=old.body, method=old.method, uri=old.uri)
