"""Who the stack is: account, contact and transport details (no I/O, no secrets on disk)."""

from __future__ import annotations

from dataclasses import dataclass

from .uri import SipUri


@dataclass(frozen=True)
class AgentConfig:
    aor: str  # sip:1000@example.org
    username: str  # digest user name
    password: str  # empty with a token
    instance_id: str  # urn:uuid:... (RFC 5626), kept across restarts so a restart replaces our binding
    display_name: str = ""
    registrar: str | None = None  # default: the AOR's domain
    outbound_proxy: str | None = None  # a Route for out-of-dialog requests, e.g. sip:proxy;transport=ws;lr
    transport: str = "WS"  # Via transport: WS or WSS (RFC 7118)
    via_host: str = "console.invalid"  # RFC 7118: the client's host is not reachable anyway
    contact_user: str = "console"
    reg_id: int = 1
    expires: int = 600
    user_agent: str = "anynode-console"
    token: str | None = None  # a JWT for Authorization: Bearer (RFC 8898), instead of the password
    saved_ha1: tuple[tuple[str, str], ...] = ()  # ("<hash>:<realm>", H(A1)): digest without the password (restore)
    keepalive_interval: float | None = 120.0  # CRLF keep-alive (a Flow-Timer from the registrar wins); None: off

    @property
    def aor_uri(self) -> SipUri:
        return SipUri.parse(self.aor)

    @property
    def registrar_uri(self) -> str:
        return self.registrar or f"{self.aor_uri.scheme}:{self.aor_uri.host}"

    @property
    def contact_uri(self) -> str:
        return f"sip:{self.contact_user}@{self.via_host};transport={self.transport.lower()}"

    @property
    def from_header(self) -> str:
        display = f'"{self.display_name}" ' if self.display_name else ""
        return f"{display}<{self.aor_uri.aor}>"
