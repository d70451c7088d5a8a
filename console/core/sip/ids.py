"""Tags, branches and Call-IDs. The randomness is injectable so tests are repeatable."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Callable

MAGIC = "z9hG4bK"


@dataclass
class Ids:
    random_hex: Callable[[int], str] = field(default=secrets.token_hex)

    def tag(self) -> str:
        return self.random_hex(5)

    def branch(self) -> str:
        return MAGIC + self.random_hex(8)

    def call_id(self) -> str:
        return self.random_hex(12)
