"""What every benchmark shares: statistics, /proc readers, the machine description, time budgets.

No psutil: everything comes from /proc, which is what a benchmark on Linux
needs and keeps the dependency list as it is.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- statistics ------------------------------------------------------------------------------


def summary(values: Iterable[float], digits: int = 2) -> dict[str, Any]:
    """Median, min, max and count of repeated runs (None everywhere if there were none)."""
    data = [float(v) for v in values if v is not None]
    if not data:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {
        "median": round(statistics.median(data), digits),
        "min": round(min(data), digits),
        "max": round(max(data), digits),
        "n": len(data),
    }


def single(value: float | None, digits: int = 2) -> dict[str, Any]:
    """A figure measured once (a ramp's result): median = min = max."""
    return summary([] if value is None else [value], digits)


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Metric:
    """One row of the table: the product's figure and the baseline's, measured in the same run.

    ``better`` says which direction is good ("lower" for times and costs,
    "higher" for capacities); ``vs_baseline`` is how many times worse than the
    baseline the product is (1.0 = as good; below 1 = better than the baseline).
    """

    key: str
    label: str
    unit: str
    value: dict[str, Any]
    baseline: dict[str, Any] | None
    baseline_label: str = ""
    better: str = "lower"
    note: str = ""
    value_bound: bool = False  # the value is a lower bound (a ramp ended by its time budget, not by failing)
    baseline_bound: bool = False
    comparable: bool = True  # False: shown beside the baseline, but a ratio would mean nothing

    def vs_baseline(self) -> float | None:
        if self.baseline is None or self.value_bound or self.baseline_bound or not self.comparable:
            return None
        ours, theirs = self.value.get("median"), self.baseline.get("median")
        if ours is None or theirs is None:
            return None
        if self.better == "lower":
            return round(ours / theirs, 2) if theirs > 0 else None
        return round(theirs / ours, 2) if ours > 0 else None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "better": self.better,
            "value": {**self.value, "lower_bound": self.value_bound} if self.value_bound else self.value,
            "baseline": None if self.baseline is None else {
                "label": self.baseline_label, **self.baseline, **({"lower_bound": True} if self.baseline_bound else {})},
            "vs_baseline": self.vs_baseline(),
            "note": self.note,
        }


@dataclass
class Figure:
    """A benchmark's outcome: its metrics, notes for the reader and raw details for results.json."""

    key: str
    title: str
    metrics: list[Metric] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    skipped: str | None = None

    def add(self, *args: Any, **kwargs: Any) -> Metric:
        metric = Metric(*args, **kwargs)
        self.metrics.append(metric)
        return metric

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "seconds": round(self.seconds, 1),
            "skipped": self.skipped,
            "metrics": [m.to_json() for m in self.metrics],
            "notes": self.notes,
            "details": rounded(self.details),
        }


