"""The console's own ICE servers and the switch's: which a call's media is given, in which order."""

from __future__ import annotations

from console.core.client.wire import IceServer
from console.webrtc.call_media_manager import CallMediaManager
from console.webrtc.handlers import TaskSet

OWN = {"urls": ["turn:own.example.org:3478?transport=tcp"], "username": "u", "credential": "p"}


def test_the_consoles_own_servers_come_first_and_each_login_replaces_the_switchs():
    """aioice uses the first TURN server it is given: the operator's own configuration wins; a new login
    result (fresh time-limited credentials) replaces the previous one's, never piles up."""
    media = CallMediaManager(TaskSet(), device=None, ice_servers=(OWN,), media_timeout=5.0, ice_policy="relay")
    assert media.ice_servers == (OWN,) and media.ice_policy == "relay"
    media.use_ice_servers((IceServer(("turn:switch.example.org",), "1700000000:alice", "c1"),))
    media.use_ice_servers((IceServer(("turn:switch.example.org",), "1700086400:alice", "c2"),))
    assert media.ice_servers == (OWN, {"urls": ["turn:switch.example.org"], "username": "1700086400:alice",
                                       "credential": "c2"})
