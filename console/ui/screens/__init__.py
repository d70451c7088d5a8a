"""The switchboard's screens."""

from .help import HelpScreen
from .login import LoginScreen
from .main import MainScreen
from .transfer import TransferPicker

__all__ = ["HelpScreen", "LoginScreen", "MainScreen", "TransferPicker"]
