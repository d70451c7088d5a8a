"""The one text field the console uses: Textual's Input, blinking or not as the app says.

Snapshot tests build the app with ``cursor_blink=False`` so a picture never depends
on the moment the blink timer last fired.
"""

from __future__ import annotations

from textual.widgets import Input


class OperatorInput(Input):
    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "cursor_blink", True))