def rounded(value: Any, digits: int = 2) -> Any:
    """Floats in nested lists and dicts rounded, so results.json stays readable."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    return value


# --- audio frames ----------------------------------------------------------------------------

RTP_WRAP = 2**32
FRAME_TICKS = 960  # 20 ms at 48 kHz: the RTP timestamp step of one Opus frame
MIN_DELIVERED = 0.96  # a sink must get 48 of every 50 frames sent
MIN_ARRIVAL_FPS = 47.0  # and frames must keep arriving (3 s windows: a 100 ms stall at an edge costs 3 %)


class FrameMeter:
    """Counts received audio frames and remembers the last RTP timestamp (the decoded frame's pts).

    Between two snapshots, frames received / frames the timestamps span is the
    share delivered: a lost frame leaves a gap, a late one does not count as lost.
    """

    def __init__(self) -> None:
        self.frames = 0
        self.last_pts: int | None = None

    def count(self, frame: Any) -> None:
        self.frames += 1
        if frame.pts is not None:
            self.last_pts = int(frame.pts)

    def snapshot(self) -> tuple[int, int | None]:
        return self.frames, self.last_pts


def window_figures(before: tuple[int, int | None], after: tuple[int, int | None], seconds: float) -> dict[str, float]:
    """Frames per second that arrived, and the share of the sent frames that arrived, between two snapshots."""
    received = after[0] - before[0]
    fps = received / seconds if seconds > 0 else 0.0
    if before[1] is None or after[1] is None:
        return {"fps": fps, "delivered": 0.0 if received == 0 else 1.0}
    spanned = ((after[1] - before[1]) % RTP_WRAP) / FRAME_TICKS
    return {"fps": fps, "delivered": min(1.0, received / spanned) if spanned > 0 else 0.0}


def passes(figures: dict[str, float]) -> bool:
    return figures["delivered"] >= MIN_DELIVERED and figures["fps"] >= MIN_ARRIVAL_FPS


# --- /proc ------------------------------------------------------------------------------------


def _status_kib(pid: int | str, field_name: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kib(pid: int | str = "self") -> int:
    """Resident memory of a process in KiB (VmRSS)."""
    return _status_kib(pid, "VmRSS")


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process (all its threads) from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def fd_count(pid: int | str = "self") -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def thread_count(pid: int | str = "self") -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


class CpuWindow:
    """CPU use of processes over a window of wall-clock time, in percent of one core.

    This process is read with ``time.process_time`` (every thread, exact);
    other processes from /proc (10 ms resolution, fine over seconds).
    """

    def __init__(self, pids: Iterable[int] = ()) -> None:
        self.pids = list(pids)

    def __enter__(self) -> CpuWindow:
        self._wall = time.perf_counter()
        self._own = time.process_time()
        self._others = {pid: cpu_seconds(pid) for pid in self.pids}
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self._wall
        self.wall = wall
        self.own = 100.0 * (time.process_time() - self._own) / wall
        self.others = {pid: 100.0 * (cpu_seconds(pid) - start) / wall for pid, start in self._others.items()}


# --- the machine ------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(module: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:  # noqa: BLE001 - not installed
        return None


def machine() -> dict[str, Any]:
    """What results.json says about where it was measured."""
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory_mib": _status_meminfo_mib(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "aiortc": _version("aiortc"),
        "av": _version("av"),
        "aioice": _version("aioice"),
        "websockets": _version("websockets"),
        "textual": _version("textual"),
        "numpy": _version("numpy"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "jitter_buffer_frames": _jitter_frames(),
    }


def _jitter_frames() -> int | None:
    """The audio jitter buffer's prefetch the product (and the baseline, through the same patch) runs with."""
    try:
        from console.media import patches

        return patches.audio_prefetch()
    except Exception:  # noqa: BLE001 - the media layer moved: say nothing rather than fail
        return None


def _status_meminfo_mib() -> int | None:
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


# --- scale ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """How big a run is: "quick" (seconds, the smoke test), "full" (the default, about 5-6 minutes on
    2 cores) or "long" (the ramps run until they fail and the soak does its 1,000 calls)."""

    name: str = "full"

    @property
    def quick(self) -> bool:
        return self.name == "quick"

    def pick(self, quick: Any, full: Any, long: Any = None) -> Any:
        if self.name == "quick":
            return quick
        if self.name == "long" and long is not None:
            return long
        return full


# --- time ------------------------------------------------------------------------------------


class Budget:
    """A deadline for a loop of repeats or ramp steps: every loop in bench/ is bounded by one."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.start = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start

    @property
    def left(self) -> float:
        return self.seconds - self.elapsed

    def expired(self, reserve: float = 0.0) -> bool:
        return self.left <= reserve


class LoopLag:
    """How late the event loop wakes a 10 ms sleeper: a sign of a saturated loop."""

    def __init__(self, period: float = 0.01) -> None:
        self.period = period
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="bench loop lag")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.period)
            self.samples.append(1000.0 * (loop.time() - start - self.period))

    def figures(self) -> dict[str, float | None]:
        p50, p99 = percentile(self.samples, 0.5), percentile(self.samples, 0.99)
        return {"p50_ms": None if p50 is None else round(p50, 2), "p99_ms": None if p99 is None else round(p99, 2)}


async def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.005, what: str = "") -> None:
    """Poll a condition that has no event of its own (bounded by ``timeout``)."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(step)


async def settle(seconds: float) -> None:
    """Let a new load reach its steady state before a measurement window (not a wait for a state)."""
    await asyncio.sleep(seconds)

