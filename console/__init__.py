"""anynode-console: a keyboard-driven terminal switchboard for WebRTC telephony."""

__version__ = "0.1.0"
