"""The test plays the network: drop or cut a CallMedia's UDP traffic (aiortc/aioice internals, pinned 1.16.0)."""

from __future__ import annotations

from console.media.call_media import CallMedia


def _protocols(media: CallMedia):
    for transceiver in media._pc.getTransceivers():  # noqa: SLF001 - the test stands in for the network
        yield from transceiver.sender.transport.transport._connection._protocols  # noqa: SLF001


def blackhole(media: CallMedia) -> None:
    """Every packet to and from this console is lost from now on."""
    for protocol in _protocols(media):
        protocol.transport.sendto = lambda *args, **kwargs: None
        protocol.datagram_received = lambda *args, **kwargs: None


def kill_sockets(media: CallMedia) -> None:
    """This console's media sockets are closed under it."""
    for protocol in _protocols(media):
        protocol.transport.close()
