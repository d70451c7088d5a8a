"""How the console starts: which server, how to log in, whether to try the saved session.

The CLI builds a :class:`LoginPlan` (for the embedded switch, after starting
it); the UI follows it and never needs to know where the server came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable


@dataclass(frozen=True)
class LoginPlan:
    server: str = ""
    username: str = ""
    number: str = ""
    token: str = ""
    # Only the embedded demo's well-known password travels here (never a real one: real
    # passwords are typed into the login screen and handed straight to the client).
    password: str = ""
    auto_login: bool = False  # log in at start (and again if restoring the saved session fails)
    restore: bool = True  # try the saved session identifier for ``server`` first
    embedded: bool = False
    # Makes a demo call ring in (the embedded switch's originate); None hides the key.
    demo_call: Callable[[], Awaitable[str]] | None = None
    # Write server, user and number to config.toml after a successful login (``--save``); otherwise a
    # command-line override holds for this run only.
    save: bool = False
    # --insecure for ``server``, which is reached without TLS on another host: the operator allowed that on
    # the command line, so the console logs in (and restores) there without asking again.
    insecure: bool = False
    # (number, name) pairs the dialer searches by name as the operator types (the embedded directory).
    directory: tuple[tuple[str, str], ...] = ()
