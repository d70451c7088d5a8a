"""history.json: the last calls, for the history pane and the dialer."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from .paths import AppDirs, atomic_write, private_dir, read_json

HISTORY_VERSION = 1
MAX_HISTORY = 200


@dataclass(frozen=True)
class HistoryEntry:
    """One finished call: who, when (wall clock), how long (talk time), how it ended."""

    number: str
    name: str
    direction: str  # "in" / "out"
    started: float
    duration: float
    reason: str  # a DISC_REASON name
    answered: bool
    kind: str = ""  # a console.store CallKind: incoming, outgoing, missed, abandoned, declined
    cause: str = ""  # a console.store EndCause: why it ended as this console saw it
    to: str = ""  # a caller DND or forwarding sent on: the number they went to


class CallHistory:
    """The last :data:`MAX_HISTORY` calls, newest last on disk, for redial."""

    def __init__(self, dirs: AppDirs, limit: int = MAX_HISTORY):
        self.path = dirs.history_file
        self.limit = limit

    def load(self) -> list[HistoryEntry]:
        data = read_json(self.path, "call history")
        entries = []
        for item in data.get("calls", []) if isinstance(data, dict) else []:
            try:
                entries.append(HistoryEntry(**item))
            except TypeError:
                continue
        return entries[-self.limit:]

    def append(self, entry: HistoryEntry) -> None:
        entries = [*self.load(), entry][-self.limit:]
        text = json.dumps({"version": HISTORY_VERSION, "calls": [asdict(e) for e in entries]}, indent=1)
        private_dir(self.path.parent)  # the console's own folder
        atomic_write(self.path, text)

    def recent_numbers(self) -> tuple[str, ...]:
        """Distinct numbers, newest first: the dialer's history at start."""
        seen: list[str] = []
        for entry in reversed(self.load()):
            if entry.number and entry.number not in seen:
                seen.append(entry.number)
        return tuple(seen)
