"""anynode-console: a keyboard-driven terminal switchboard for WebRTC telephony."""

__version__ = "0.1.0"

import logging as _logging

# A library writes nothing unless asked (the seed's controlLogging; Python's logging HOWTO for libraries).
_logging.getLogger("console").addHandler(_logging.NullHandler())
