"""The switchboard's widgets. Each gets its data as attributes and reports up with nested messages."""

from .cards import CallCard, CallDeck
from .dialer import Dialer
from .dtmf import DtmfBar
from .logpane import LogPane
from .status import LoginStatus

__all__ = ["CallCard", "CallDeck", "Dialer", "DtmfBar", "LogPane", "LoginStatus"]
