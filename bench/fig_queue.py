"""Queue claim latency: one member answers a queued call, the other members' offers are withdrawn.

Three consoles (alice, bob, carol) are members of queue 100 (ring-all) on the switch in its own process; the
operator's console dials 100 and waits (the switch answers it, music on hold); all three ring; bob answers.
Measured from bob's ``answer()`` to the moment each other member's call handler reports DISCONNECTED
(NOTSELECTED), the later of the two: what "the others stop ringing" is, as the others' consoles see it.

Baseline, same run, same physical steps (an answer request from one console, the switch handling it, one
event over another console's socket, that console's handler): a plain call, the operator dials bob (202), bob
answers; from ``answer()`` to the operator's handler reporting CONNECTED.

Signaling only (no media on these calls): the claim is a signaling matter, and media setup would only add
noise to both sides alike. The issue's bound is 200 ms (tests/e2e/test_queues.py asserts it).
"""

from __future__ import annotations

import time

from console.webrtc import CALL_STATES, DISC_REASON

from .common import Budget, Figure, Scale, summary
from .driver import BenchConsole
from .switch_proc import SwitchProcess

S = CALL_STATES
MEMBERS = ("alice", "bob", "carol")
QUEUE = {"number": "100", "name": "Reception", "members": list(MEMBERS)}


async def claims(switch: SwitchProcess, repeats: int, budget: Budget) -> tuple[list[float], list[float]]:
    """(queue claims, plain answers) in ms, interleaved so both see the same machine."""
    caller = await BenchConsole(switch.url).login("operator", "operator")
    members = {name: await BenchConsole(switch.url).login(name, name) for name in MEMBERS}
    queued: list[float] = []
    plain: list[float] = []
    try:
        for attempt in range(repeats + 1):  # the first round warms up: not counted
            if attempt > 1 and budget.expired():
                break
            call = caller.dial("100")
            await caller.state(call, S.HOLDING)
            offers = {name: await console.next_incoming() for name, console in members.items()}
            start = time.perf_counter()
            offers["bob"].answer()
            withdrawn = [await members[n].state(offers[n], S.DISCONNECTED) for n in ("alice", "carol")]
            if any(offers[n].get_disconnect_reason() is not DISC_REASON.NOTSELECTED for n in ("alice", "carol")):
                raise RuntimeError("an offer ended for another reason than NOTSELECTED")
            await caller.state(call, S.CONNECTED)
            await caller.hang_up(call)
            await members["bob"].state(offers["bob"], S.DISCONNECTED)
            direct = caller.dial("202")
            offer = await members["bob"].next_incoming()
            start_plain = time.perf_counter()
            offer.answer()
            connected = await caller.state(direct, S.CONNECTED)
            await caller.hang_up(direct)
            await members["bob"].state(offer, S.DISCONNECTED)
            if attempt > 0:
                queued.append(1000 * (max(withdrawn) - start))
                plain.append(1000 * (connected - start_plain))
    finally:
        for console in (caller, *members.values()):
            await console.close()
    return queued, plain


async def run(scale: Scale) -> Figure:
    figure = Figure("queue", "Queue claim (3 members, ring-all): answer -> the others' offers withdrawn")
    async with SwitchProcess(media=False, queues=[QUEUE]) as switch:
        queued, plain = await claims(switch, scale.pick(5, 40), Budget(scale.pick(8, 30)))
    figure.add("claim", "answer() -> both other members see DISCONNECTED (NOTSELECTED)", "ms", summary(queued, 2),
               summary(plain, 2), "plain call: answer() -> the caller sees CONNECTED",
               note="the issue's bound is 200 ms")
    figure.details = {"queue_ms": queued, "plain_ms": plain}
    figure.notes.append("Switch in its own process, signaling only; the consoles share this process.")
    return figure
