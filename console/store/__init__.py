"""The UI's state: frozen dataclasses, a pure reducer, the Store that holds them, and the Controller that
takes the operator's actions (with the effects it subscribes). No Textual."""

from .client import client_factory, is_secure
from .controller import Controller
from .events import Event
from .launch import LoginPlan
from .reducer import reduce
from .state import AppState, CallView, Health, HoldSide, LoginView, LogLevel, LogLine
from .store import Store

__all__ = [
    "AppState",
    "CallView",
    "Controller",
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
