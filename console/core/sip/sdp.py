"""Just enough SDP (RFC 4566/8866, RFC 3264) for offer/answer around aiortc.

aiortc writes the descriptions; the stack needs to read and adjust them:
the media direction (hold and retrieve), the telephone-event payload type
(RFC 4733), and a stable ``o=`` line (aiortc changes the session id on every
offer; RFC 3264 5 wants the same id and a growing version).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from console.core.protocol import MAX_SDP  # one bound for both wires (a SIP body is smaller anyway)

from .errors import SipParseError


class MediaDirection(StrEnum):
    SENDRECV = "sendrecv"
    SENDONLY = "sendonly"
    RECVONLY = "recvonly"
    INACTIVE = "inactive"


# the answer's direction for an offer's (RFC 3264 6.1), when the answerer is willing to do anything
ANSWER_DIRECTION = {
    MediaDirection.SENDRECV: MediaDirection.SENDRECV,
    MediaDirection.SENDONLY: MediaDirection.RECVONLY,
    MediaDirection.RECVONLY: MediaDirection.SENDONLY,
    MediaDirection.INACTIVE: MediaDirection.INACTIVE,
}


@dataclass
class Media:
    kind: str
    port: int
    proto: str
    formats: list[str]
    lines: list[str] = field(default_factory=list)  # every line after m=, in order

    def attributes(self, name: str) -> list[str]:
        prefix = f"a={name}"
        return [line[len(prefix) + 1:] if line.startswith(prefix + ":") else "" for line in self.lines
                if line == prefix or line.startswith(prefix + ":")]

    @property
    def direction(self) -> MediaDirection:
        for line in self.lines:
            if line[2:] in MediaDirection.__members__.values():
                return MediaDirection(line[2:])
        return MediaDirection.SENDRECV

    @direction.setter
    def direction(self, value: MediaDirection) -> None:
        self.lines = [line for line in self.lines if line[2:] not in MediaDirection.__members__.values()]
        self.lines.append(f"a={value}")

    def rtpmap(self) -> dict[str, str]:
        """payload type -> "encoding/rate[/channels]"."""
        out = {}
        for value in self.attributes("rtpmap"):
            pt, _, enc = value.partition(" ")
            out[pt] = enc
        return out

    def telephone_event(self) -> int | None:
        for pt, enc in self.rtpmap().items():
            if enc.lower().startswith("telephone-event/") and pt.isdigit():
                return int(pt)
        return None

    def telephone_event_rates(self) -> set[int]:
        """The clock rates of the telephone-event payload types this media lists."""
        rates = set()
        for pt, enc in self.rtpmap().items():
            name, _, rest = enc.partition("/")
            rate = rest.partition("/")[0]
            if name.lower() == "telephone-event" and pt in self.formats and rate.isdigit():
                rates.add(int(rate))
        return rates

    def add_telephone_event(self, pt: int = 101, rate: int = 48000) -> None:
        if self.telephone_event() is None:
            self.formats.append(str(pt))
            self.lines += [f"a=rtpmap:{pt} telephone-event/{rate}", f"a=fmtp:{pt} 0-16"]


@dataclass
class SessionDescription:
    session: list[str]
    media: list[Media]

    @classmethod
    def parse(cls, text: str | bytes) -> SessionDescription:
        if isinstance(text, bytes):
            if len(text) > MAX_SDP:
                raise SipParseError("SDP too large", status=413)
            text = text.decode("utf-8", errors="replace")
        lines = [line for line in text.replace("\r\n", "\n").split("\n") if line]
        if not lines or not lines[0].startswith("v="):
            raise SipParseError("SDP must start with v=", status=488)
        session: list[str] = []
        media: list[Media] = []
        for line in lines:
            if len(line) < 2 or line[1] != "=":
                raise SipParseError(f"bad SDP line {line[:60]!r}", status=488)
            if line.startswith("m="):
                parts = line[2:].split()
                if len(parts) < 4 or not parts[1].split("/")[0].isdigit():
                    raise SipParseError(f"bad SDP media line {line[:60]!r}", status=488)
                media.append(Media(parts[0], int(parts[1].split("/")[0]), parts[2], parts[3:]))
            elif media:
                media[-1].lines.append(line)
            else:
                session.append(line)
        if not any(line.startswith("o=") for line in session):
            raise SipParseError("SDP without o= line", status=488)
        return cls(session, media)

    def __str__(self) -> str:
        out = list(self.session)
        for m in self.media:
            out.append(f"m={m.kind} {m.port} {m.proto} {' '.join(m.formats)}")
            out += m.lines
        return "\r\n".join(out) + "\r\n"

    @property
    def direction(self) -> MediaDirection:
        """The direction of the first audio stream (a port of 0 is inactive)."""
        for m in self.media:
            if m.kind == "audio":
                return MediaDirection.INACTIVE if m.port == 0 else m.direction
        return MediaDirection.INACTIVE

    def set_direction(self, value: MediaDirection) -> None:
        for m in self.media:
            m.direction = value

    @property
    def origin(self) -> tuple[str, int]:
        """(session id, version) of the o= line."""
        parts = self._origin_parts()
        return parts[1], int(parts[2])

    def set_origin(self, session_id: str, version: int) -> None:
        parts = self._origin_parts()
        parts[1], parts[2] = session_id, str(version)
        self.session = [("o=" + " ".join(parts)) if line.startswith("o=") else line for line in self.session]

    def _origin_parts(self) -> list[str]:
        line = next(line for line in self.session if line.startswith("o="))
        parts = line[2:].split()
        if len(parts) != 6 or not parts[2].isdigit():
            raise SipParseError(f"bad SDP origin {line[:60]!r}", status=488)
        return parts


@dataclass
class OriginKeeper:
    """Keeps one ``o=`` session id across a call's offers and counts the version up (RFC 3264 8)."""

    session_id: str | None = None
    version: int = 0

    def stamp(self, sdp: str) -> str:
        desc = SessionDescription.parse(sdp)
        sid, version = desc.origin
        if self.session_id is None:
            self.session_id, self.version = sid, version
        else:
            self.version += 1
        desc.set_origin(self.session_id, self.version)
        return str(desc)
