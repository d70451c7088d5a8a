"""The default comm factory: the WebSocket implementation of the comm interface.

Its own module so that the interface (comm.py) does not import its implementation
(websocket.py), which imports the interface.
"""

from __future__ import annotations

from console.net.comm import CommInterface
from console.net.websocket import WebSocketComm


def default_comm_factory() -> CommInterface:
    """A new WebSocket connection, not yet open."""
    return WebSocketComm()
