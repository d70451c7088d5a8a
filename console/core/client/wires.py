"""Which wire a server address asks for: ``sip+ws://`` and ``sip+wss://`` speak SIP, anything else our JSON."""

from __future__ import annotations

from .jsonwire import JsonWire
from .wire import ClientWire, SessionWire

SIP_SCHEMES = ("sip+ws://", "sip+wss://")


def is_sip(server: str) -> bool:
    return server.strip().lower().startswith(SIP_SCHEMES)


def wire_for(server: str) -> ClientWire | SessionWire:
    if is_sip(server):
        from .sipwire import SipWire

        return SipWire(server.strip())
    return JsonWire()
