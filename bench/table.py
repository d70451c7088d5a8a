"""The table: results.json as text for the terminal or as Markdown for bench/README.md.

``python -m bench.table [results.json]`` prints the Markdown table of a saved run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def cell(stats: dict[str, Any] | None, unit: str = "") -> str:
    """'median (min–max) unit', or the single value when there was one run."""
    if not stats or stats.get("median") is None:
        return "—"
    text = ("≥" if stats.get("lower_bound") else "") + _number(stats["median"])
    if stats.get("n", 0) > 1 and stats["min"] != stats["max"]:
        text += f" ({_number(stats['min'])}–{_number(stats['max'])})"
    return f"{text} {unit}".strip()


def ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def furthest(results: dict[str, Any], count: int = 3) -> list[dict[str, Any]]:
    """The metrics furthest from their baseline (most times worse), with their figure."""
    rows = []
    for key, figure in results["figures"].items():
        for metric in figure.get("metrics", []):
            if metric.get("vs_baseline") is not None:
                rows.append({"figure": key, "metric": metric["key"], "label": metric["label"],
                             "vs_baseline": metric["vs_baseline"]})
    return sorted(rows, key=lambda r: r["vs_baseline"], reverse=True)[:count]


def text(results: dict[str, Any]) -> str:
    lines = []
    machine = results["machine"]
    lines.append(f"anynode-console benchmarks ({results['mode']} run, {machine['date']})")
    lines.append(f"{machine['cpu_model']}, {machine['cores']} cores, {machine['memory_mib']} MiB, "
                 f"Python {machine['python']}, aiortc {machine['aiortc']}, av {machine['av']}, "
                 f"jitter buffer {machine.get('jitter_buffer_frames', '?')} frame(s)")
    for key, figure in results["figures"].items():
        lines.append("")
        lines.append(f"[{key}] {figure['title']}  ({figure['seconds']:.0f} s)")
        if figure.get("error") or figure.get("skipped"):
            lines.append(f"  {'ERROR' if figure.get('error') else 'skipped'}: {figure.get('error') or figure.get('skipped')}")
        rows = [(m["label"], cell(m["value"], m["unit"]), cell(m["baseline"], m["unit"]) if m["baseline"] else "—",
                 ratio(m["vs_baseline"])) for m in figure.get("metrics", [])]
        if rows:
            widths = [max(len(r[i]) for r in rows) for i in range(3)]
            for label, ours, base, times in rows:
                lines.append(f"  {label:<{widths[0]}}  {ours:>{widths[1]}}   baseline {base:>{widths[2]}}   {times}")
        for note in figure.get("notes", []):
            lines.append(f"  note: {note}")
    top = results.get("furthest_from_baseline") or furthest(results)
    if top:
        lines.append("")
        lines.append("furthest from baseline: " + "; ".join(f"{r['figure']}/{r['metric']} {r['vs_baseline']:.2f}×" for r in top))
    lines.append(f"total {results['duration_s']:.0f} s")
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    machine = results["machine"]
    out = [
        (f"Run of {machine['date']} ({results['mode']}, {results['duration_s']:.0f} s): {machine['cpu_model']}, "
         f"{machine['cores']} cores, {machine['memory_mib']} MiB RAM, Linux {machine['kernel']}, "
         f"Python {machine['python']}, aiortc {machine['aiortc']}, av {machine['av']}, "
         f"websockets {machine['websockets']}, textual {machine['textual']}, "
         f"jitter buffer {machine.get('jitter_buffer_frames', '?')} frame(s)."),
        "",
        ("Values are median (min–max) over repeated runs; ×: how many times worse than the baseline "
         "(below 1: better; for capacities the ratio is baseline / ours); ≥: a ramp ended by its time budget."),
        "",
        "| figure | measure | console | baseline | × | baseline is |",
        "|---|---|---|---|---|---|",
    ]
    for key, figure in results["figures"].items():
        if figure.get("error") or figure.get("skipped"):
            out.append(f"| {key} | {'error' if figure.get('error') else 'skipped'}: "
                       f"{figure.get('error') or figure.get('skipped')} | | | | |")
        for m in figure.get("metrics", []):
            base = m["baseline"]
            out.append(f"| {key} | {m['label']} | {cell(m['value'], m['unit'])} | "
                       f"{cell(base, m['unit']) if base else '—'} | {ratio(m['vs_baseline'])} | "
                       f"{base['label'] if base else ''} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else HERE / "results.json"
    print(markdown(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
