"""A new log line redraws the log pane, not the screen's layout.

RichLog grows its virtual size with every line, and a Textual widget's virtual size asks for a layout of the
whole screen when it changes: with 32 call cards on the board every card was redrawn for each log line (about
25 ms on a loaded 2-core machine), and a confirmed hold or retrieve waited for that update before its card
showed HELD or CONNECTED. The pane's own size comes from the stylesheet, so a line needs only the pane and its
scroll bar redrawn; a layout is still done when the scroll bar first appears.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from console.store.state import LogLevel, LogLine
from console.ui.widgets.logpane import LogPane


class Board(App[None]):
    CSS = "Static { height: 1fr; } LogPane { height: 8; scrollbar-gutter: stable; }"

    def compose(self) -> ComposeResult:
        yield Static("cards")
        yield LogPane(id="log")


def lines(count: int, start: int = 1) -> tuple[LogLine, ...]:
    return tuple(LogLine(seq, float(seq), LogLevel.INFO, "call", f"line {seq}") for seq in range(1, start + count))


async def test_a_log_line_redraws_the_pane_without_a_layout_of_the_screen():
    app = Board()
    async with app.run_test(size=(80, 30)) as pilot:
        pane = app.query_one(LogPane)
        pane.entries = lines(20)  # more than the pane shows: its scroll bar appears (one layout, allowed)
        await pilot.pause()
        await pilot.pause()
        assert pane.show_vertical_scrollbar and pane.is_vertical_scroll_end
        layouts = []
        screen = app.screen
        original = screen._refresh_layout  # noqa: SLF001 - what a layout of the screen runs

        def counted(*args, **kwargs):
            layouts.append(args)
            return original(*args, **kwargs)

        screen._refresh_layout = counted  # noqa: SLF001
        for count in range(21, 31):
            pane.entries = lines(count)
            await pilot.pause()
            await pilot.pause()
        assert layouts == [], f"{len(layouts)} layouts of the whole screen for 10 log lines"
        assert pane.virtual_size.height == 30 and pane.is_vertical_scroll_end  # the pane still follows its end
        assert pane.vertical_scrollbar.window_virtual_size == 30  # and its scroll bar knows how long it is
        assert "line 30" in "".join(strip.text for strip in pane.lines[-1:])
