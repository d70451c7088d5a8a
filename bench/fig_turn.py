"""Figure: calls through TURN (coturn) beside the direct path, in the same run and over the same wires.

tests/net/netlab.py builds three network namespaces: the console in A, the switch (and bob) in B,
coturn and a WebSocket relay in T. Each step runs a fresh console process in A
(tests/net/near_side.py, mode ``bench``): it calls bob (setup: dial -> CONNECTED; first audio: dial ->
bob's tone heard), hangs up, then calls the echo service (9000) with bench.fig_latency's chirp
bursts (round trip, mouth to ear through the switch and back: two hops each way of the relay). One unmeasured
warm-up step first (the switch's first call pays for its imports).

* Baseline, direct: the routed path A <-> B through T is opened (routes, forwarding in T) and the
  console ignores the switch's TURN servers: host candidates, one IP hop more than loopback.
* TURN over UDP: the path is closed again (no route between A and B); the console uses the TURN
  server the switch hands out in its login result (fresh use-auth-secret credentials).
* TURN over TCP: the console's own TURN server with ``?transport=tcp`` and the relay-only policy.

Every step checks the selected ICE pair (host for the baseline, relay otherwise) and fails the figure
if it is not what the step is meant to measure. Needs root (network namespaces) and coturn; without
them the figure says why and reports nothing.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from .common import Figure, Scale, summary

TIMEOUT = 60.0


def _step(lab: Any, far: Any, name: str, seconds: float, *options: str) -> dict[str, Any]:
    """One near-side run (blocking: run it in a thread); its ``heard`` and ``echo`` lines."""
    from tests.net.netlab import TURN_IP, WS_PORT

    near = lab.python("a", name, "tests.net.near_side", f"ws://{TURN_IP}:{WS_PORT}", "bench", "--seconds",
                      str(seconds), *options)
    try:
        heard = near.expect("heard", TIMEOUT)
        echo = near.expect("echo", TIMEOUT + seconds)
        near.expect("finished", TIMEOUT)
    finally:
        near.stop()
    return {"connected_ms": heard["connected_ms"], "audio_ms": heard["audio_ms"], "pair": heard["pair"],
            "echo_pair": echo["pair"], "round_trips": echo["round_trips"]}


def _check(path: str, step: dict[str, Any], want: str) -> None:
    for pair in (step["pair"], step["echo_pair"]):
        if pair is None or pair["local_type"] != want:
            raise RuntimeError(f"{path}: the selected pair is {pair}, not a {want} candidate: not this path")


def _measure(folder: Path, repeats: int, seconds: float) -> dict[str, list[dict[str, Any]]]:
    from tests.net.netlab import B_IP, WS_PORT, NetLab

    runs: dict[str, list[dict[str, Any]]] = {"direct": [], "turn_udp": [], "turn_tcp": []}
    with NetLab(folder) as lab:
        far = lab.python("b", "far", "tests.net.far_side", B_IP, str(WS_PORT), *lab.turn_urls("udp"))
        far.expect("ready", TIMEOUT)
        _step(lab, far, "warm-up", 1.0)  # the switch's first call pays for its imports and codecs: not measured
        for i in range(repeats):
            lab.direct(True)
            try:
                step = _step(lab, far, f"direct-{i}", seconds, "--ignore-switch-ice")
            finally:
                lab.direct(False)
            _check("direct", step, "host")
            runs["direct"].append(step)
            step = _step(lab, far, f"turn-udp-{i}", seconds)
            _check("TURN over UDP", step, "relay")
            runs["turn_udp"].append(step)
            step = _step(lab, far, f"turn-tcp-{i}", seconds, "--own-turn", lab.turn_urls("tcp")[0], "--policy", "relay")
            _check("TURN over TCP", step, "relay")
            runs["turn_tcp"].append(step)
    return runs


async def run(scale: Scale) -> Figure:
    figure = Figure("turn", "Calls through TURN (coturn, network namespaces) beside the direct path")
    from tests.net.netlab import unavailable

    reason = unavailable()
    if reason:
        figure.skipped = reason
        return figure
    repeats, seconds = scale.pick(1, 3), scale.pick(3.1, 4.2)
    with tempfile.TemporaryDirectory(prefix="bench-turn-") as folder:
        runs = await asyncio.to_thread(_measure, Path(folder), repeats, seconds)
    direct = runs["direct"]
    for path, label in (("turn_udp", "TURN over UDP"), ("turn_tcp", "TURN over TCP, relay only")):
        steps = runs[path]
        figure.add(f"{path}_setup", f"call setup through {label} (dial -> CONNECTED)", "ms",
                   summary(s["connected_ms"] for s in steps), summary(s["connected_ms"] for s in direct),
                   "direct path, same namespaces")
        figure.add(f"{path}_first_audio", f"first audio through {label} (dial -> far tone heard)", "ms",
                   summary(s["audio_ms"] for s in steps), summary(s["audio_ms"] for s in direct),
                   "direct path, same namespaces")
        figure.add(f"{path}_echo", f"echo round trip through {label} (console -> switch echo -> console)", "ms",
                   summary(t for s in steps for t in s["round_trips"]),
                   summary(t for s in direct for t in s["round_trips"]), "direct path, same namespaces")
    figure.details = {"runs": runs}
    figure.notes.append("Each step is a fresh console process (netlab.py's namespace A); the switch, bob and coturn "
                        "run all along. The relay is on the same machine: the figures show the relay's own cost "
                        "(coturn, TURN framing, an extra hop each way), not a network's distance.")
    return figure
