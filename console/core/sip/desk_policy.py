"""Do not disturb and call forwarding, answered by the console itself to incoming INVITEs.

No server feature is needed: DND answers every new call ``486 Busy Here`` (or
``480``, configurable), or forwards it to the busy target where one is set, as
the embedded switch does; forwarding answers ``302 Moved Temporarily`` with the
target in Contact -- always, when a call is already up (busy), or after the call
rang ``no_answer_after`` seconds unanswered. The caller's phone (or the proxy)
follows the 302 (RFC 3261 8.1.3.4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

DND_STATUSES = (486, 480)


@dataclass
class IncomingPolicy:
    dnd: bool = False
    dnd_status: int = 486
    always: str | None = None
    busy: str | None = None
    no_answer: str | None = None
    no_answer_after: float = 20.0
    ringing_since: dict[str, float] = field(default_factory=dict)  # Call-ID -> when it started ringing here

    def refusal(self, live_calls: int) -> tuple[int, str | None] | None:
        """How to answer a new INVITE now: (486/480, None), (302, target), or None to let it ring."""
        if self.always:
            return 302, self.always
        if self.dnd:  # as on the embedded switch: busy, or the busy forwarding target
            return (302, self.busy) if self.busy else (self.dnd_status, None)
        if self.busy and live_calls > 0:
            return 302, self.busy
        return None

    def ringing(self, call_id: str, now: float) -> None:
        if self.no_answer:
            self.ringing_since[call_id] = now

    def due(self, now: float) -> list[str]:
        """Calls that rang long enough to be forwarded on no answer."""
        late = [c for c, t in self.ringing_since.items() if now >= t + self.no_answer_after]
        for call_id in late:
            del self.ringing_since[call_id]
        return late

    def next_deadline(self) -> float | None:
        if not self.no_answer or not self.ringing_since:
            return None
        return min(self.ringing_since.values()) + self.no_answer_after
