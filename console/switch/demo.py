"""The demo directory: users, services and a JWT secret for trying the console out.

The TOML ships inside the package, so the console's embedded default and the
tests read exactly the same directory (see ``demo.toml`` for who is in it).
Its JWT secret is published with the code: the switch the console embeds, and
``anynode-console switch`` without a file, sign with a random secret made at
start instead (:func:`embedded_config`).
"""

from __future__ import annotations

import dataclasses
import secrets
import tomllib
from importlib import resources
from typing import Any

from console.switch.config import SwitchConfig, parse_config

DEMO_TOML = "demo.toml"


def demo_config(**overrides: Any) -> SwitchConfig:
    """The demo directory on 127.0.0.1, any free port; ``overrides`` replace [switch] fields."""
    source = resources.files("console.switch").joinpath(DEMO_TOML)
    config = parse_config(tomllib.loads(source.read_text(encoding="utf-8")), f"console/switch/{DEMO_TOML}")
    return dataclasses.replace(config, **{"port": 0, **overrides})


def embedded_config(**overrides: Any) -> SwitchConfig:
    """The demo directory with a fresh random JWT secret, unless ``overrides`` give a ``jwt``."""
    config = demo_config(**overrides)
    if "jwt" in overrides or config.jwt is None:
        return config
    return dataclasses.replace(config, jwt=dataclasses.replace(config.jwt, secret=secrets.token_urlsafe(32)))
