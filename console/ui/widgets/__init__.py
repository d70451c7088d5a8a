"""The switchboard's widgets. Each gets its data as attributes and reports up with nested messages."""

from .cards import CallCard, CallDeck
from .dialer import Dialer
from .dtmf import DtmfBar
from .history import HistoryPane
from .logpane import LogPane
from .queue import CallQueue
from .status import LoginStatus

__all__ = ["CallCard", "CallDeck", "CallQueue", "Dialer", "DtmfBar", "HistoryPane", "LogPane", "LoginStatus"]
