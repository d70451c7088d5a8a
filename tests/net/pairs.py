"""Which ICE candidate pair a peer connection selected (aioice's nominated pair), as plain data."""

from __future__ import annotations

from typing import Any


def selected_pair(pc: Any) -> dict[str, Any] | None:
    """``{"local_type", "local", "remote_type", "remote", "via"}`` of the audio transport's nominated pair, or None."""
    for transceiver in pc.getTransceivers():
        transport = transceiver.receiver.transport
        connection = getattr(getattr(transport, "transport", None), "_connection", None)
        nominated = getattr(connection, "_nominated", {}) if connection is not None else {}
        pair = nominated.get(1)
        if pair is not None:
            local, remote = pair.local_candidate, pair.remote_candidate
            inner = getattr(getattr(pair.protocol, "transport", None), "_TurnTransport__inner_protocol", None)
            via = repr(inner) if inner is not None else "udp"  # "turn/udp" or "turn/tcp" for a relay
            if inner is not None and inner.transport.get_extra_info("ssl_object") is not None:
                via = "turn/tls"
            return {"local_type": local.type, "local": f"{local.host}:{local.port}",
                    "remote_type": remote.type, "remote": f"{remote.host}:{remote.port}", "via": via}
    return None
