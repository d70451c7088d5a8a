"""What a far end may legally put in its SDP and aiortc cannot parse, rewritten before aiortc sees it."""

from __future__ import annotations

import re

# RFC 8285 4.1: a=extmap:<value>["/"<direction>] <URI> <extensionattributes>; aiortc's parser takes exactly two
# fields (liblinphone sends "a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=off")
_EXTMAP_ATTRIBUTES = re.compile(r"^(a=extmap:\S+ \S+)[ \t]+[^\r\n]*(?=\r?$)", re.MULTILINE)


def for_aiortc(sdp: str) -> str:
    """``sdp`` with the extension attributes of its ``a=extmap`` lines dropped (aiortc never uses them)."""
    return _EXTMAP_ATTRIBUTES.sub(r"\1", sdp)
