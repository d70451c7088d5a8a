"""Dialogs (RFC 3261 12): identity, CSeq spaces, route set and remote target.

A dialog is plain data that can be saved and restored (``to_dict``/``from_dict``)
so a console can re-INVITE its calls after a restart. It builds in-dialog
requests (including the ACK of a 2xx, which the dialog owns) and checks the
CSeq of requests it receives.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .address import NameAddr
from .errors import SipParseError, SipStateError
from .headers import Headers
from .message import SipRequest, SipResponse
from .uri import SipUri


@dataclass
class Dialog:
    call_id: str
    local_tag: str
    remote_tag: str
    local_uri: str  # From of our requests (name-addr without tag)
    remote_uri: str
    remote_target: str  # Request-URI of in-dialog requests: the peer's Contact
    local_contact: str
    local_seq: int
    remote_seq: int | None = None
    route_set: list[str] = field(default_factory=list)
    invite_seq: int = 0  # CSeq of the last INVITE we sent (for its ACK)

    @property
    def id(self) -> tuple[str, str, str]:
        return (self.call_id, self.local_tag, self.remote_tag)

    @classmethod
    def as_uac(cls, request: SipRequest, response: SipResponse) -> Dialog:
        """Our INVITE got a 1xx-with-tag or 2xx: route set is the Record-Route reversed."""
        to = response.to
        if not to.tag:
            raise SipParseError("dialog-creating response without To tag")
        contacts = response.contact
        target = str(contacts[0].uri) if contacts else request.uri
        return cls(
            call_id=request.call_id, local_tag=request.from_.tag or "", remote_tag=to.tag,
            local_uri=_untagged(request.headers.get("From") or ""), remote_uri=_untagged(response.headers.get("To") or ""),
            remote_target=target, local_contact=request.headers.get("Contact") or "",
            local_seq=request.cseq.number, route_set=list(reversed(response.headers.get_all("Record-Route"))),
            invite_seq=request.cseq.number,
        )

    @classmethod
    def as_uas(cls, request: SipRequest, local_tag: str, local_contact: str) -> Dialog:
        contacts = request.contact
        if contacts:
            target = contacts[0].uri
        else:  # an RFC 2543 INVITE may have no Contact: its From is where it can be reached (RFC 4475 3.4.1)
            target = request.from_.uri
        if (contacts and contacts[0].star) or not target.is_sip:
            raise SipParseError("dialog-creating request without a usable Contact")
        return cls(
            call_id=request.call_id, local_tag=local_tag, remote_tag=request.from_.tag or "",
            local_uri=_untagged(request.headers.get("To") or ""), remote_uri=_untagged(request.headers.get("From") or ""),
            remote_target=str(target), local_contact=local_contact, local_seq=0,
            remote_seq=request.cseq.number, route_set=list(request.headers.get_all("Record-Route")),
        )

    def request(self, method: str, branch: str, via_host: str, transport: str = "WSS",
                body: bytes = b"", content_type: str | None = None) -> SipRequest:
        """A new in-dialog request (RFC 3261 12.2.1.1); ACK reuses the INVITE's CSeq number."""
        if method == "ACK":
            seq = self.invite_seq
        else:
            self.local_seq += 1
            seq = self.local_seq
            if method == "INVITE":
                self.invite_seq = seq
        uri, routes = self._request_uri_and_routes()
        headers = Headers()
        headers.add("Via", f"SIP/2.0/{transport} {via_host};branch={branch}")
        for route in routes:
            headers.add("Route", route)
        headers.add("Max-Forwards", "70")
        headers.add("From", f"{self.local_uri};tag={self.local_tag}")
        headers.add("To", f"{self.remote_uri};tag={self.remote_tag}" if self.remote_tag else self.remote_uri)
        headers.add("Call-ID", self.call_id)
        headers.add("CSeq", f"{seq} {method}")
        if method in ("INVITE", "UPDATE", "SUBSCRIBE", "REFER", "NOTIFY"):
            headers.add("Contact", self.local_contact)
        if body and content_type:
            headers.add("Content-Type", content_type)
        return SipRequest(headers=headers, body=body, method=method, uri=uri)

    def _request_uri_and_routes(self) -> tuple[str, list[str]]:
        if not self.route_set:
            return self.remote_target, []
        first = NameAddr.parse(self.route_set[0])
        if "lr" in first.uri.params:
            return self.remote_target, list(self.route_set)
        # strict router (RFC 3261 12.2.1.1): its URI becomes the Request-URI
        return str(first.uri), [*self.route_set[1:], f"<{self.remote_target}>"]

    def check_request(self, request: SipRequest) -> None:
        """RFC 3261 12.2.2: a lower CSeq than the last one is answered 500."""
        seq = request.cseq.number
        if request.method in ("ACK", "CANCEL"):
            return
        if self.remote_seq is not None and seq <= self.remote_seq:
            raise SipStateError(f"CSeq {seq} is not above {self.remote_seq}")
        self.remote_seq = seq
        contacts = request.contact if request.method in ("INVITE", "UPDATE") else []
        if contacts and not contacts[0].star:
            self.remote_target = str(contacts[0].uri)

    def update_from_response(self, response: SipResponse) -> None:
        """A 2xx to a re-INVITE may change the remote target."""
        contacts = response.contact
        if contacts and not contacts[0].star:
            self.remote_target = str(contacts[0].uri)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Dialog:
        try:
            dialog = cls(**data)
            SipUri.parse(dialog.remote_target)
        except (TypeError, SipParseError) as exc:
            raise SipParseError(f"saved dialog is not usable: {exc}") from None
        return dialog


def _untagged(header: str) -> str:
    addr = NameAddr.parse(header)
    params = {k: v for k, v in addr.params.items() if k != "tag"}
    return str(NameAddr(addr.uri, addr.display, params))
