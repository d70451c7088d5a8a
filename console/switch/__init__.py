"""The embedded reference switch: the wire protocol's server side, with a demo directory.

Import :class:`Switch` from ``console.switch.server``; this package's
``__init__`` stays empty of imports so the config and auth modules load
without websockets.
"""
