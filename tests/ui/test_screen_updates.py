"""What a key or the clock redraws: the cards it changed, never the whole screen (real switch, real app).

The screen's compositor is observed (``render_update``, which Textual calls for every
screen update it composes): a full update redraws every cell of the screen, a partial
one only the regions that widgets marked dirty. Selecting a slot must redraw the two
cards whose selection changed (and the status line), not the other calls' cards; the
0.5 s clock must not redraw the whole screen either.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import pytest

from console.ui.widgets import CallCard, CallDeck

from .conftest import make_console, operator_plan
from .test_operator import logged_in

CALLERS = 9
SIZE = (180, 60)


@dataclass
class Updates:
    """Each screen update the compositor composed: full or not, and the dirty area it covered."""

    screen_area: int
    updates: list[tuple[bool, int]] = field(default_factory=list)

    def watch(self, compositor) -> None:
        original = compositor.render_update

        def render_update(full: bool = False, screen_stack=None, simplify: bool = False):
            whole = compositor.size.region
            dirty = set(compositor._dirty_regions)  # noqa: SLF001 - what the update is about to draw
            self.updates.append((full or whole in dirty, sum(region.area for region in dirty)))
            return original(full, screen_stack, simplify)

        compositor.render_update = render_update

    def since(self, mark: int) -> list[tuple[bool, int]]:
        return self.updates[mark:]


class Clock:
    """Stands still until started, so that no card's timer repaints while the keys are measured."""

    def __init__(self) -> None:
        self.still: float | None = time.monotonic()

    def __call__(self) -> float:
        return self.still if self.still is not None else time.monotonic()

    def start(self) -> None:
        self.still = None


@pytest.mark.timeout(120)
async def test_selecting_a_slot_redraws_two_cards_and_the_clock_never_the_whole_screen(switch, dirs):
    clock = Clock()
    console = make_console(dirs, operator_plan(switch), clock=clock)
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        for n in range(CALLERS):
            await switch.originate(f"55{n:02d}", f"Caller {n}", "200")
        await console.until(lambda s: len(s.ringing_calls()) == CALLERS)
        await pilot.pause()
        screen = console.app.screen
        assert screen.query_one(CallDeck).display, "nine calls fit as cards at 180x60"
        cards = list(screen.query(CallCard))
        assert len(cards) == CALLERS
        card_area = max(card.region.area for card in cards)

        updates = Updates(SIZE[0] * SIZE[1])
        updates.watch(screen._compositor)  # noqa: SLF001 - the screen's compositor is what draws

        for key, slot in (("3", 3), ("7", 7), ("2", 2)):
            mark = len(updates.updates)
            await pilot.press(key)
            await console.until(lambda s, slot=slot: s.focused == slot)
            await pilot.pause()
            await pilot.pause()
            drawn = updates.since(mark)
            assert drawn, f"pressing {key} drew nothing"
            assert not any(full for full, _ in drawn), f"pressing {key} redrew the whole screen: {drawn}"
            # the card that lost the selection, the one that got it, the status line and the log's line
            limit = 2 * card_area + 3 * SIZE[0] + updates.screen_area // 4
            assert sum(area for _, area in drawn) <= limit, (key, drawn, limit)
            assert screen.query_one(f"#slot-{slot}", CallCard).selected

        # the clock: two seconds of ticks (every card's timer changes each second); no whole-screen update
        clock.start()
        mark = len(updates.updates)
        ticks: list[float] = []
        two_seconds = asyncio.get_running_loop().create_future()

        def tick(now: float) -> None:
            ticks.append(now)
            if ticks[-1] - ticks[0] >= 2.0 and not two_seconds.done():
                two_seconds.set_result(None)

        console.app.watch(console.app, "now", tick, init=False)
        await asyncio.wait_for(two_seconds, 10)
        await pilot.pause()
        drawn = updates.since(mark)
        assert drawn, "the card timers drew nothing in two seconds"
        assert not any(full for full, _ in drawn), f"the clock redrew the whole screen: {drawn}"
    await console.controller.aclose()


