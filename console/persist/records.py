"""calls.jsonl: one call record per ended call, for billing and reporting (``anynode-console cdr``).

The history (history.json) keeps the last 200 calls for the operator's eyes;
the call records keep every call, append-only, one JSON object a line, so a
crash loses at most the line being written and nothing is ever rewritten.
Times on disk are wall clock, ISO-8601 UTC with milliseconds. The file is
rotated when the next line would take it past ``max_bytes``: ``calls.jsonl``
becomes ``calls.1.jsonl``, ``calls.1.jsonl`` becomes ``calls.2.jsonl`` ... and
the oldest beyond ``files`` is deleted, so the records never take more than
``max_bytes * files`` (one line is at most :data:`MAX_LINE` bytes). Files are
0600 in the 0700 data folder; the folder is made on the first write.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from enum import StrEnum
from pathlib import Path
from typing import Any, Iterator

from console.core.errors import PersistenceError

from .paths import AppDirs, log, private_dir

RECORD_VERSION = 1
DEFAULT_RECORD_BYTES = 1_000_000  # a file is rotated before it would pass this
DEFAULT_RECORD_FILES = 10  # calls.jsonl and the rotated calls.1.jsonl ... calls.9.jsonl
MAX_TEXT = 160  # characters kept of any one text field (a name, a path): a line stays small
MAX_LINE = 4_000  # bytes: no line is longer (a line that would be has its text fields cut to SHORT_TEXT)
SHORT_TEXT = 20


class Outcome(StrEnum):
    """How a call ended, for reports (the history's kind and the console's end cause, as one word)."""

    ANSWERED = "answered"  # talked (in or out) and ended normally
    MISSED = "missed"  # rang here and nobody answered (the switch gave up, or every slot was in use)
    ABANDONED = "abandoned"  # the caller hung up while it rang here
    DECLINED = "declined"  # the operator declined it
    ANSWERED_ELSEWHERE = "answered_elsewhere"  # another console took it (a pickup, a shared number)
    TRANSFERRED = "transferred"  # the operator handed it on (blind or announced)
    PARKED = "parked"  # the operator parked it on an orbit
    TURNED_AWAY = "turned_away"  # DND or forwarding sent it on before it rang here
    UNANSWERED = "unanswered"  # an outgoing call that never connected (busy, no answer, refused)


@dataclass(frozen=True)
class CallRecord:
    """One ended call. Times are Unix seconds (wall clock) here and ISO-8601 UTC in the file."""

    call: str  # the console's key for the call (stable for its life in this console)
    call_id: str  # the switch's (or SIP) call id; "" if it never had one
    direction: str  # "in" / "out"
    local_number: str  # this console's (the operator's) number
    remote_number: str
    remote_name: str
    start: float  # it appeared here (rang in, or was dialled); a recall: when its caller first rang in
    answer: float | None  # it connected (None: never)
    end: float
    wait: float  # seconds from start to answer, or to the end if never answered (a recall: from the first ring in)
    talk: float  # seconds from answer to end (0 if never answered); the history's duration
    outcome: Outcome
    reason: str = ""  # the switch's DISC_REASON name
    cause: str = ""  # the console's EndCause
    transfer_to: str = ""  # transferred (or forwarded, turned away) to this number
    park_orbit: str = ""
    recording: str = ""  # the WAV file the call was recorded to
    queue: str = ""  # the shared queue it came through ("": none)
    recall: str = ""  # a caller coming back to this console: "transfer" (nobody took it) or "park"; "": not a recall

    def to_json(self, text: int = MAX_TEXT) -> dict[str, Any]:
        """The record as it is written: ISO times, text fields cut to ``text`` characters."""
        data = {name: value[:text] if isinstance(value, str) else value for name, value in asdict(self).items()}
        for name in ("start", "answer", "end"):
            data[name] = iso(data[name])
        data["outcome"] = str(self.outcome)
        return {"v": RECORD_VERSION, **data}

    def line(self) -> bytes:
        """One line of the file, at most :data:`MAX_LINE` bytes (escapes can make a short text long)."""
        for text in (MAX_TEXT, SHORT_TEXT):
            line = (json.dumps(self.to_json(text), ensure_ascii=False, separators=(",", ":")) + "\n").encode()
            if len(line) <= MAX_LINE:
                break
        return line

    @classmethod
    def from_json(cls, data: Any) -> CallRecord | None:
        """A record read back; None if ``data`` is not one (a foreign or a broken line)."""
        if not isinstance(data, dict) or data.get("v") != RECORD_VERSION:
            return None
        try:
            values = {f.name: data.get(f.name, f.default) for f in fields(cls)}
            for name in ("start", "end"):
                values[name] = unix(values[name])
            values["answer"] = None if values["answer"] is None else unix(values["answer"])
            values["outcome"] = Outcome(values["outcome"])
            for name in ("wait", "talk"):
                if isinstance(values[name], bool) or not isinstance(values[name], (int, float)):
                    return None
                values[name] = float(values[name])
        except ValueError:
            return None
        if not all(isinstance(values[f.name], str) for f in fields(cls) if f.type == "str"):
            return None
        return cls(**values)


def iso(moment: float | None) -> str | None:
    """Unix seconds as ISO-8601 UTC with milliseconds: ``2026-12-06T22:30:00.123Z``."""
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def unix(text: Any) -> float:
    """The Unix time of an ISO-8601 string (a zone-less one is UTC); ValueError if it is not one."""
    if not isinstance(text, str):
        raise ValueError(f"not a time: {text!r}")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


class CallRecords:
    """The call-record files in the data folder: append one, read them back oldest first."""

    def __init__(self, dirs: AppDirs, max_bytes: int = DEFAULT_RECORD_BYTES, files: int = DEFAULT_RECORD_FILES):
        if max_bytes < MAX_LINE or files < 1:  # config.py keeps its values in bounds
            raise ValueError(f"call records: max_bytes must be at least {MAX_LINE} and files at least 1")
        self.path = dirs.data_dir / "calls.jsonl"
        self.max_bytes = max_bytes
        self.files = files

    def rotated(self, n: int) -> Path:
        """The n-th older file (``calls.1.jsonl`` ...); n = 0 is the current one."""
        return self.path if n == 0 else self.path.with_name(f"calls.{n}.jsonl")

    def append(self, record: CallRecord) -> None:
        """Write ``record`` as one line, rotating first if it would not fit; PersistenceError if it cannot."""
        line = record.line()
        private_dir(self.path.parent)
        try:
            size = self.path.stat().st_size if self.path.exists() else 0
            if size and size + len(line) > self.max_bytes:
                self._rotate()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError as exc:
            raise PersistenceError(f"cannot write {self.path}: {exc.strerror or exc}") from exc

    def _rotate(self) -> None:
        self.rotated(self.files - 1).unlink(missing_ok=True)  # files = 1: the current file starts afresh
        for n in range(self.files - 2, -1, -1):
            if self.rotated(n).exists():
                os.replace(self.rotated(n), self.rotated(n + 1))

    def paths(self) -> list[Path]:
        """The files that exist, oldest first (the order the records were written in)."""
        return [p for p in (self.rotated(n) for n in range(self.files - 1, -1, -1)) if p.exists()]

    def load(self, since: float | None = None, until: float | None = None) -> list[CallRecord]:
        """The records that started in [since, until), in the order they ended; unreadable lines are skipped
        (and logged). A rotated file last written before ``since`` is not read at all."""
        return list(self._iter(since, until))

    def _iter(self, since: float | None, until: float | None) -> Iterator[CallRecord]:
        for path in self.paths():
            try:
                if since is not None and path != self.path and path.stat().st_mtime < since:
                    continue  # every record in it ended (so started) before since
                lines = path.read_bytes().splitlines()
            except OSError as exc:
                log.warning("ignoring unreadable call records %s: %s", path, exc)
                continue
            bad = 0
            for line in lines:
                try:
                    record = CallRecord.from_json(json.loads(line))
                except ValueError:
                    record = None
                if record is None:
                    bad += line.strip() != b""
                    continue
                if (since is None or record.start >= since) and (until is None or record.start < until):
                    yield record
            if bad:
                log.warning("skipped %d unreadable line(s) in %s", bad, path)
