"""RFC 4733 telephone-events: the payload, a receiver that turns packets into digits, a sender schedule.

Pure and synchronous (no aiortc here): ``patches.py`` hooks these into aiortc's
RTP receive and send paths, ``CallMedia`` and the switch's plane use them.

An event is one digit. Its packets all carry the RTP timestamp of the event's
start; the duration grows; the last packet has the E bit and is sent three
times (RFC 4733 2.5.1.4). So a digit is identified by its timestamp: the
receiver reports a digit once, when the first packet of a new timestamp
arrives, and ignores the rest (updates, the end, the retransmitted ends).

Clock rates: the event packets replace audio packets of the same stream (same
SSRC, sequence numbers and timestamp base, RFC 4733 2.1), so their RTP
timestamps stay on the audio's clock; the duration field counts the clock of
the negotiated telephone-event payload type (RFC 4733 2.5.1.2, "in timestamp
units" of that payload format). With Opus (48000) beside telephone-event/8000,
what most SIP phones offer, a 100 ms digit spans 4800 timestamp units and
reports a duration of 800, as baresip and libwebrtc send it.
"""

from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass

EVENTS = "0123456789*#ABCD"  # event codes 0-15 (RFC 4733 3.2)
MIME = "audio/telephone-event"
TONE_MS = 100  # RTCDTMFSender's default duration (it allows 40-6000 ms)
GAP_MS = 70  # RTCDTMFSender's default inter-tone gap (at least 30 ms)
TONE_MS_RANGE = (40, 6000)
GAP_MS_MIN = 30
END_REPEATS = 3  # the end packet is sent this many times
VOLUME = 10  # -10 dBm0
MAX_DURATION = 0xFFFF
_PAYLOAD = struct.Struct("!BBH")


@dataclass(frozen=True)
class Event:
    code: int
    end: bool
    volume: int
    duration: int

    @property
    def digit(self) -> str | None:
        return EVENTS[self.code] if 0 <= self.code < len(EVENTS) else None


def pack(code: int, duration: int, end: bool = False, volume: int = VOLUME) -> bytes:
    return _PAYLOAD.pack(code, (0x80 if end else 0) | (volume & 0x3F), min(duration, MAX_DURATION))


def unpack(payload: bytes) -> Event | None:
    """The first event of a payload, or None if it is too short to be one."""
    if len(payload) < _PAYLOAD.size:
        return None
    code, flags, duration = _PAYLOAD.unpack_from(payload)
    return Event(code, bool(flags & 0x80), flags & 0x3F, duration)


class EventReceiver:
    """Packets in, digits out: one digit per event, whatever the retransmissions.

    A long key press that outlasts the 16-bit duration continues with a new
    timestamp (RFC 4733 2.5.1.3); that is recognised and not reported again.
    """

    def __init__(self, remember: int = 16) -> None:
        self._seen: deque[int] = deque(maxlen=remember)
        self._last: tuple[int, int, int, bool] | None = None  # timestamp, code, duration, ended

    def receive(self, timestamp: int, payload: bytes) -> str | None:
        event = unpack(payload)
        if event is None:
            return None
        last = self._last
        if last is not None and last[0] == timestamp:
            self._last = (timestamp, last[1], max(last[2], event.duration), last[3] or event.end)
            return None
        if timestamp in self._seen:
            return None  # a late retransmission of an older event
        self._seen.append(timestamp)
        continued = (
            last is not None and not last[3] and last[1] == event.code
            and timestamp == (last[0] + last[2]) & 0xFFFFFFFF
        )
        self._last = (timestamp, event.code, event.duration, event.end)
        return None if continued else event.digit


@dataclass
class _Tone:
    code: int
    length: int  # samples
    gap: int  # samples of audio after it
    start: int | None = None  # RTP timestamp of the first packet
    ends_sent: int = 0


class EventSender:
    """Which packet goes out in each 20 ms audio slot while digits are queued.

    ``next(timestamp)`` is asked once per outgoing audio packet with that packet's
    RTP timestamp; it returns None (send the audio) or ``(marker, event timestamp,
    payload)`` for a telephone-event packet that replaces it, as browsers do:
    ``tone_ms`` of event packets, the end packet three times, then ``gap_ms`` of
    audio before the next digit (clamped as RTCDTMFSender.insertDTMF does).

    ``clock_rate`` is the audio stream's (the timestamps), ``event_rate`` the
    telephone-event payload type's (the durations); by default the same.
    """

    def __init__(self, clock_rate: int, event_rate: int | None = None) -> None:
        self.clock_rate = clock_rate
        self.event_rate = event_rate or clock_rate
        self.frame = clock_rate // 50  # samples in one 20 ms packet
        self._queue: deque[_Tone] = deque()
        self._gap_until: int | None = None
        self.sent_digits = 0
        self.packets = 0  # audio packets replaced by event packets so far

    def insert(self, digits: str, tone_ms: int = TONE_MS, gap_ms: int = GAP_MS) -> None:
        tone_ms = min(max(tone_ms, TONE_MS_RANGE[0]), TONE_MS_RANGE[1])
        length = max(self.frame, self.clock_rate * tone_ms // 1000)
        gap = self.clock_rate * max(gap_ms, GAP_MS_MIN) // 1000
        for digit in digits.upper():
            self._queue.append(_Tone(EVENTS.index(digit), length, gap))

    def requeue(self, other: EventSender) -> None:
        """Take over the digits another sender (for an older negotiation) had not sent."""
        for tone in other._queue:
            scale = self.clock_rate / other.clock_rate
            self._queue.append(_Tone(tone.code, int(tone.length * scale), int(tone.gap * scale)))

    @property
    def pending(self) -> str:
        return "".join(EVENTS[t.code] for t in self._queue)

    def next(self, timestamp: int) -> tuple[bool, int, bytes] | None:
        if self._gap_until is not None:
            if ((timestamp - self._gap_until) & 0xFFFFFFFF) >= 0x80000000:
                return None  # still in the gap
            self._gap_until = None
        if not self._queue:
            return None
        tone = self._queue[0]
        self.packets += 1
        marker = tone.start is None
        if tone.start is None:
            tone.start = timestamp
        duration = ((timestamp - tone.start) & 0xFFFFFFFF) + self.frame
        if duration < tone.length:
            return marker, tone.start, pack(tone.code, self._in_event_units(duration))
        tone.ends_sent += 1
        if tone.ends_sent >= END_REPEATS:
            self._queue.popleft()
            self.sent_digits += 1
            self._gap_until = (timestamp + self.frame + tone.gap) & 0xFFFFFFFF
        return marker, tone.start, pack(tone.code, self._in_event_units(tone.length), end=True)

    def _in_event_units(self, samples: int) -> int:
        return samples * self.event_rate // self.clock_rate
