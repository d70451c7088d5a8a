"""The switch's records: sessions, call legs, and calls being set up.

Plain mutable dataclasses owned by :class:`console.switch.calls.Exchange`;
they hold no logic beyond what describes themselves, so every state change
happens in one place (the exchange) and is announced from there.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

from console.core.callinfo import CallInfo, Recall
from console.core.enums import CALL_STATES, DISC_REASON
from console.core.machines import CallMachine, Phase
from console.core.protocol import Message
from console.core.queues import QueueOffer
from console.switch.auth import Identity
from console.switch.media import ServiceKind

RECENT_LEGS = 64  # ended legs a session remembers, so a late request gets wrong_state, not unknown_call


@dataclass(eq=False)
class Session:
    """One login: survives its socket for the configured lifetime, so a console can restore it."""

    identifier: str
    identity: Identity
    notification: bool = False
    client: str | None = None
    send: Callable[[Message], None] | None = None  # the connection's outbox; None while no socket is attached
    address: str | None = None  # the IP address of the connection that last attached (candidate policy "peer")
    legs: dict[str, Leg] = field(default_factory=dict)  # live legs, in creation order
    recent: OrderedDict[str, Leg] = field(default_factory=OrderedDict)
    expiry: asyncio.TimerHandle | None = None
    ended: bool = False

    @property
    def username(self) -> str | None:
        return self.identity.username

    @property
    def number(self) -> str | None:
        return self.identity.number

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def connected(self) -> bool:
        return self.send is not None

    def forget(self, leg: Leg) -> None:
        """Move an ended leg from the live list to the bounded recent list."""
        self.legs.pop(leg.id, None)
        self.recent[leg.id] = leg
        while len(self.recent) > RECENT_LEGS:
            self.recent.popitem(last=False)


@dataclass(eq=False)
class Leg:
    """One side of a call. A leg without an owner is virtual: a service, or the demo caller."""

    id: str
    owner: Session | None
    machine: CallMachine
    local_number: str = ""
    local_name: str = ""
    remote_number: str = ""
    remote_name: str = ""
    service: ServiceKind | None = None  # what a virtual leg plays to its peer
    peer: Leg | None = None  # the leg it is bridged to, once connected
    setup: Setup | None = None  # the call being set up, until it is answered or ends
    conference: Any = None  # the console.switch.conference.Conference it is a member of, if any
    began: float = field(default_factory=time.time)  # Unix time the leg was made (a caller's: when it rang in)
    waiting_since: float | None = None  # a recall: when its caller first rang in (sent on the call object)
    recall_from: str = ""  # a recall: the orbit it comes back from
    parked_on: str = ""  # a console's leg that ended because its far end was parked: the orbit
    transferred_by: str = ""  # offered because this number transferred the caller here (told to the console)
    forwarded_from: str = ""  # offered because this number forwarded the call here
    recall: RecallOf | None = None  # offered back to the console whose transfer nobody took
    queue: QueueOffer | None = None  # offered by a queue (told to the console: queue, position, waited)

    @property
    def state(self) -> CALL_STATES:
        return self.machine.state

    @property
    def live(self) -> bool:
        return self.machine.phase is not Phase.DISCONNECTED

    @property
    def virtual(self) -> bool:
        return self.owner is None

    def info(self) -> CallInfo:
        return CallInfo(
            call=self.id,
            direction=self.machine.direction,
            state=self.machine.state,
            local_number=self.local_number,
            local_name=self.local_name,
            remote_number=self.remote_number,
            remote_name=self.remote_name,
            reason=self.machine.reason,
            held_by_remote=self.machine.remote_hold if self.live else None,
            waiting_since=self.waiting_since,
            recall_from=self.recall_from,
            parked_on=self.parked_on,
            transferred_by=self.transferred_by, forwarded_from=self.forwarded_from,
            recall=None if self.recall is None else Recall(
                self.recall.target, self.recall.reason, round(max(0.0, time.time() - self.recall.since), 1)),
            queue=self.queue,
        )


@dataclass(frozen=True)
class RecallOf:
    """Why a recall leg rings: the transfer target, the reason it failed, and when the caller first rang in."""

    target: str
    reason: DISC_REASON
    since: float  # when the caller first rang in (Unix time: its ``waiting_since``, else its ``began``)


@dataclass(eq=False)
class Setup:
    """A call from ``caller`` that nobody has answered yet; ``offered`` ring in parallel."""

    caller: Leg
    number: str  # the number being rung now (changes when the call is forwarded)
    offered: list[Leg] = field(default_factory=list)
    hops: int = 0  # forwards so far, to stop forwarding loops
    ring_timer: asyncio.TimerHandle | None = None
    forward_timer: asyncio.TimerHandle | None = None
    keep_caller: Callable[[DISC_REASON], None] | None = None  # nobody took the call: the caller stays (called with why)
    transferred_by: str = ""  # a transfer: the transferring console's number, told to the consoles it rings
    forwarded_from: str = ""  # the number that forwarded it last

    def cancel_timers(self) -> None:
        for timer in (self.ring_timer, self.forward_timer):
            if timer is not None:
                timer.cancel()
        self.ring_timer = self.forward_timer = None
