"""STUN only towards candidates the policy allows: no reflection primitive (issue 13, item 10)."""

from __future__ import annotations

import pytest

from console.switch.candidates import DEFAULT_POLICY, CandidateClass, filter_candidates

from .conftest import FakePlane

C = CandidateClass


def candidate(address: str, kind: str = "host") -> str:
    return f"a=candidate:1 1 udp 2130706431 {address} 5000 typ {kind}\r\n"


@pytest.mark.parametrize("address, policy, kept", [
    ("127.0.0.1", DEFAULT_POLICY, True),
    ("10.1.2.3", DEFAULT_POLICY, True),
    ("192.168.0.7", DEFAULT_POLICY, True),
    ("fd00::1", DEFAULT_POLICY, True),
    ("8.8.8.8", DEFAULT_POLICY, False),  # a stranger's public address: the switch would reflect to it
    ("93.184.216.34", DEFAULT_POLICY, False),
    ("8.8.8.8", (C.PUBLIC,), True),
    ("127.0.0.1", (C.PUBLIC,), False),
    ("abcd-1234.local", DEFAULT_POLICY, False),  # never resolved
    ("224.0.0.1", (C.LOOPBACK, C.PRIVATE, C.PUBLIC), False),  # multicast
    ("0.0.0.0", (C.LOOPBACK, C.PRIVATE, C.PUBLIC), False),
    ("garbage", DEFAULT_POLICY, False),
])
def test_the_policy_by_address_class(address, policy, kept):
    sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 96\r\n" + candidate(address) + "a=end-of-candidates\r\n"
    out, dropped = filter_candidates(sdp, policy, peer="198.51.100.1")
    assert (candidate(address) in out) is kept and dropped == (0 if kept else 1)
    assert out.startswith("v=0\r\nm=audio") and out.endswith("a=end-of-candidates\r\n")


def test_peer_allows_only_the_websockets_own_address():
    sdp = candidate("198.51.100.1", "srflx") + candidate("198.51.100.2", "srflx")
    out, dropped = filter_candidates(sdp, (C.PEER,), peer="198.51.100.1")
    assert out == candidate("198.51.100.1", "srflx") and dropped == 1
    assert filter_candidates(sdp, (C.PEER,), peer="::ffff:198.51.100.2")[0] == candidate("198.51.100.2", "srflx")


async def test_the_switch_hands_the_plane_only_allowed_candidates(switch, clients, plane: FakePlane, caplog):
    wire = await clients.login("alice")
    sdp = "v=0\r\ns=ok\r\n" + candidate("8.8.8.8") + candidate("127.0.0.1")
    dialed = await wire.request("dial", number="9000", sdp={"type": "offer", "sdp": sdp})
    offered = plane.offers[dialed["call"]["call"]][0]["sdp"]
    assert "8.8.8.8" not in offered and "127.0.0.1" in offered
    assert any("candidate" in r.getMessage() and "8.8.8.8" not in r.getMessage() for r in caplog.records)


def test_the_policy_in_the_config():
    from console.switch.config import ConfigError, parse_config

    assert parse_config({}).candidates == DEFAULT_POLICY
    assert parse_config({"switch": {"candidates": ["public"]}}).candidates == (C.PUBLIC,)
    with pytest.raises(ConfigError, match=r"\[switch\] candidates"):
        parse_config({"switch": {"candidates": ["everywhere"]}})
    with pytest.raises(ConfigError, match=r"\[switch\] candidates"):
        parse_config({"switch": {"candidates": []}})
