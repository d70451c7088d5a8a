"""What a console knows of its SIP server for the attendant features (config.toml ``[sip]``, docs/SIP.md).

Plain data with no SIP imports, so the session can carry it without loading the SIP stack.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.core.directory import DirectoryEntry


@dataclass(frozen=True)
class SipDeskSettings:
    """What a console needs to know of its SIP server for the attendant features (config.toml ``[sip]``)."""

    directory: tuple[DirectoryEntry, ...] = ()  # the extensions with lamps
    pickup_code: str = "*8"  # dialled before an extension to pick up the call ringing there ("" : none)
    dnd_status: int = 486  # what DND answers: 486 Busy Here or 480 Temporarily Unavailable
    no_answer_after: float = 20.0  # seconds a call rings before forwarding on no answer
    pickup_replaces: bool = False  # pick up by INVITE with Replaces (RFC 3891) to the caller, where its phone supports it
    # every WebSocket address of the SIP service (a pair of proxies sharing registrations), the login's server
    # among them: a lost connection is restored through the next one (console/core/client/failover.py)
    outbound_proxies: tuple[str, ...] = ()