@pytest.mark.timeout(120)
async def test_a_caller_who_comes_or_goes_adds_or_removes_one_card_and_the_others_stay(switch, dirs):
    console = make_console(dirs, operator_plan(switch), linger=0.2)
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        for n in range(CALLERS):
            await switch.originate(f"55{n:02d}", f"Caller {n}", "200")
        state = await console.until(lambda s: len(s.ringing_calls()) == CALLERS)
        await pilot.pause()
        screen = console.app.screen
        deck = screen.query_one(CallDeck)
        before = {card.id: card for card in deck.query(CallCard)}
        assert len(before) == CALLERS

        updates = Updates(SIZE[0] * SIZE[1])
        updates.watch(screen._compositor)  # noqa: SLF001
        await switch.originate("5599", "Late caller", "200")
        state = await console.until(lambda s: len(s.ringing_calls()) == CALLERS + 1)
        new_slot = next(c.slot for c in state.calls if c.remote_number == "5599")
        await pilot.pause()
        await pilot.pause()
        after = {card.id: card for card in deck.query(CallCard)}
        assert set(after) == set(before) | {f"slot-{new_slot}"}
        assert all(after[key] is card for key, card in before.items()), "the other callers' cards were replaced"
        order = [int(card.id.removeprefix("slot-")) for card in deck.query(CallCard)]
        assert order == sorted(order), order
        assert "5599" in str(after[f"slot-{new_slot}"].render())
        assert not any(full for full, _ in updates.updates), "a new caller redrew the whole screen"

        gone = min(c.slot for c in state.calls)  # the operator declines the first caller
        await pilot.press(str(gone))
        await console.until(lambda s: s.focused == gone)
        await pilot.press("x")
        await console.until(lambda s: s.call_in(gone) is None)
        await pilot.pause()
        await pilot.pause()
        left = {card.id: card for card in deck.query(CallCard)}
        assert set(left) == set(after) - {f"slot-{gone}"}
        assert all(left[key] is after[key] for key in left), "the other callers' cards were replaced"
    await console.controller.aclose()


@pytest.mark.timeout(120)
async def test_a_confirmed_hold_restyles_and_repaints_only_its_own_card_once(switch, dirs):
    """Hold the connected call of four: its card is restyled once (connected -> held, however many
    states the hold takes: holding…, the switch's HELD, the log line) and the other cards are neither
    restyled nor rendered again (a restyle runs the stylesheet over the card: about 1 ms each)."""
    from console.core.enums import CALL_STATES

    from .test_board import ring_in

    console = make_console(dirs, operator_plan(switch), clock=Clock())  # no card timer repaints meanwhile
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        slots = await ring_in(switch, console, 4)
        for _ in slots:  # each answer holds the call before it
            await pilot.press("a")
            await console.until(lambda s: sum(c.ringing_in for c in s.calls) == 0 or s.focused is not None)
        state = await console.until(lambda s: all(s.call_in(n).ever_connected and s.call_in(n).pending is None
                                                  for n in slots))
        active = next(c.slot for c in state.calls if c.state is CALL_STATES.CONNECTED)
        await pilot.pause()
        cards = {int(card.id.removeprefix("slot-")): card for card in console.app.screen.query(CallCard)}
        assert sorted(cards) == sorted(slots)
        restyles = {slot: 0 for slot in cards}
        renders = {slot: 0 for slot in cards}
        for slot, card in cards.items():
            def restyle(slot=slot, original=card.update_node_styles, **kwargs):
                restyles[slot] += 1
                return original(**kwargs)

            def render(slot=slot, original=card.render):
                renders[slot] += 1
                return original()

            card.update_node_styles = restyle
            card.render = render

        await pilot.press(str(active))
        await pilot.press("h")
        await console.until(lambda s: s.call_in(active).state is CALL_STATES.HELD and s.call_in(active).pending is None)
        await pilot.pause()
        await pilot.pause()
        assert "(HELD)" in str(cards[active].render())
        assert restyles[active] == 1, f"the held card was restyled {restyles[active]} times"
        others = [slot for slot in cards if slot != active]
        assert all(restyles[slot] == 0 for slot in others), restyles
        assert all(renders[slot] == 0 for slot in others), renders
    await console.controller.aclose()
