"""sessions.json and board.json (0600): what a restarted console needs to take its session and calls back."""

from __future__ import annotations

import json
import time
from typing import Any, Mapping

from .paths import AppDirs, atomic_write, dict_of_dicts, private_dir, read_json

SESSIONS_VERSION = 1
BOARD_VERSION = 1


class SessionFile:
    """Session identifiers per server, so a restarted console can take its session back."""

    def __init__(self, dirs: AppDirs):
        self.path = dirs.sessions_file

    def _load(self) -> dict[str, dict[str, Any]]:
        return dict_of_dicts(read_json(self.path, "session file"), "sessions")

    def _store(self, sessions: dict[str, dict[str, Any]]) -> None:
        private_dir(self.path.parent)  # the console's own folder
        atomic_write(self.path, json.dumps({"version": SESSIONS_VERSION, "sessions": sessions}, indent=2))

    def get(self, server: str) -> str | None:
        identifier = self._load().get(server, {}).get("identifier")
        return identifier if isinstance(identifier, str) and identifier else None

    def put(self, server: str, identifier: str, username: str = "") -> None:
        sessions = self._load()
        sessions[server] = {"identifier": identifier, "username": username, "saved_at": time.time()}
        self._store(sessions)

    def forget(self, server: str) -> None:
        sessions = self._load()
        if sessions.pop(server, None) is not None:
            self._store(sessions)


class BoardFile:
    """The live calls' slots and start times by switch call id, so a restarted console puts a restored
    call back in its slot with its durations running on (not from 00:00); and what the operator set on the
    desk that the switch keeps meanwhile (``desk``: ``{"queue_paused": true}``), so the console says it again."""

    def __init__(self, dirs: AppDirs):
        self.path = dirs.board_file

    def load(self) -> dict[str, dict[str, Any]]:
        return dict_of_dicts(read_json(self.path, "board file"), "calls")

    def load_desk(self) -> dict[str, Any]:
        data = read_json(self.path, "board file")
        desk = data.get("desk") if isinstance(data, dict) else None
        return dict(desk) if isinstance(desk, dict) else {}

    def save(self, calls: Mapping[str, Mapping[str, Any]], desk: Mapping[str, Any] | None = None) -> None:
        private_dir(self.path.parent)  # the console's own folder
        document = {"version": BOARD_VERSION, "calls": dict(calls), **({"desk": dict(desk)} if desk else {})}
        atomic_write(self.path, json.dumps(document, indent=1))
