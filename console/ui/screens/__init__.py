"""The switchboard's screens."""

from .conference import ConferencePicker
from .confirm import Confirm, ConfirmExplicit
from .help import HelpScreen
from .login import LoginScreen
from .logview import LogScreen
from .main import MainScreen
from .lamps import LampsScreen
from .prompt import Prompt
from .search import SearchScreen
from .transfer import TransferPicker

__all__ = ["ConferencePicker", "Confirm", "ConfirmExplicit", "HelpScreen", "LampsScreen", "LogScreen", "LoginScreen", "MainScreen", "Prompt", "SearchScreen",
           "TransferPicker"]
