"""The client session, sans I/O: see :mod:`console.core.client.session` and docs/SESSION.md."""

from .calls import CallRecord, valid_dial_string
from .failures import LoginFailureKind
from .jsonwire import JsonWire
from .session import REQUEST_TIMEOUT, ClientSession
from .wire import ClientWire, IceServer, LoginRequest, RestoreRequest, WireCapabilities

__all__ = ["REQUEST_TIMEOUT", "CallRecord", "ClientSession", "ClientWire", "IceServer", "JsonWire", "LoginFailureKind", "LoginRequest",
           "RestoreRequest", "WireCapabilities", "valid_dial_string"]
