"""RFC 5626 4.4.1 CRLF keep-alive for connection-oriented flows.

The client sends a double CRLF ("ping") and expects a single CRLF ("pong")
within ``PONG_TIMEOUT``; no pong means the flow is dead and the driver
reconnects and registers again. A ``Flow-Timer`` header in the REGISTER
response sets the interval (the client sends somewhat earlier, 4.4.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

PING = b"\r\n\r\n"
PONG = b"\r\n"
PONG_TIMEOUT = 10.0
DEFAULT_INTERVAL = 120.0


class FlowState(StrEnum):
    IDLE = "idle"
    WAITING = "waiting"  # ping sent, pong pending
    FAILED = "failed"


@dataclass
class KeepAlive:
    interval: float = DEFAULT_INTERVAL
    state: FlowState = FlowState.IDLE
    next_ping: float | None = None
    pong_deadline: float | None = None

    def start(self, now: float, flow_timer: int | None = None) -> None:
        if flow_timer:
            self.interval = max(5.0, flow_timer * 0.8)  # a random 80-100 % in the RFC; the low end is safe
        self.state = FlowState.IDLE
        self.next_ping = now + self.interval
        self.pong_deadline = None

    def stop(self) -> None:
        self.next_ping = self.pong_deadline = None
        self.state = FlowState.IDLE

    def on_timer(self, now: float) -> bytes | None:
        """The ping to send now, if one is due. Sets ``state`` to FAILED when a pong is overdue."""
        if self.state is FlowState.WAITING and self.pong_deadline is not None and now >= self.pong_deadline:
            self.state = FlowState.FAILED
            self.next_ping = self.pong_deadline = None
            return None
        if self.state is FlowState.IDLE and self.next_ping is not None and now >= self.next_ping:
            self.state = FlowState.WAITING
            self.pong_deadline = now + PONG_TIMEOUT
            return PING
        return None

    def on_pong(self, now: float) -> None:
        if self.state is FlowState.WAITING:
            self.state = FlowState.IDLE
            self.pong_deadline = None
            self.next_ping = now + self.interval

    @property
    def deadline(self) -> float | None:
        return self.pong_deadline if self.state is FlowState.WAITING else self.next_ping


def is_keepalive(data: bytes | str) -> bool:
    """A frame that is only CRLFs: a pong (or a ping from the server) rather than a message."""
    raw = data.encode() if isinstance(data, str) else data
    return bool(raw) and not raw.strip(b"\r\n")
