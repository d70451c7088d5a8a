"""The presence benchmark runs and yields its figures beside the baseline (never a speed threshold)."""

from __future__ import annotations

from bench.presence import measure


async def test_the_presence_benchmark_measures_both_directions_and_the_baseline():
    figures = await measure(2)
    for name in ("presence_busy_ms", "presence_available_ms", "baseline_own_event_ms"):
        assert figures[name]["n"] == 2, name
