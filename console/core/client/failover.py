"""Which address of a SIP service a lost connection is restored through (a pair of proxies, or more).

A deployment that must survive losing a proxy runs two (docs/sip/README.md, "When one machine is not
enough"); they share the registrations, so the console needs one WebSocket at a time: when it closes, the
reconnector restores the login (the same RFC 5626 instance and reg-id, so the registrar replaces the binding)
through the next address, and the dialogs carry on there. Pure: the driver asks, nothing here opens anything.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def proxy_ring(server: str, proxies: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """``server`` then ``proxies``, each once, in order (config.toml ``server`` and ``[sip] outbound_proxies``)."""
    return tuple(dict.fromkeys(p.strip() for p in (server, *proxies) if p and p.strip()))


def next_server(current: str, ring: tuple[str, ...]) -> str:
    """Where to restore a connection lost on ``current``: the address after it in ``ring`` (round robin, so a
    node that is back is tried again later); ``current`` itself when it is not in the ring (another service)."""
    current = current.strip()
    if current not in ring:
        return current
    return ring[(ring.index(current) + 1) % len(ring)]


def same_service(first: str, second: str, ring: tuple[str, ...]) -> bool:
    """Whether two addresses reach the same SIP service: equal, or both in the ring (the pair's nodes)."""
    first, second = first.strip(), second.strip()
    return first == second or (first in ring and second in ring)


def check_proxies(proxies: object) -> tuple[str, ...]:
    """config.toml ``[sip] outbound_proxies``: a list of ``sip+ws://`` / ``sip+wss://`` addresses with a host.

    Raises ValueError naming the bad entry (the config reports it with the file and key)."""
    if not isinstance(proxies, list | tuple):
        raise ValueError("must be a list of sip+ws:// or sip+wss:// addresses")
    out: list[str] = []
    for item in proxies:
        parts = urlsplit(item.strip()) if isinstance(item, str) else None
        if parts is None or parts.scheme not in ("sip+ws", "sip+wss") or not parts.hostname:
            raise ValueError(f"{item!r} is not a sip+ws:// or sip+wss:// address with a host")
        try:
            parts.port  # noqa: B018 - raises for a port out of range
        except ValueError as exc:
            raise ValueError(f"{item!r}: {exc}") from None
        out.append(item.strip())
    if len(out) > 8:
        raise ValueError("at most 8 addresses")
    return tuple(out)
