"""The registration machine (RFC 3261 10, RFC 5626 outbound).

One Call-ID and a growing CSeq for every REGISTER of one binding; the
challenge is answered once per nonce; a refresh is due before the granted
expiry; un-REGISTER sends ``Expires: 0`` for our contact only. Transitions
are a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .config import AgentConfig
from .auth import Authenticator
from .errors import SipStateError
from .events import Event, Registered, RegistrationFailed, Unregistered
from .headers import Headers
from .ids import Ids
from .message import SipRequest, SipResponse

class RegState(StrEnum):
    UNREGISTERED = "unregistered"
    REGISTERING = "registering"
    REGISTERED = "registered"
    UNREGISTERING = "unregistering"
    FAILED = "failed"


R = RegState
REG_TABLE: dict[RegState, frozenset[RegState]] = {
    R.UNREGISTERED: frozenset({R.REGISTERING}),
    R.REGISTERING: frozenset({R.REGISTERING, R.REGISTERED, R.FAILED, R.UNREGISTERING, R.UNREGISTERED}),
    R.REGISTERED: frozenset({R.REGISTERING, R.UNREGISTERING, R.FAILED, R.UNREGISTERED}),
    R.UNREGISTERING: frozenset({R.UNREGISTERING, R.UNREGISTERED}),
    R.FAILED: frozenset({R.REGISTERING}),
}


def refresh_delay(expires: int) -> float:
    """Refresh well before expiry: 30 s early for long intervals, at half of short ones."""
    return max(expires / 2, expires - 30.0)


@dataclass
class Registration:
    config: AgentConfig
    ids: Ids = field(default_factory=Ids)
    state: RegState = R.UNREGISTERED
    expires: int = 0
    refresh_at: float | None = None
    call_id: str = ""
    cseq: int = 0
    _local_tag: str = ""
    _auth: Authenticator | None = None
    _requested: int = 0
    _challenges: int = 0  # 401/407 answered in the current exchange

    def __post_init__(self) -> None:
        self.call_id = self.ids.call_id()
        self._local_tag = self.ids.tag()
        self._auth = Authenticator(self.config.username, self.config.password, self.config.token,
                                   lambda: self.ids.random_hex(8), saved_ha1=dict(self.config.saved_ha1))

    def ha1s(self) -> dict[str, str]:
        """H(A1) per ``"<hash>:<realm>"`` answered so far: kept to restore this login without the password."""
        return self._auth.ha1s() if self._auth is not None else {}

    def _go(self, state: RegState) -> None:
        if state not in REG_TABLE[self.state]:
            raise SipStateError(f"registration cannot go from {self.state} to {state}")
        self.state = state

    def register(self, now: float) -> SipRequest:
        self._go(R.REGISTERING)
        self._requested = self.config.expires
        return self._request(self.config.expires)

    def unregister(self, now: float) -> SipRequest:
        self._go(R.UNREGISTERING)
        self.refresh_at = None
        self._requested = 0
        return self._request(0)

    def due(self, now: float) -> SipRequest | None:
        """The refresh REGISTER when its time has come."""
        if self.state is R.REGISTERED and self.refresh_at is not None and now >= self.refresh_at:
            return self.register(now)
        return None

    def transport_lost(self) -> None:
        """The connection is gone: the binding is useless (RFC 5626 flow failed), register again later."""
        if self.state is not R.UNREGISTERED:
            self.state = R.FAILED if self.state is not R.UNREGISTERING else R.UNREGISTERED
            self.refresh_at = None

    def on_response(self, response: SipResponse, now: float) -> tuple[list[Event], SipRequest | None]:
        status = response.status
        if status < 200:
            return [], None
        if status in (401, 407):
            header = "WWW-Authenticate" if status == 401 else "Proxy-Authenticate"
            first = self._challenges == 0
            self._challenges += 1
            if self._auth is not None and self._auth.on_challenge(status, response.headers.get_all(header), first):
                return [], self._request(self._requested)
            self._challenges = 0
            return self._fail(status, response.reason, auth_failed=True), None
        self._challenges = 0
        if status == 423:
            min_expires = response.headers.get("Min-Expires") or ""
            if min_expires.isdigit() and int(min_expires) > self._requested > 0:
                self._requested = int(min_expires)
                return [], self._request(self._requested)
            return self._fail(status, response.reason), None
        if status >= 300:
            if self.state is R.UNREGISTERING:
                self._go(R.UNREGISTERED)
                return [Unregistered()], None
            return self._fail(status, response.reason, auth_failed=status == 403), None
        if self.state is R.UNREGISTERING:
            self._go(R.UNREGISTERED)
            return [Unregistered()], None
        self.expires = self._granted(response)
        self.refresh_at = now + refresh_delay(self.expires)
        self._go(R.REGISTERED)
        return [Registered(self.expires, self.refresh_at)], None

    def _fail(self, status: int, reason: str, auth_failed: bool = False) -> list[Event]:
        self._go(R.FAILED)
        self.refresh_at = None
        return [RegistrationFailed(status, reason, auth_failed)]

    def _granted(self, response: SipResponse) -> int:
        ours = self.config.instance_id
        for contact in response.contact:
            instance = (contact.params.get("+sip.instance") or "").strip("<>\"")
            if (instance == ours or contact.uri.user == self.config.contact_user) and \
                    (contact.params.get("expires") or "").isdigit():
                return int(contact.params["expires"] or 0)
        expires = response.headers.get("Expires") or ""
        return int(expires) if expires.isdigit() else self._requested

    def _request(self, expires: int) -> SipRequest:
        cfg = self.config
        self.cseq += 1
        uri = cfg.registrar_uri
        headers = Headers()
        headers.add("Via", f"SIP/2.0/{cfg.transport} {cfg.via_host};branch={self.ids.branch()}")
        if cfg.outbound_proxy:
            headers.add("Route", f"<{cfg.outbound_proxy}>")
        headers.add("Max-Forwards", "70")
        headers.add("From", f"{cfg.from_header};tag={self._local_tag}")
        headers.add("To", cfg.from_header)
        headers.add("Call-ID", self.call_id)
        headers.add("CSeq", f"{self.cseq} REGISTER")
        headers.add("Contact", f'<{cfg.contact_uri}>;+sip.instance="<{cfg.instance_id}>";reg-id={cfg.reg_id};expires={expires}')
        headers.add("Expires", str(expires))
        headers.add("Supported", "path, outbound")
        headers.add("User-Agent", cfg.user_agent)
        for name, value in self._auth.headers_for("REGISTER", uri) if self._auth else ():
            headers.add(name, value)
        return SipRequest(headers=headers, method="REGISTER", uri=uri)
