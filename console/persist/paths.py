"""Where the console's files live (platformdirs), and how every one of them is written and read."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from console.core.errors import PersistenceError

APP_NAME = "anynode-console"

log = logging.getLogger("console.persist")


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
    def board_file(self) -> Path:
        return self.data_dir / "board.json"

    @property
    def recordings_dir(self) -> Path:
        """Call recordings (WAV, 0600) in a private folder of the data folder."""
        return self.data_dir / "recordings"

    @property
    def log_file(self) -> Path:
        """The console's own log (rotated): platformdirs' log folder beside the data folder."""
        return (self.log_dir or self.data_dir / "log") / "console.log"


def make_dirs(path: Path) -> None:
    """Create ``path`` and its missing parents, each one created 0700 whatever the umask; a folder that exists
    already keeps its mode (it may be the user's: an export target is not ours to close)."""
    missing = [folder for folder in (path, *path.parents) if not folder.is_dir()]
    try:
        for folder in reversed(missing):
            try:
                folder.mkdir(mode=0o700)
            except FileExistsError:
                if not folder.is_dir():
                    raise
                continue  # made meanwhile (another writer): not ours to chmod
            os.chmod(folder, 0o700)
    except OSError as exc:
        raise PersistenceError(f"cannot create {path}: {exc.strerror or exc}") from exc


def private_dir(path: Path) -> None:
    """The console's own folder ``path`` (config, data, log, recordings): created if needed, and made 0700
    whatever the umask or its earlier mode (it holds sessions, history, recordings)."""
    make_dirs(path)
    try:
        os.chmod(path, 0o700)
    except OSError as exc:
        raise PersistenceError(f"cannot create {path}: {exc.strerror or exc}") from exc


def atomic_write(path: Path, text: str, mode: int = 0o600) -> None:
    """Write ``text`` to ``path`` through a temp file and a rename; the file gets ``mode`` (0600: ours alone).

    Missing folders are created private (:func:`make_dirs`); an existing folder keeps its mode. A file of the
    console's own folders makes that folder private first (:func:`private_dir`), as its writers do."""
    make_dirs(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise PersistenceError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise PersistenceError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path, what: str) -> Any:
    """The JSON document in ``path``; None if there is none, or (logged) if it cannot be read or parsed."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s %s: %s", what, path, exc)
        return None


def dict_of_dicts(data: Any, key: str) -> dict[str, dict[str, Any]]:
    """``data[key]`` keeping only the object-valued entries (a versioned file's payload); {} otherwise."""
    inner = data.get(key) if isinstance(data, dict) else None
    return {k: v for k, v in inner.items() if isinstance(v, dict)} if isinstance(inner, dict) else {}
