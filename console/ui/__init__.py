"""The Textual switchboard. Build it with :func:`build_app`."""

from .app import SwitchboardApp, build_app

__all__ = ["SwitchboardApp", "build_app"]
