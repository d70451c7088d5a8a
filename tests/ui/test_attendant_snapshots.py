"""Snapshots of the attendant screens at 80x24 (a typical SSH window), deterministic (frozen clock, no blink).

Update after a deliberate change with ``--snapshot-update`` and look at the pictures before committing them.
"""

from __future__ import annotations

import pytest

from .scenes_attendant import crowded_lamp_field, lamp_field

SMALL = (80, 24)
THEMES = ["anynode-dark", "anynode-high-contrast"]


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("theme", THEMES)
def test_busy_lamp_field_with_60_extensions_fits_80x24(snap_compare, theme):
    """The busy lamp field (b) over a board with one connected call (slot 1, 5550100 Mr Smith): the title and
    the legend (● available ♪ ringing ■ busy ‖ on hold ⊘ DND ○ offline); sixty tiles 200-259 in
    five columns and twelve rows, each "symbol number name" coloured by state, the cursor (reverse) on 200; then
    ten orbits P701 ◉ 5551234 Outside caller, P702-P710 · free except P704 ◉ 203 Dave A.; the hint line
    "[1] 5550100 Mr Smith ● Connected · Enter: transfer it to 200"; the footer."""
    assert snap_compare(lamp_field(theme), press=["b"], terminal_size=SMALL, run_before=settle)


def test_busy_lamp_field_scrolls_beyond_what_fits(snap_compare):
    """120 extensions (24 rows) and 10 orbits: the cursor moved down 25 rows to the orbit P706 (free; the hint
    offers "park it on P706"), and the field scrolled so the last rows and both orbit rows are in view."""
    assert snap_compare(crowded_lamp_field("anynode-dark"), press=["b", *["down"] * 25], terminal_size=SMALL,
                        run_before=settle)


@pytest.mark.parametrize("theme", THEMES)
def test_search_for_a_name(snap_compare, theme):
    """The search (/) after typing "ali": the directory's Alice A. … Alice F. (▤, each with its presence lamp,
    "● available" … "■ busy", and its department) best first, the cursor on the first; the hint
    "Enter: transfer [1] 5550100 to 200 · ↑/↓ choose · Esc closes".
    Behind it, under the status lines, the park strip: "◉ Parked 701 5551234 Outside caller │ 704 203 Dave A."."""
    assert snap_compare(lamp_field(theme), press=["slash", "a", "l", "i"], terminal_size=SMALL, run_before=settle)
