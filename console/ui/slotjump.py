"""Go to a slot by its number: the go-to-slot key (default ``'``) and then the slot's digits.

Slots above 9 have no key of their own; ``' 2 7`` selects slot 27 in three keys
however busy the board is. A number is complete after two digits, or after one
that no second digit could extend to a slot the board has (``' 5``: there is no
slot 50 of 32), or on Enter, or when no digit follows within ``WAIT_SECONDS``.
The board's size decides, not the slots in use: calls come and go while the
operator types, and ``' 2 9`` must never turn into slot 2 and then the key 9.
Esc cancels. Any other key ends the number (selecting the slot typed so far) and
then does what it always does, so ``' 2 9 h`` holds slot 29.

Pure: the screen feeds it keys and acts on the answers (no timers, no Textual).
"""

from __future__ import annotations

from dataclasses import dataclass

WAIT_SECONDS = 1.5


@dataclass(frozen=True)
class Answer:
    consumed: bool  # the key belonged to the slot number (the board must not act on it)
    slot: int | None = None  # select this slot now
    cancelled: bool = False  # the entry ended without a slot (Esc, or 0)


class SlotEntry:
    """The digits typed after the go-to-slot key."""

    def __init__(self) -> None:
        self.active = False
        self.digits = ""

    def start(self) -> None:
        self.active = True
        self.digits = ""

    def key(self, key: str, max_slots: int) -> Answer:
        """One key while active; ``max_slots`` is the board's number of slots (decides when one digit is all)."""
        if key.isdigit() and len(key) == 1:
            self.digits += key
            number = int(self.digits)
            if len(self.digits) == 2 or number * 10 > max_slots:
                return self._finish(consumed=True)
            return Answer(consumed=True)
        if key == "escape":
            self.active, self.digits = False, ""
            return Answer(consumed=True, cancelled=True)
        return self._finish(consumed=key == "enter")

    def timeout(self) -> Answer:
        """No digit followed in time: the number typed so far."""
        return self._finish(consumed=True) if self.active else Answer(consumed=False)

    def _finish(self, consumed: bool) -> Answer:
        digits, self.active, self.digits = self.digits, False, ""
        number = int(digits) if digits else 0
        if number == 0:
            return Answer(consumed=consumed, cancelled=True)
        return Answer(consumed=consumed, slot=number)
