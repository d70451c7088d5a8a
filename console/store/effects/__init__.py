"""Effects: subscribers of the store that act on the world (files, the speaker, timers, the log pane).

Each watches the states the store hands it, compares with what it saw last,
and does its one job; none changes the state except by dispatching events.
The :class:`~console.store.controller.Controller` builds them and subscribes
them, in this order: the ringer, the linger timers, the history, the board,
the saved session. The call records' keeper is subscribed where the
console is built (``console.cli.build_controller``).
"""

from .board import BoardKeeper
from .history import HistoryRecorder, history_items
from .linger import Linger
from .log_bridge import LogBridge
from .records import RecordKeeper
from .ringer import Ringer
from .sessions import SessionKeeper

__all__ = ["BoardKeeper", "HistoryRecorder", "Linger", "LogBridge", "RecordKeeper", "Ringer", "SessionKeeper", "history_items"]
