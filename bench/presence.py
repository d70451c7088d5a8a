"""Presence latency: how long after a console dials does a second console's busy lamp field hear of it.

``python -m bench.presence [--rounds N] [--output PATH]`` prints the figures and writes JSON (default
bench/results-presence.json). The switch runs in this process (signaling only, NullMediaPlane) on 127.0.0.1;
two real consoles (WebRtcInstance) log in: alice dials 9005 (a service that rings unanswered), and the operator,
subscribed to presence, waits for 201 to turn busy; then alice hangs up and the operator waits for available.

* **presence**: from alice's ``dial()`` to the operator's presence handler with 201 busy (and from
  ``disconnect()`` to 201 available).
* **baseline**, same run, same sockets: from alice's ``dial()`` to alice's own call-state handler with
  RINGING: the request and the event travel the same path, minus the fan-out to the subscriber.

The target of issue 11 is 100 ms; no threshold is checked here (STYLE.md: speed is a figure, not a test).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

from console.core.directory import PresenceState
from console.switch.demo import demo_config
from console.switch.media import NullMediaPlane
from console.switch.server import Switch
from console.webrtc import CALL_STATES, LOGIN_STATES, WebRtcInstance

from .common import machine, summary

HERE = Path(__file__).resolve().parent


class Waiter:
    """An asyncio.Event per awaited thing, set from the handlers."""

    def __init__(self) -> None:
        self.events: dict[object, asyncio.Event] = {}
        self.at: dict[object, float] = {}

    def arm(self, key: object) -> asyncio.Event:
        self.events[key] = asyncio.Event()
        self.at.pop(key, None)
        return self.events[key]

    def hit(self, key: object) -> None:
        event = self.events.get(key)
        if event is not None and not event.is_set():
            self.at[key] = time.perf_counter()
            event.set()


async def login(url: str, user: str, waiter: Waiter) -> WebRtcInstance:
    inst = WebRtcInstance(lambda s: waiter.hit(("login", user, s)), None, f"bench {user}", device=None,
                          diagnostics_to_stderr=False)
    ready = waiter.arm(("login", user, LOGIN_STATES.SUCCESS))
    inst.login(url, False, False, user, user)
    await asyncio.wait_for(ready.wait(), 10)
    return inst


async def measure(rounds: int) -> dict:
    switch = await Switch.start(demo_config(media=False), media=NullMediaPlane())
    waiter = Waiter()
    try:
        op = await login(switch.url, "operator", waiter)
        alice = await login(switch.url, "alice", waiter)
        op.set_presence_handler(lambda states: [waiter.hit(("presence", n, s)) for n, s in states.items()])
        snapshot = waiter.arm(("presence", "200", PresenceState.AVAILABLE))
        op.subscribe_presence()
        await asyncio.wait_for(snapshot.wait(), 10)
        busy, available, baseline = [], [], []
        for _ in range(rounds):
            call = alice.create_outgoing_call()
            call.set_call_state_handler(lambda c, s: waiter.hit(("state", s)))
            lamp = waiter.arm(("presence", "201", PresenceState.BUSY))
            ringing = waiter.arm(("state", CALL_STATES.RINGING))
            t0 = time.perf_counter()
            call.dial("9005")
            await asyncio.wait_for(asyncio.gather(lamp.wait(), ringing.wait()), 10)
            busy.append(1000 * (waiter.at[("presence", "201", PresenceState.BUSY)] - t0))
            baseline.append(1000 * (waiter.at[("state", CALL_STATES.RINGING)] - t0))
            free = waiter.arm(("presence", "201", PresenceState.AVAILABLE))
            t1 = time.perf_counter()
            call.disconnect()
            await asyncio.wait_for(free.wait(), 10)
            available.append(1000 * (waiter.at[("presence", "201", PresenceState.AVAILABLE)] - t1))
        await op.aclose()
        await alice.aclose()
    finally:
        await switch.aclose()
    return {
        "presence_busy_ms": summary(busy),
        "presence_available_ms": summary(available),
        "baseline_own_event_ms": summary(baseline),
        "target_ms": 100,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.presence", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--output", type=Path, default=HERE / "results-presence.json")
    args = parser.parse_args(argv)
    figures = asyncio.run(measure(args.rounds))
    for name, value in figures.items():
        print(f"{name:28} {value}")
    args.output.write_text(json.dumps({"machine": machine(), "rounds": args.rounds, "figures": figures}, indent=2))
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
