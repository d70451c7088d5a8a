"""The comm interface: how the client core reaches a switch.

Like the seed's ``anynodeCommInterface`` (anynode_comm.js), the client driver
(``console.webrtc``) knows only this interface, so another wire (HTTP long
poll, a test double for a machine without sockets) can be swapped in by
passing a different ``comm_factory`` to :class:`console.webrtc.WebRtcInstance`.
The default is the WebSocket implementation (``console.net.factory.default_comm_factory``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import StrEnum
from typing import Callable

from console.core.errors import CommClosed, CommError

__all__ = ["CommClosed", "CommError", "CommFactory", "CommFailure", "CommInterface", "server_url"]


class CommFailure(StrEnum):
    """Why a connection could not be opened."""

    UNREACHABLE = "unreachable"  # refused, timed out, no route
    BAD_URL = "bad_url"  # the address cannot be used: not a URL, a port out of range, a host name nobody knows
    TLS = "tls"  # the TLS handshake failed for another reason (e.g. wss:// against a plain ws:// port)
    CERTIFICATE = "certificate"  # the server's certificate did not verify: an unknown CA, another name, expired
    REJECTED = "rejected"  # the server answered but refused the WebSocket
    INTERNAL = "internal"  # a fault in the comm or its factory (an ImportError, a TypeError): no server was to blame


class CommInterface(ABC):
    """One connection to a switch, carrying text frames both ways."""

    @abstractmethod
    async def connect(self, url: str, *, secure: bool, ca_file: str | None = None) -> None:
        """Open the connection or raise :class:`CommError`.

        A wire that needs a WebSocket subprotocol (SIP) calls it with ``subprotocol="sip"`` as well;
        an implementation that cannot do that simply lacks the keyword (the login then fails).
        """

    @abstractmethod
    async def send(self, frame: str) -> None:
        """Send one frame or raise :class:`CommClosed`."""

    @abstractmethod
    async def receive(self) -> str:
        """The next frame; raise :class:`CommClosed` when the connection ends."""

    @abstractmethod
    async def close(self) -> None:
        """Close the connection; idempotent."""


CommFactory = Callable[[], CommInterface]


def server_url(server: str, secure: bool) -> str:
    """The URL to open: ``secure`` asks for wss://, and a wss:// (or https://) URL is never downgraded.

    ``server`` may be ``host:port`` or a full ws/wss/http/https URL. ``secure``
    upgrades a plain URL to TLS, as in the seed; ``secure=False`` with a
    ``wss://`` URL still uses TLS: a URL that names TLS never silently loses it.
    """
    server = server.strip()
    scheme_given = ""
    if "://" in server:
        scheme_given, server = server.split("://", 1)
    tls = secure or scheme_given.lower() in ("wss", "https")
    return f"{'wss' if tls else 'ws'}://{server}"
