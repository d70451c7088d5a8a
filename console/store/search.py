"""One fuzzy search over the directory, the park orbits, the history and the live calls (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from console.core.directory import EntryKind

from .state import AppState

MAX_HITS = 50


class HitKind(StrEnum):
    CALL = "call"
    ORBIT = "orbit"
    DIRECTORY = "directory"
    HISTORY = "history"


@dataclass(frozen=True)
class Hit:
    kind: HitKind
    number: str
    name: str
    detail: str = ""
    slot: int | None = None  # a live call's slot
    score: float = 0.0


def fuzzy_score(query: str, text: str) -> float:
    """0 if the query's characters do not appear in order in ``text``; more for runs and word starts."""
    if not query:
        return 1.0
    text_l, query_l = text.lower(), query.lower()
    if query_l in text_l:
        at = text_l.index(query_l)
        start = at == 0 or not text_l[at - 1].isalnum()
        return 100.0 + 10 * len(query_l) + (20 if start else 0) - at * 0.1
    score, pos, run = 0.0, 0, 0
    for ch in query_l:
        found = text_l.find(ch, pos)
        if found < 0:
            return 0.0
        run = run + 1 if found == pos else 0
        start = found == 0 or not text_l[found - 1].isalnum()
        score += 1 + run * 2 + (3 if start else 0)
        pos = found + 1
    return score


def search(state: AppState, query: str, limit: int = MAX_HITS) -> tuple[Hit, ...]:
    """Hits best first: live calls, occupied orbits, the directory, then history numbers not in the directory."""
    query = query.strip()
    hits: list[Hit] = []
    order = {HitKind.CALL: 3, HitKind.ORBIT: 2, HitKind.DIRECTORY: 1, HitKind.HISTORY: 0}

    def add(kind: HitKind, number: str, name: str, detail: str = "", slot: int | None = None) -> None:
        score = max(fuzzy_score(query, name), fuzzy_score(query, number), fuzzy_score(query, detail) * 0.8)
        if score > 0:
            hits.append(Hit(kind, number, name, detail, slot, score + order[kind] * 0.01))

    for call in state.calls:
        if not call.ended:
            add(HitKind.CALL, call.remote_number, call.remote_name, str(call.state), call.slot)
    for orbit in state.desk.occupied_orbits():
        add(HitKind.ORBIT, orbit.orbit, f"{orbit.name or orbit.number} (parked)", orbit.number or "")
    known = set()
    for entry in state.desk.directory:
        if entry.kind is EntryKind.ORBIT:
            continue
        known.add(entry.number)
        add(HitKind.DIRECTORY, entry.number, entry.name, " · ".join(x for x in (entry.department, entry.notes) if x))
    seen_history = set()
    for item in state.history:
        if item.number and item.number not in known and item.number not in seen_history:
            seen_history.add(item.number)
            add(HitKind.HISTORY, item.number, item.name, str(item.kind))
    hits.sort(key=lambda h: (-h.score, h.number))
    return tuple(hits[:limit])
