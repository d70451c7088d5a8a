"""What the console keeps on disk: the config file, saved session identifiers, the call history.

A small layer with no UI imports (frogmouth's habit). Every path comes from one
:class:`AppDirs` object, so tests point it at ``tmp_path``. Nothing is created
at import time: folders appear on the first write. Every write goes to a temp
file in the same folder and is renamed over the old one (``os.replace``), so a
crash never leaves half a file. Each file carries a ``version`` field.

Never on disk: passwords and tokens. The session file holds only the
identifier the server handed out at login, in a file only its owner can read
(mode 0600).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

import platformdirs

APP_NAME = "anynode-console"
CONFIG_VERSION = 1
SESSIONS_VERSION = 1
HISTORY_VERSION = 1
MAX_HISTORY = 200

log = logging.getLogger("console.settings")


@dataclass(frozen=True)
class AppDirs:
    """The two folders the console uses; derived paths hang off them."""

    config_dir: Path
    data_dir: Path
    log_dir: Path | None = None  # None: a "log" folder in data_dir

    @classmethod
    def default(cls, config_dir: str | Path | None = None, data_dir: str | Path | None = None) -> AppDirs:
        """platformdirs' user folders (not created here), each overridable (--data-dir moves the log too)."""
        return cls(
            config_dir=Path(config_dir) if config_dir else platformdirs.user_config_path(APP_NAME),
            data_dir=Path(data_dir) if data_dir else platformdirs.user_data_path(APP_NAME),
            log_dir=None if data_dir else platformdirs.user_log_path(APP_NAME),
        )

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def themes_dir(self) -> Path:
        """Users drop their own theme files here."""
        return self.config_dir / "themes"

    @property
    def sessions_file(self) -> Path:
        return self.data_dir / "sessions.json"

    @property
    def history_file(self) -> Path:
        return self.data_dir / "history.json"

    @property
    def log_file(self) -> Path:
        """The console's own log (rotated): platformdirs' log folder beside the data folder."""
        return (self.log_dir or self.data_dir / "log") / "console.log"


def private_dir(path: Path) -> None:
    """Create ``path`` if needed and make it 0700 whatever the umask (it holds sessions and history)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def atomic_write(path: Path, text: str, mode: int = 0o600) -> None:
    """Write ``text`` to ``path`` through a temp file and a rename; the file gets ``mode`` (0600: ours alone)."""
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- config.toml ----------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """The user's settings. An empty ``server`` means: start the embedded switch."""

    server: str = ""
    username: str = ""
    number: str = ""
    theme: str = "anynode-dark"
    audio_device: str = ""  # a device spec for console.media.open_device; "" = the default device
    ringer_device: str = ""  # where incoming calls ring (a desk speaker); "" = on the headset while it is free
    log_client: bool = False  # turn the client's diagnostic logging (control_logging) on at start
    auto_accept: bool = False  # incoming calls ring at the caller (accepted) as soon as they arrive
    hold_recall: float = 60.0  # seconds on hold before the board reminds the operator (0: never)
    keys: Mapping[str, str] = field(default_factory=dict)  # action id -> keys, e.g. {"hangup": "e,ctrl+e"}
    version: int = CONFIG_VERSION

    @classmethod
    def from_toml(cls, data: Mapping[str, Any]) -> Config:
        def text(name: str, default: str = "") -> str:
            value = data.get(name, default)
            return value if isinstance(value, str) else default

        keys = data.get("keys", {})
        keys = {str(k): str(v) for k, v in keys.items() if isinstance(v, str)} if isinstance(keys, dict) else {}
        return cls(
            server=text("server"), username=text("username"), number=text("number"),
            theme=text("theme", cls.theme), audio_device=text("audio_device"), ringer_device=text("ringer_device"),
            log_client=bool(data.get("log_client", False)), keys=keys,
            auto_accept=bool(data.get("auto_accept", False)),
            hold_recall=float(recall) if isinstance(recall := data.get("hold_recall", 60.0), (int, float))
            and not isinstance(recall, bool) and recall >= 0 else 60.0,
        )

    def to_toml(self) -> str:
        lines = [
            "# anynode-console configuration. Passwords are never stored here.",
            f"version = {CONFIG_VERSION}",
            f"server = {_toml_str(self.server)}  # empty: start the embedded demo switch",
            f"username = {_toml_str(self.username)}",
            f"number = {_toml_str(self.number)}",
            f"theme = {_toml_str(self.theme)}",
            f"audio_device = {_toml_str(self.audio_device)}  # anynode-console devices lists them; F2 picks",
            f"ringer_device = {_toml_str(self.ringer_device)}  # empty: ring on the headset while no call has it",
            f"log_client = {'true' if self.log_client else 'false'}",
            f"auto_accept = {'true' if self.auto_accept else 'false'}  # callers hear ringing at once",
            f"hold_recall = {self.hold_recall:g}  # seconds on hold before a reminder (0: never)",
            "",
            "[keys]  # action = \"key[,key...]\"; see the help screen (F1) for the action names",
        ]
        lines += [f"{_toml_key(name)} = {_toml_str(keys)}" for name, keys in sorted(self.keys.items())]
        return "\n".join(lines) + "\n"


