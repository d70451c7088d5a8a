"""Which ICE candidates of an offer the switch will send STUN to (docs/PROTOCOL.md, Media health).

A console's offer names the addresses the switch's ICE agent then probes
with STUN. Unchecked, any console could make the switch send packets to any
address (a reflection primitive). The policy keeps only candidates whose
address is an IP literal of an allowed class:

* ``loopback``: 127.0.0.0/8, ::1
* ``private``: RFC 1918, link-local, IPv6 unique-local (a LAN)
* ``public``: any other global unicast address
* ``peer``: exactly the address the console's WebSocket comes from (what a
  console behind NAT shows as its server-reflexive candidate)

Host names (mDNS ``.local``) are never resolved, multicast, unspecified and
reserved addresses never probed. Sans-I/O: text in, text out.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum


class CandidateClass(StrEnum):
    LOOPBACK = "loopback"
    PRIVATE = "private"
    PUBLIC = "public"
    PEER = "peer"


DEFAULT_POLICY = (CandidateClass.LOOPBACK, CandidateClass.PRIVATE, CandidateClass.PEER)


def classify(address: str, peer: str | None) -> set[CandidateClass]:
    """The classes an address belongs to (empty: never probed)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return set()
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    classes: set[CandidateClass] = set()
    if peer is not None:
        try:
            peer_ip = ipaddress.ip_address(peer)
            if isinstance(peer_ip, ipaddress.IPv6Address) and peer_ip.ipv4_mapped is not None:
                peer_ip = peer_ip.ipv4_mapped
            if peer_ip == ip:
                classes.add(CandidateClass.PEER)
        except ValueError:
            pass
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return classes
    if ip.is_loopback:
        classes.add(CandidateClass.LOOPBACK)
    elif ip.is_private or ip.is_link_local:
        classes.add(CandidateClass.PRIVATE)
    elif ip.is_global:
        classes.add(CandidateClass.PUBLIC)
    return classes


def filter_candidates(sdp: str, policy: tuple[CandidateClass, ...], peer: str | None) -> tuple[str, int]:
    """Drop every ``a=candidate`` line the policy does not allow; return the SDP and how many were dropped."""
    allowed = set(policy)
    kept: list[str] = []
    dropped = 0
    for line in sdp.splitlines(keepends=True):
        if line.startswith("a=candidate:"):
            parts = line.split()
            if len(parts) < 8 or not classify(parts[4], peer) & allowed:
                dropped += 1
                continue
        kept.append(line)
    return "".join(kept), dropped
