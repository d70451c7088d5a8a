"""The UI's state: frozen dataclasses, a pure reducer over client events, and the Store. No Textual."""

from .events import Event
from .launch import LoginPlan
from .reducer import reduce
from .state import AppState, CallView, Health, HoldSide, LoginView, LogLevel, LogLine
from .store import Store, client_factory, is_secure

__all__ = [
    "AppState",
    "CallView",
    "Event",
    "Health",
    "HoldSide",
    "LogLevel",
    "LogLine",
    "LoginPlan",
    "LoginView",
    "Store",
    "client_factory",
    "is_secure",
    "reduce",
]
