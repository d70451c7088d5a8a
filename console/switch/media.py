"""The switch's media plane, as the call logic sees it.

The call logic (signaling, routing) decides *what each leg hears*; a media
plane makes it so. The aiortc implementation lives in ``rtc_plane.py``; the
call logic knows only this interface, so signaling tests and a switch with
media disabled run without aiortc.

A "leg" is one console's side of a call, named by its call id. A leg hears
exactly one thing at a time: another leg, a service, or silence.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Callable, Protocol


class ServiceKind(StrEnum):
    ECHO = "echo"  # the caller hears itself
    TONE = "tone"  # a steady tone (TONE_HZ)
    IVR = "ivr"  # answers, plays a prompt tone, plays back each DTMF digit it receives as its DTMF tone pair
    MUSIC = "music"  # music on hold, also what a held party hears
    BUSY = "busy"  # signaling only: ends the call with BUSY
    NOANSWER = "noanswer"  # signaling only: rings until the ring timeout (NOTRESPONDING)
    REJECT = "reject"  # signaling only: ends the call with REJECTED
    CONGESTION = "congestion"  # signaling only: ends the call with CONGESTION


MEDIA_SERVICES = frozenset({ServiceKind.ECHO, ServiceKind.TONE, ServiceKind.IVR, ServiceKind.MUSIC})
TONE_HZ = 1000.0  # the tone service's frequency, at -12 dBFS
MUSIC_HZ = (523.25, 659.25, 783.99)  # music on hold: a C major arpeggio, 250 ms a note, at -18 dBFS


class AudioMix(Protocol):
    """A route shared by several legs (a conference, console.switch.conference.ConferenceMix): the plane hands
    it every decoded 20 ms frame a member leg receives and asks it what each member hears next."""

    def heard(self, leg: str, pcm: bytes) -> None: ...

    def frame_for(self, leg: str) -> bytes | None: ...


class MediaUnavailable(Exception):
    """No media could be allocated (the switch's max_media is reached): DISC_REASON.EQUIPMENT."""


class MediaRejected(Exception):
    """The offer cannot be used (bad SDP, no common codec): DISC_REASON.MEDIA."""


class MediaPlane(Protocol):
    on_failure: Callable[[str], None] | None
    """Set by the call logic; called with a leg id whose ICE/DTLS did not complete in time or failed."""
    on_dtmf: Callable[[str, str], None] | None
    """Set by the call logic; called with (leg id, digit) for each RFC 4733 event a leg's media received."""

    async def answer(self, leg: str, offer: dict) -> dict:
        """Apply an SDP offer ``{"type": "offer", "sdp": ...}`` on the leg's peer connection
        (created on first use, reused on re-offers; a restore sends a fresh offer and the
        plane replaces the old connection) and return the answer. Raises
        MediaUnavailable or MediaRejected."""
        ...

    def route(self, leg: str, hears: str | ServiceKind | AudioMix | None) -> None:
        """What ``leg`` hears from now on: another leg's id, a media service, a mix, or silence (None).
        Legs without media yet remember the route and apply it once negotiated."""
        ...

    def dtmf(self, leg: str, digits: str) -> None:
        """Digits received from ``leg`` (for the IVR, which plays them back)."""
        ...

    def console_back(self, leg: str) -> None:
        """The leg's console restored its session: its media's health counts afresh from now, so the
        restore's new offer has the whole grace period (the old connection died with the old console)."""
        ...

    def has_media(self, leg: str) -> bool:
        ...

    async def close(self, leg: str) -> None:
        """End the leg's media; idempotent."""
        ...

    async def aclose(self) -> None:
        """End all media (switch shutdown)."""
        ...


class NullMediaPlane:
    """A plane with no media: routes are remembered, offers are refused.

    Used when the switch runs with ``media = false``; a console that offers SDP
    then gets DISC_REASON.EQUIPMENT, which is the truth.
    """

    def __init__(self) -> None:
        self.on_failure: Callable[[str], None] | None = None
        self.on_dtmf: Callable[[str, str], None] | None = None
        self.routes: dict[str, str | ServiceKind | AudioMix | None] = {}

    async def answer(self, leg: str, offer: dict) -> dict:
        raise MediaUnavailable("this switch runs without media")

    def route(self, leg: str, hears: str | ServiceKind | AudioMix | None) -> None:
        self.routes[leg] = hears

    def dtmf(self, leg: str, digits: str) -> None:
        pass

    def console_back(self, leg: str) -> None:
        pass

    def has_media(self, leg: str) -> bool:
        return False

    async def close(self, leg: str) -> None:
        self.routes.pop(leg, None)

    async def aclose(self) -> None:
        self.routes.clear()
