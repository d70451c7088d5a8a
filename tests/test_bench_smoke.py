"""The benchmarks run: ``python -m bench --quick`` writes results of the right shape.

A short, bounded run of every benchmark (about a minute). It never asserts on
speed (STYLE.md: tests never assert on wall-clock figures); it checks that
every figure is there with its baseline, that nothing failed, and that a quick
run leaves bench/results.json (the saved full run) alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ("setup", "latency", "cpu", "parallel", "switch", "soak", "ui", "events", "queue")
MACHINE = ("date", "cpu_model", "cores", "memory_mib", "python", "aiortc", "av")
STATS = ("median", "min", "max", "n")


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_a_quick_run_writes_every_figure_beside_its_baseline(tmp_path):
    saved = ROOT / "bench" / "results.json"
    before = saved.stat().st_mtime_ns if saved.exists() else None
    out = tmp_path / "quick.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=400, check=False,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
    data = json.loads(out.read_text())

    assert data["mode"] == "quick"
    assert all(data["machine"].get(key) for key in MACHINE), data["machine"]
    assert set(FIGURES) <= set(data["figures"]), sorted(data["figures"])
    for key in FIGURES:
        figure = data["figures"][key]
        assert not figure.get("error"), f"{key}: {figure.get('error')}"
        assert figure["metrics"], f"{key} has no metrics"
        for metric in figure["metrics"]:
            where = f"{key}/{metric['key']}"
            assert all(stat in metric["value"] for stat in STATS), where
            assert metric["value"]["n"] >= 1, f"{where}: nothing measured"
            assert "vs_baseline" in metric, where
            if metric["baseline"] is not None:
                assert all(stat in metric["baseline"] for stat in STATS) and metric["baseline"]["label"], where
        assert any(m["baseline"] is not None for m in figure["metrics"]), f"{key} has no baseline"
    assert isinstance(data["furthest_from_baseline"], list)
    assert "furthest from baseline" in proc.stdout and f"results: {out}" in proc.stdout
    after = saved.stat().st_mtime_ns if saved.exists() else None
    assert after == before, "a quick run must not overwrite bench/results.json"
