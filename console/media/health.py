"""Is a call's media alive? One rule for the console and the switch (docs/PROTOCOL.md, Media health).

Sans-I/O: the owner feeds it what it sees (a received audio frame, whether the
negotiated direction says audio should arrive, the peer connection's state)
with the time, and asks :meth:`MediaHealth.check`. Media is dead when

* the peer connection is ``failed`` (ICE consent expired, DTLS failed) or
  ``closed`` without us closing it, or
* audio should arrive (the direction is ``sendrecv``/``recvonly`` and the
  connection is up) and none did for ``timeout`` seconds (the grace period).

Both ends send a steady 20 ms stream whenever the direction allows it (silence
included), so a gap this long is never a quiet talker.
"""

from __future__ import annotations

MEDIA_TIMEOUT = 6.0  # s: the grace period before a call without audio ends with DISC_REASON.MEDIA
CHECK_EVERY = 0.5  # s between checks by the drivers
DEAD_STATES = frozenset({"failed", "closed"})


class MediaHealth:
    def __init__(self, timeout: float = MEDIA_TIMEOUT):
        if timeout <= 0:
            raise ValueError(f"the media timeout must be > 0, not {timeout!r}")
        self.timeout = timeout
        self._last_frame: float | None = None
        self._expecting_since: float | None = None  # audio should arrive since then (None: it should not)
        self._dead: str | None = None

    def frame(self, now: float) -> None:
        """An audio frame arrived."""
        self._last_frame = now

    def expect(self, receiving: bool, now: float) -> None:
        """Whether audio should arrive from now on (the connection is up and the direction receives)."""
        if not receiving:
            self._expecting_since = None
        elif self._expecting_since is None:
            self._expecting_since = now

    def connection(self, state: str) -> None:
        """The peer connection's state; ``failed`` or ``closed`` is dead at once."""
        if state in DEAD_STATES and self._dead is None:
            self._dead = f"the media connection is {state}"

    def silent_for(self, now: float) -> float:
        """Seconds without audio while audio should arrive (0 while it should not)."""
        if self._expecting_since is None:
            return 0.0
        since = self._expecting_since if self._last_frame is None else max(self._expecting_since, self._last_frame)
        return max(0.0, now - since)

    def check(self, now: float) -> str | None:
        """Why the media is dead, or None while it is alive."""
        if self._dead is not None:
            return self._dead
        silent = self.silent_for(now)
        if silent > self.timeout:
            return f"no audio received for {silent:.1f} s (the limit is {self.timeout:g} s)"
        return None
