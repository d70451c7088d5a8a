"""What the UI factory gets: the loaded config and where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .config import Config, load_config, update_config
from .paths import AppDirs


@dataclass(frozen=True)
class Settings:
    """The loaded config and where it came from (``dirs`` None: nothing is ever written)."""

    config: Config = field(default_factory=Config)
    dirs: AppDirs | None = None

    @classmethod
    def load(cls, dirs: AppDirs) -> Settings:
        return cls(config=load_config(dirs), dirs=dirs)

    def save(self, **changes: Any) -> Settings:
        """Remember some config fields (theme, server, ...) on disk, if this settings object has a home."""
        config = replace(self.config, **changes)
        if self.dirs is not None:
            config = update_config(self.dirs, **changes)
        return replace(self, config=config)
