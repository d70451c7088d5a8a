"""``python -m bench [--quick | --long] [--only NAME ...] [--output PATH] [--profile [PATH]]``: run, print the table, save JSON.

Figures: setup, latency, cpu, parallel (cpu and parallel come from one ramp
of calls), switch, soak, ui, events (event stream latency), sip (over Kamailio + rtpengine + baresip; skipped
where they are not installed), turn (through coturn in network namespaces beside the direct path; needs
root and coturn, else skipped with the reason), queue (queue claim: one member answers, the others'
offers withdrawn), failover (a pair of Kamailio proxies losing one). A full run writes bench/results.json, a long
one bench/results-long.json; a quick run or a partial one (--only) writes to
a temporary file unless --output is given, so bench/results.json always
holds a complete full run. --profile runs the figure furthest from its baseline
again under cProfile and writes the report (profile-<figure>.txt beside the JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from . import (fig_calls, fig_events, fig_failover, fig_latency, fig_queue, fig_setup, fig_sip, fig_soak, fig_switch,
               fig_turn, fig_ui)
from .common import Figure, Scale, machine
from .switch_proc import raise_fd_limit
from .table import furthest, text

HERE = Path(__file__).resolve().parent
FIGURES = ("setup", "latency", "cpu", "parallel", "switch", "soak", "ui", "sip", "turn", "events", "queue", "failover")
TITLES = {
    "setup": "Call setup", "latency": "Mouth-to-ear latency", "cpu": "CPU per call",
    "parallel": "Parallel calls", "switch": "Switch capacity", "soak": "Soak", "ui": "UI", "sip": "SIP", "turn": "TURN",
    "events": "Event latency", "queue": "Queue claim",
    "failover": "SIP proxy pair failover",
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="a run of seconds (what the smoke test runs)")
    size.add_argument("--long", action="store_true",
                      help="no 6-minute target: the ramps run until they fail, the soak does 1,000 calls (15-30 min)")
    parser.add_argument("--only", action="append", choices=FIGURES, metavar="NAME",
                        help=f"run only this figure (repeatable): {', '.join(FIGURES)}")
    parser.add_argument("--output", type=Path, help="where to write the JSON (default: bench/results.json for a full run)")
    parser.add_argument("--profile", nargs="?", const=True, default=None, metavar="PATH",
                        help="after the run, run the figure furthest from its baseline again under cProfile and "
                             "write the report (default: profile-<figure>.txt beside the JSON)")
    return parser.parse_args(argv)


def output_path(args: argparse.Namespace) -> Path:
    if args.output is not None:
        return args.output
    if args.long:
        return HERE / "results-long.json"
    if args.quick or args.only:
        return Path(tempfile.gettempdir()) / ("bench-quick-results.json" if args.quick else "bench-partial-results.json")
    return HERE / "results.json"


async def timed(key: str, run: Callable[[], Awaitable[Any]]) -> list[Figure]:
    """Run one benchmark; an exception becomes an error entry, the other benchmarks still run."""
    began = time.monotonic()
    try:
        made = await run()
        figures = list(made) if isinstance(made, tuple) else [made]
    except Exception as error:  # noqa: BLE001 - reported in the results, the run goes on
        traceback.print_exc()
        figure = Figure(key, TITLES[key])
        figure.details = {"error": f"{type(error).__name__}: {error}"}
        figures = [figure]
    for figure in figures:
        figure.seconds = time.monotonic() - began
    gc.collect()
    await asyncio.sleep(0.2)
    return figures


# each figure's module (its run(scale)); "cpu" runs the parallel figure too when it is asked for
MODULES = {"setup": fig_setup, "latency": fig_latency, "switch": fig_switch, "soak": fig_soak, "ui": fig_ui,
           "sip": fig_sip, "turn": fig_turn, "events": fig_events, "queue": fig_queue, "failover": fig_failover}


def plan_for(wanted: list[str], scale: Scale) -> list[tuple[str, Callable[[], Awaitable[Any]]]]:
    plan: list[tuple[str, Callable[[], Awaitable[Any]]]] = []
    for key in FIGURES:
        if key == "cpu" and ("cpu" in wanted or "parallel" in wanted):
            plan.append(("cpu", lambda: fig_calls.run(scale, parallel="parallel" in wanted)))
        elif key in MODULES and key in wanted:
            plan.append((key, lambda module=MODULES[key]: module.run(scale)))
    return plan


async def run_all(wanted: list[str], scale: Scale) -> dict[str, Figure]:
    done: dict[str, Figure] = {}
    for key, run in plan_for(wanted, scale):
        print(f"running {key} ...", file=sys.stderr, flush=True)
        for figure in await timed(key, run):
            if figure.key in wanted:
                done[figure.key] = figure
    return done


def results_json(figures: dict[str, Figure], scale: Scale, duration: float, described: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "mode": scale.name,
        "machine": described,
        "duration_s": round(duration, 1),
        "figures": {},
    }
    for key in FIGURES:
        if key in figures:
            entry = figures[key].to_json()
            if "error" in figures[key].details:
                entry["error"] = figures[key].details["error"]
            data["figures"][key] = entry
    data["furthest_from_baseline"] = furthest(data)
    return data


def profile(data: dict[str, Any], scale: Scale, path: Path) -> Path | None:
    """Run the figure furthest from its baseline again under cProfile (this process: the consoles
    and the UI; the switch's own process is not in it) and write the report to ``path``."""
    import cProfile
    import io
    import pstats

    top = data.get("furthest_from_baseline") or []
    if not top:
        return None
    figure = top[0]["figure"]
    key = "cpu" if figure == "parallel" else figure
    print(f"profiling {key} (furthest: {figure}/{top[0]['metric']}) ...", file=sys.stderr, flush=True)
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        asyncio.run(run_all([key], scale))
    finally:
        profiler.disable()
    out = io.StringIO()
    out.write(f"cProfile of bench figure {key!r} ({scale.name} scale), furthest from baseline: "
              f"{figure}/{top[0]['metric']} {top[0]['vs_baseline']:.2f}x\n\n")
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    out.write("== by cumulative time ==\n")
    stats.sort_stats("cumulative").print_stats(45)
    out.write("== by own time ==\n")
    stats.sort_stats("tottime").print_stats(30)
    path.write_text(out.getvalue())
    return path


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr, format="%(name)s %(levelname)s %(message)s")
    raise_fd_limit()
    wanted = list(args.only or FIGURES)
    described = machine()
    began = time.monotonic()
    scale = Scale("quick" if args.quick else "long" if args.long else "full")
    figures = asyncio.run(run_all(wanted, scale))
    data = results_json(figures, scale, time.monotonic() - began, described)
    path = output_path(args)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=1) + "\n")
    temporary.replace(path)
    print(text(data))
    print(f"results: {path}")
    if args.profile is not None:
        target = Path(args.profile) if isinstance(args.profile, str) else None
        if target is None:
            top = data.get("furthest_from_baseline") or [{"figure": "none"}]
            target = path.with_name(f"profile-{top[0]['figure']}.txt")
        written = profile(data, scale, target)
        print(f"profile: {written}" if written else "profile: no figure to profile")
    return 1 if any("error" in f for f in data["figures"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
