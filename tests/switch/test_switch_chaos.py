"""Chaos in the suite (issue 13): bounded, loopback, each stopping by itself; ``-m chaos`` runs just these.

The switch and the attacker run in their own processes; the bystander call
(alice <-> bob through the switch, real aiortc) is measured here. A bystander
"keeps its media" when both ends receive at least 48 of the 50 frames a
second while the attack runs.
"""

from __future__ import annotations

import asyncio

import pytest

from .chaos import Bystander, start_attack, switch_process

pytestmark = pytest.mark.chaos

ATTACK = 12.0  # seconds of attack
WINDOW = 8.0  # seconds measured, from 1 s into the attack
MIN_FPS = 48.0


async def bystander_during(mode: str) -> tuple[tuple[float, float], dict]:
    async with switch_process() as switch:
        bystander = Bystander(switch.url)
        try:
            await bystander.start()
            attacker = await start_attack(mode, switch.url, ATTACK)
            await asyncio.sleep(1.0)  # let the attack ramp up before measuring
            fps = await bystander.fps(WINDOW)
            counts = await attacker
        finally:
            await bystander.close()
    return fps, counts


@pytest.mark.timeout(90)
async def test_fuzzing_never_costs_a_bystander_call_its_media():
    fps, counts = await bystander_during("fuzz")
    assert counts["frames"] > 500, counts  # the attack did run
    assert min(fps) >= MIN_FPS, (fps, counts)


@pytest.mark.timeout(90)
async def test_password_guessing_never_costs_a_bystander_call_its_media():
    fps, counts = await bystander_during("guess")
    assert counts["connections"] >= 12 and counts["frames"] > 24, counts  # every guesser ran (tarpitted)
    assert min(fps) >= MIN_FPS, (fps, counts)


@pytest.mark.timeout(90)
async def test_slow_readers_cannot_grow_the_switch():
    """16 connections that never read flood requests for 12 s: the switch's memory stays bounded."""
    async with switch_process() as switch:
        baseline = switch.rss_mib()
        attacker = await start_attack("slowread", switch.url, ATTACK)
        peak = baseline
        while not attacker.done():
            peak = max(peak, switch.rss_mib())
            await asyncio.wait([attacker], timeout=0.25)
        counts = attacker.result()
    assert counts["frames"] > 1000, counts
    # 16 connections x (256 KiB outbox + 4 x 64 KiB inbox) = 8 MiB, plus the allocator's slack
    assert peak - baseline < 48, (baseline, peak, counts)
