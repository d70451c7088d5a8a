"""Figure 8, the switch under attack: ``python -m bench.fig_chaos [--quick] [--output PATH]``.

Not part of ``python -m bench`` (it is an attack, not a speed): writes
bench/results-chaos.json and prints the table. The switch and the attacker
run in their own processes (tests/switch/chaos_switch.py and
tests/switch/chaos_attacker.py, the same ones the chaos tests use); the
bystander call (alice <-> bob through the switch, real aiortc, tones) is
measured in this process.

* frames/s of the bystander call (the worse of its two ends, per 2 s window)
  while 4 connections fuzz the switch, and while 12 connections guess
  passwords. Baseline: the same call with no attack, measured in the same run.
* the switch's RSS (sampled every 0.25 s) while 16 connections that never
  read flood it. Baseline: its RSS with one idle call, before the attack.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from tests.switch.chaos import Bystander, start_attack, switch_process

from .common import Figure, machine, summary
from .table import text

HERE = Path(__file__).resolve().parent


async def windows(bystander: Bystander, seconds: float, size: float = 2.0) -> list[float]:
    """The worse end's frames/s in consecutive windows."""
    values = []
    for _ in range(max(1, int(seconds / size))):
        values.append(min(await bystander.fps(size)))
    return values


async def under(mode: str, seconds: float, source: str | None = None) -> dict[str, Any]:
    async with switch_process(source) as switch:
        bystander = Bystander(switch.url)
        try:
            await bystander.start()
            quiet = await windows(bystander, seconds / 2)
            attacker = await start_attack(mode, switch.url, seconds + 2)
            await asyncio.sleep(1.0)  # the attack ramps up
            loud = await windows(bystander, seconds)
            counts = await attacker
        finally:
            await bystander.close()
    return {"quiet": quiet, "attack": loud, "counts": counts}


async def slow_readers(seconds: float, source: str | None = None) -> dict[str, Any]:
    async with switch_process(source) as switch:
        bystander = Bystander(switch.url)
        try:
            await bystander.start()
            await bystander.fps(1.0)
            idle = [switch.rss_mib() for _ in range(4) if not await asyncio.sleep(0.25)]
            attacker = await start_attack("slowread", switch.url, seconds)
            samples = []
            while not attacker.done():
                samples.append(switch.rss_mib())
                await asyncio.wait([attacker], timeout=0.25)
            after = switch.rss_mib()
        finally:
            await bystander.close()
    return {"idle": idle, "attack": samples, "after": after, "counts": attacker.result()}


async def run(quick: bool, source: str | None = None) -> Figure:
    seconds = 4.0 if quick else 10.0
    title = "The switch under attack (switch and attacker in their own processes)"
    figure = Figure("chaos", title + (f"; the switch from {source}" if source else ""))
    for mode, label in (("fuzz", "fuzzing (4 connections of random bad frames)"),
                        ("guess", "password guessing (12 connections)")):
        result = await under(mode, seconds, source)
        figure.add(f"bystander_fps_{mode}", f"bystander call during {label}, worse end", "frames/s",
                   summary(result["attack"], 1), summary(result["quiet"], 1), "the same call, no attack",
                   better="higher", note=f"attacker: {result['counts']}")
        figure.details[mode] = result
    slow = await slow_readers(seconds, source)
    figure.add("rss_slow_readers", "switch RSS while 16 connections flood it and never read", "MiB",
               summary(slow["attack"], 1), summary(slow["idle"], 1), "the switch with one idle call, before",
               note=f"max {max(slow['attack']):.1f} MiB; {slow['after']:.1f} MiB after; attacker: {slow['counts']}")
    figure.details["slow_readers"] = slow
    return figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fig_chaos", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="4 s windows instead of 10 s")
    parser.add_argument("--output", type=Path, default=HERE / "results-chaos.json")
    parser.add_argument("--switch-src", metavar="DIR",
                        help="run the switch of another source tree (e.g. `git archive main console | tar -x -C DIR`)")
    args = parser.parse_args(argv)
    began = time.monotonic()
    figure = asyncio.run(run(args.quick, args.switch_src))
    figure.seconds = time.monotonic() - began
    data = {"mode": "quick" if args.quick else "full", "machine": machine(), "figures": {"chaos": figure.to_json()},
            "duration_s": figure.seconds}
    args.output.write_text(json.dumps(data, indent=2))
    print(text(data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
