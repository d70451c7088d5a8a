"""Is a login to this server sent in clear to another machine? One rule for the CLI, the login screen and the API.

Pure: it reads the address, it opens nothing and resolves no name.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

CLEARTEXT_SCHEMES = ("ws", "http", "sip+ws")


def cleartext_host(server: str, secure: bool = False) -> str | None:
    """The host a login to ``server`` would reach without TLS, or None when it is encrypted or stays here.

    ``secure`` is the seed's flag: it upgrades ``ws://`` (and a bare ``host:port``) to TLS, as
    ``console.net.comm.server_url`` does, while ``wss://`` is never downgraded. A SIP address names its
    transport, so there the scheme alone decides (``sip+ws://`` is clear, ``sip+wss://`` is not). Loopback
    (``localhost``, 127.0.0.0/8, ``::1``) never leaves the machine, so it is never cleartext "to another host".
    """
    text = server.strip() if isinstance(server, str) else ""
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "", text
    scheme = scheme.lower()
    if scheme.startswith("sip+"):
        clear = scheme == "sip+ws"
    else:
        clear = not secure and scheme in ("", *CLEARTEXT_SCHEMES)
    if not clear:
        return None
    try:
        host = urlsplit(f"//{rest}").hostname or ""
    except ValueError:
        host = ""
    return None if not host or is_loopback(host) else host  # no host: the connection fails as a bad URL


def is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
