"""What the console keeps on disk: the config file, saved session identifiers, the board, the call history, the call records.

A small layer with no UI imports (frogmouth's habit). Every path comes from one
:class:`AppDirs` object, so tests point it at ``tmp_path``. Nothing is created
at import time: folders appear on the first write, mode 0700 whatever the
umask. Every write goes to a temp file in the same folder and is renamed over
the old one (``os.replace``), so a crash never leaves half a file; files are
0600. Each file carries a ``version`` field. A file that cannot be written
raises :class:`console.core.errors.PersistenceError`; one that cannot be read is
logged and treated as empty.

Never on disk: passwords and tokens. The session file holds only the
identifier the server handed out at login.
"""

from .config import Config, load_config, save_config, update_config
from .hooks_config import ConfigError, HooksConfig
from .history import MAX_HISTORY, CallHistory, HistoryEntry
from .paths import APP_NAME, AppDirs, atomic_write, private_dir
from .recordings import RecordingFolder
from .records import CallRecord, CallRecords, Outcome
from .sessions import BoardFile, SessionFile
from .settings import Settings

__all__ = [
    "APP_NAME", "MAX_HISTORY", "AppDirs", "BoardFile", "CallHistory", "CallRecord", "CallRecords", "Outcome", "Config",
    "ConfigError", "HistoryEntry", "HooksConfig", "RecordingFolder", "SessionFile",
    "Settings", "atomic_write", "load_config", "private_dir", "save_config", "update_config",
]
