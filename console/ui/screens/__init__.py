"""The switchboard's screens."""

from .confirm import Confirm
from .help import HelpScreen
from .login import LoginScreen
from .logview import LogScreen
from .main import MainScreen
from .transfer import TransferPicker

__all__ = ["Confirm", "HelpScreen", "LogScreen", "LoginScreen", "MainScreen", "TransferPicker"]
