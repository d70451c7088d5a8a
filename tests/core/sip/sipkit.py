"""Builders for the SIP tests: the far end's side of a conversation, written out as text."""

from __future__ import annotations

import itertools

from console.core.sip.agent import UserAgent
from console.core.sip.config import AgentConfig
from console.core.sip.ids import Ids
from console.core.sip.message import SipRequest, SipResponse, parse

PROXY = "sip:127.0.0.1:5060;transport=ws;lr"

OFFER = (
    "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n"
    "a=rtpmap:0 PCMU/8000\r\na=sendrecv\r\na=rtcp-mux\r\n"
)


def counter_ids() -> Ids:
    numbers = itertools.count(1)
    return Ids(random_hex=lambda n: f"{next(numbers):0{2 * n}x}")


def make_agent(**overrides) -> UserAgent:
    config = AgentConfig(aor="sip:1000@example.org", username="1000", password="secret1000",
                         instance_id="urn:uuid:00000000-0000-4000-8000-000000000001", outbound_proxy=PROXY,
                         **overrides)
    return UserAgent(config, counter_ids())


def sent(agent: UserAgent) -> list[SipRequest | SipResponse]:
    """Everything the agent wants to send, parsed back (so what we check is what goes on the wire)."""
    return [parse(data) for data in agent.data_to_send() if data.strip(b"\r\n")]


def one(agent: UserAgent):
    messages = sent(agent)
    assert len(messages) == 1, [str(m) for m in messages]
    return messages[0]


def reply(request: SipRequest, status: int, reason: str = "", *, to_tag: str | None = "srv1",
          headers: list[tuple[str, str]] = (), body: str = "", content_type: str = "application/sdp") -> bytes:
    """The far end's response to ``request``: copies Via/From/To/Call-ID/CSeq, adds ``headers``."""
    lines = [f"SIP/2.0 {status} {reason or 'Whatever'}"]
    for name in ("Via", "From", "To", "Call-ID", "CSeq"):
        for value in request.headers.get_all(name) if name != "Via" else request.headers.get_all("Via"):
            if name == "To" and to_tag and "tag=" not in value:
                value = f"{value};tag={to_tag}"
            lines.append(f"{name}: {value}")
    lines += [f"{n}: {v}" for n, v in headers]
    if body:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def request(method: str, *, call_id: str = "peer-call-1", cseq: int = 1, from_tag: str = "peer1",
            to_tag: str | None = None, branch: str = "z9hG4bKpeer1", body: str = "",
            content_type: str = "application/sdp", headers: list[tuple[str, str]] = (),
            uri: str = "sip:console@console.invalid;transport=ws") -> bytes:
    """A request from the far end (through the proxy) to the console."""
    to = "<sip:1000@example.org>" + (f";tag={to_tag}" if to_tag else "")
    lines = [
        f"{method} {uri} SIP/2.0",
        f"Via: SIP/2.0/WS 127.0.0.1:8080;branch={branch}",
        "Record-Route: <sip:127.0.0.1:8080;transport=ws;r2=on;lr>",
        "Record-Route: <sip:127.0.0.1:5060;r2=on;lr>",
        f"From: \"Peer\" <sip:1001@example.org>;tag={from_tag}",
        f"To: {to}",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} {method}",
        "Contact: <sip:1001@127.0.0.1:5080>",
        "Max-Forwards: 69",
        *(f"{n}: {v}" for n, v in headers),
    ]
    if body:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()
