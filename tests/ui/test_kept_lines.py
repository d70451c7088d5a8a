"""The cards' kept lines (console/ui/kept_lines.py) are never stale: after every kind of repaint Textual
knows (a new call state, the selection, the clock, a theme, a resize, a modal screen over the board and
its removal) each card answers the screen with the lines Textual itself would render now.

``CallCard._set_dirty`` drops the kept lines; this fails if Textual (pinned at 8.2.8) stops routing a
repaint through ``Widget._set_dirty``.
"""

from __future__ import annotations

import pytest
from textual.geometry import Region
from textual.widgets import Static

from console.core.enums import CALL_STATES
from console.ui.widgets import CallCard

from .conftest import make_console, operator_plan
from .test_board import ring_in
from .test_operator import logged_in


def stale_cards(app) -> list[str]:
    """The cards whose kept lines differ from what Textual renders for them now."""
    stale = []
    for card in app.screen.query(CallCard):
        crop = Region(0, 0, card.region.width, card.region.height)
        kept = [list(strip) for strip in card.render_lines(crop)]
        fresh = [list(strip) for strip in Static.render_lines(card, crop)]
        if kept != fresh:
            stale.append(str(card.id))
    return stale


@pytest.mark.timeout(60)
async def test_every_kind_of_repaint_reaches_the_cards_kept_lines(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    app = console.app
    async with app.run_test(size=(120, 40)) as pilot:
        await console.until(logged_in)
        slots = await ring_in(switch, console, 2)
        await pilot.pause()
        assert stale_cards(app) == []

        async def after(step: str) -> None:
            await pilot.pause()
            await pilot.pause()
            assert stale_cards(app) == [], f"stale after {step}"

        await pilot.press("a")
        await console.until(lambda s: any(c.state is CALL_STATES.CONNECTED and c.pending is None for c in s.calls))
        await after("an answer")
        other = next(n for n in slots if console.store.state.focused != n)
        await pilot.press(str(other))
        await console.until(lambda s: s.focused == other)
        await after("a selection")
        app.now = app.now + 61.0  # a minute on every card's clock
        await after("the clock")
        app.theme = next(name for name in app.available_themes if name != app.theme)
        await after("a theme")
        await pilot.resize_terminal(100, 36)
        await after("a resize")
        await pilot.press("question_mark")  # the help screen over the board
        await pilot.pause()
        await pilot.press("escape")
        await after("a modal screen and its removal")
    await console.controller.aclose()
