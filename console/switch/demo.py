"""The demo directory: users, services and a JWT secret for trying the console out.

The TOML ships inside the package, so the console's embedded default and the
tests read exactly the same directory (see ``demo.toml`` for who is in it).
"""

from __future__ import annotations

import dataclasses
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
