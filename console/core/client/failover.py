"""Which address of a SIP service a login goes through (a pair of proxies, or more).

A deployment that must survive losing a proxy runs two (docs/sip/README.md, "When one machine is not
enough"); they share the registrations, so the console needs one WebSocket at a time: when it closes, the
reconnector restores the login (the same RFC 5626 instance and reg-id, so the registrar replaces the binding)
through the next address, and the dialogs carry on there. A login (or restore) whose address cannot be
connected to goes on through the next one (:class:`ProxyWalk`): an operator starting the console while node 1
is down for maintenance logs in through node 2. Pure: the session asks, nothing here opens anything.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from console.core.transport import cleartext_host

from .failures import LoginFailureKind
from .sip_settings import SipDeskSettings

log = logging.getLogger("console.core.client")

# Why a connection that could not be opened moves the login on to the next proxy: the failure is that node's
# (down, refusing, a broken TLS listener, a front end refusing the WebSocket while the node is away, an address
# nobody resolves) and the next node may well answer. Not: a certificate that did not verify (it may be an
# interception, and it is a configuration the operator must see, not hide behind another node), a fault in the
# console itself (every node would meet it), and nothing the server answered to the login itself (a wrong
# password, no number for the user, a session the registrar no longer knows: the other node shares the same
# accounts and registrations, so it would say the same).
PASS_OVER = frozenset({LoginFailureKind.UNREACHABLE, LoginFailureKind.TLS, LoginFailureKind.REJECTED,
                       LoginFailureKind.BAD_URL})


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


def login_order(server: str, ring: tuple[str, ...]) -> tuple[str, ...]:
    """The addresses a login to ``server`` may try, in order: ``server``, then the ring's others round from it
    (``server`` alone when it is not in the ring: another service)."""
    server = server.strip()
    if server not in ring:
        return (server,)
    at = ring.index(server)
    return ring[at:] + ring[:at]


class ProxyWalk:
    """One login attempt's way through the ring: each address at most once, in :func:`login_order`.

    The session keeps the login state CONNECTING while it walks (the seed's SERVER_ACCESS means that the
    connection to the server failed: it is reported once, when no address is left). An address that would
    carry the credentials in clear when that is not allowed is never tried (the first one is the session's
    own check: the login ends there, as it always did).
    """

    def __init__(self, server: str, desk: SipDeskSettings | None, secure: bool, allow_cleartext: bool = True) -> None:
        first, *rest = login_order(server, desk.outbound_proxies if desk is not None else ())
        self.secure = secure  # the application's flag, for each address (a SIP address names its own transport)
        self._left: list[str] = []
        self._tried = 0
        for address in rest:
            try:
                check_proxies([address])  # the API's SipDeskSettings are not checked as config.toml's are
            except ValueError as exc:
                log.warning("login: %s passed over: %s", address, exc)
                continue
            host = None if allow_cleartext else cleartext_host(address, secure)
            if host is None:
                self._left.append(address)
            else:
                log.warning("login: %s passed over: it would carry the credentials to %s in clear "
                            "(cleartext is not allowed)", address, host)
        self.size = 1 + len(self._left)  # the addresses this attempt may try

    @property
    def walking(self) -> bool:
        """More than one address to try: each one tried is logged."""
        return self.size > 1

    def tried(self, server: str) -> None:
        self._tried += 1
        if self.walking:
            log.info("login: trying %s (proxy %d of %d)", server, self._tried, self.size)

    def failed(self, server: str, kind: LoginFailureKind, error: object) -> str | None:
        """The connection to ``server`` failed with ``kind``: the next address to try, or None (the login ends)."""
        if kind in PASS_OVER and self._left:
            following = self._left.pop(0)
            log.warning("login: %s passed over: %s (%s); next: %s", server, kind, error, following)
            return following
        if kind is LoginFailureKind.INTERNAL:
            return None  # a fault in the console: the session reports it to the application
        if self.walking:
            why = "no proxy left" if kind in PASS_OVER else "the next proxy would not fix it"
            log.warning("login: %s failed: %s (%s); %s", server, kind, error, why)
        else:
            log.warning("login: %s", error)
        return None
