"""Which wire a server address asks for: ``sip+ws://`` and ``sip+wss://`` speak SIP, anything else our JSON."""

from __future__ import annotations

from .jsonwire import JsonWire
from .sip_settings import SipDeskSettings
from .wire import ClientWire, SessionWire

SIP_SCHEMES = ("sip+ws://", "sip+wss://")


def is_sip(server: str) -> bool:
    return server.strip().lower().startswith(SIP_SCHEMES)


def wire_for(server: str, current: ClientWire | SessionWire | None = None,
             sip_desk: SipDeskSettings | None = None) -> ClientWire | SessionWire:
    """The wire for ``server``: ``current`` again when it serves that address already, or another node of its
    proxy pair (a restore keeps the SIP wire's dialogs). Raises ValueError for a SIP address it cannot use (no host, ...)."""
    if is_sip(server):
        from .sipwire import SipWire

        if isinstance(current, SipWire) and current.serves(server):
            current.use_server(server)  # the same service: another node of a proxy pair, the dialogs go on
            return current
        return SipWire(server.strip(), desk=sip_desk)
    if isinstance(current, JsonWire):
        return current
    return JsonWire()