def load_config(dirs: AppDirs) -> Config:
    """The config file, or the defaults if there is none; a broken file is logged and ignored."""
    try:
        data = tomllib.loads(dirs.config_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        log.warning("ignoring unreadable config %s: %s", dirs.config_file, exc)
        return Config()
    return Config.from_toml(data)


def save_config(dirs: AppDirs, config: Config) -> None:
    atomic_write(dirs.config_file, config.to_toml())


def update_config(dirs: AppDirs, **changes: Any) -> Config:
    """Change some fields of the saved config (keeping the others) and return it."""
    config = replace(load_config(dirs), **changes)
    save_config(dirs, config)
    return config


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _toml_key(name: str) -> str:
    return name if name.replace("_", "").replace("-", "").isalnum() else _toml_str(name)


# -- sessions.json (0600) -------------------------------------------------------


class SessionFile:
    """Session identifiers per server, so a restarted console can take its session back."""

    def __init__(self, dirs: AppDirs):
        self.path = dirs.sessions_file

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable session file %s: %s", self.path, exc)
            return {}
        sessions = data.get("sessions") if isinstance(data, dict) else None
        return {k: v for k, v in sessions.items() if isinstance(v, dict)} if isinstance(sessions, dict) else {}

    def _store(self, sessions: dict[str, dict[str, Any]]) -> None:
        text = json.dumps({"version": SESSIONS_VERSION, "sessions": sessions}, indent=2)
        atomic_write(self.path, text, mode=0o600)

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


# -- history.json ---------------------------------------------------------------


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


class CallHistory:
    """The last :data:`MAX_HISTORY` calls, newest last on disk, for redial."""

    def __init__(self, dirs: AppDirs, limit: int = MAX_HISTORY):
        self.path = dirs.history_file
        self.limit = limit

    def load(self) -> list[HistoryEntry]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable call history %s: %s", self.path, exc)
            return []
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
        atomic_write(self.path, text)

    def recent_numbers(self) -> tuple[str, ...]:
        """Distinct numbers, newest first: the dialer's history at start."""
        seen: list[str] = []
        for entry in reversed(self.load()):
            if entry.number and entry.number not in seen:
                seen.append(entry.number)
        return tuple(seen)


# -- board.json: slots and start times of the live calls --------------------------


class BoardFile:
    """The live calls' slots and start times by switch call id, so a restarted console puts a restored
    call back in its slot with its durations running on (not from 00:00)."""

    def __init__(self, dirs: AppDirs):
        self.path = dirs.data_dir / "board.json"

    def load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable board file %s: %s", self.path, exc)
            return {}
        calls = data.get("calls") if isinstance(data, dict) else None
        return {k: v for k, v in calls.items() if isinstance(v, dict)} if isinstance(calls, dict) else {}

    def save(self, calls: Mapping[str, Mapping[str, Any]]) -> None:
        atomic_write(self.path, json.dumps({"version": 1, "calls": dict(calls)}, indent=1), mode=0o600)


# -- what the UI factory gets -------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """The loaded config and where it came from (``dirs`` None: nothing is ever written)."""

    config: Config = field(default_factory=Config)
    dirs: AppDirs | None = None

    @classmethod
    def load(cls, dirs: AppDirs) -> Settings:
        return cls(config=load_config(dirs), dirs=dirs)

    def save(self, **changes: Any) -> Settings:
        """Remember some config fields (theme, server, ...) on disk, if this settings object has a home."""
        config = replace(self.config, **changes)
        if self.dirs is not None:
            config = update_config(self.dirs, **changes)
        return replace(self, config=config)
