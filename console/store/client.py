"""The client the console runs: how it is made (the factory) and whether its server address is TLS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from console.core.errors import ConsoleError

if TYPE_CHECKING:
    from .port import ClientPort as WebRtcInstance

ClientFactory = Callable[[Callable[..., Any], Callable[..., Any]], "WebRtcInstance"]


class NoClientError(ConsoleError, RuntimeError):
    """A request to a console built for display only (no client factory)."""


def client_factory(device: Any = None, ice_servers: tuple = (), ca_file: str | None = None,
                   description: str = "anynode-console", auto_reconnect: bool = True,
                   ringer: str | int | None = None, sip_desk: Any = None, park: str = "local",
                   park_recall: float = 60.0, ice_policy: str = "all",
                   audio_latency_ms: int | None = None) -> ClientFactory:
    """The default: a real :class:`console.webrtc.WebRtcInstance` (imported when first needed).

    An operator's console reconnects by itself: a lost connection is restored
    while the switch keeps the session (``auto_reconnect``).
    """

    def make(on_login: Callable[..., Any], on_incoming: Callable[..., Any]) -> WebRtcInstance:
        from console.webrtc import WebRtcInstance

        # the switchboard's choices: a second call holds the connected one; diagnostics go to the log pane
        return WebRtcInstance(on_login, on_incoming, description, device=device, ringer=ringer, ice_servers=ice_servers,
                              ice_policy=ice_policy, ca_file=ca_file, auto_reconnect=auto_reconnect, auto_hold=True,
                              diagnostics_to_stderr=False, sip_desk=sip_desk, park=park, park_recall=park_recall,
                              audio_latency_ms=audio_latency_ms)

    return make


def is_secure(server: str) -> bool:
    """ws://, http:// and sip+ws:// are plain; anything else (wss://, https://, sip+wss://, bare host:port) is TLS.

    A SIP address names its transport: ``sip+ws://`` is as clear as ``ws://`` (``console.core.transport``)."""
    return not server.strip().lower().startswith(("ws://", "http://", "sip+ws://"))
