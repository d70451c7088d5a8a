"""Mute (M) and recording (R) at the keyboard, against the real embedded switch (issue 11)."""

from __future__ import annotations

import wave

import pytest

from console.core.enums import CALL_STATES
from console.persist import RecordingFolder
from console.store import Controller, client_factory
from console.ui.widgets import CallCard, LoginStatus

from .conftest import make_console, operator_plan
from .test_operator import SIZE, card_text, dial, logged_in, slot_state


async def test_m_mutes_and_unmutes_the_selected_call_without_holding_it(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        slot = await dial(pilot, console, "9000")
        await pilot.press("M")
        await console.until(lambda s: s.call_in(slot).muted)
        await pilot.pause()
        card = console.app.screen.query_one(f"#slot-{slot}", CallCard)
        assert "MUTED" in str(card.border_title) and card.has_class("-muted")
        assert "MUTED" in str(console.app.screen.query_one(LoginStatus).render())
        assert console.store.state.call_in(slot).state is CALL_STATES.CONNECTED  # not a hold
        await pilot.press("M")
        await console.until(lambda s: not s.call_in(slot).muted)
        await pilot.pause()
        assert "MUTED" not in str(card.border_title)
        assert "MUTED" not in str(console.app.screen.query_one(LoginStatus).render())
        assert any("unmuted" in line.text for line in console.store.state.log)
    await console.controller.aclose()


async def test_r_without_a_connected_call_is_a_message_not_a_crash(switch, dirs):
    console = make_console(dirs, operator_plan(switch), recordings=RecordingFolder(dirs))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        await pilot.press("R")
        await console.until(lambda s: "record" in s.last_error)
    await console.controller.aclose()


@pytest.fixture
async def media_switch():
    from console.switch.demo import demo_config
    from console.switch.rtc_plane import RtcMediaPlane
    from console.switch.server import Switch

    sw = await Switch.start(demo_config(port=0), media=RtcMediaPlane(connect_timeout=5.0))
    try:
        yield sw
    finally:
        await sw.aclose()


async def test_r_records_the_selected_call_into_the_recordings_folder_and_r_stops(media_switch, dirs):
    from console.media.devices import NullDevice
    from console.media.tones import ToneGenerator

    from console.persist import CallHistory, Settings
    from console.ui import build_app

    from .conftest import Console

    store = Controller(client_factory(device=NullDevice(mic=ToneGenerator(600, -12).frame)), history=CallHistory(dirs),
                  media=True, recordings=RecordingFolder(dirs))
    console = Console(build_app(Settings(dirs=dirs), store, operator_plan(media_switch), cursor_blink=False), store)
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        slot = await dial(pilot, console, "9001")  # the 1 kHz tone service
        await pilot.press("R")
        state = await console.until(lambda s: bool(s.call_in(slot).recording))
        path = state.call_in(slot).recording
        await pilot.pause()
        assert "REC" in str(console.app.screen.query_one(f"#slot-{slot}", CallCard).border_title)
        assert path.startswith(str(dirs.recordings_dir)) and path.endswith("-9001.wav")
        assert (dirs.recordings_dir.stat().st_mode & 0o777) == 0o700
        await pilot.press("R")
        await console.until(lambda s: not s.call_in(slot).recording)
        assert any("recording stopped" in line.text for line in console.store.state.log)
        with wave.open(path, "rb") as wav:
            assert wav.getnchannels() == 2  # its content is measured in tests/e2e/test_mute_recording.py
        await pilot.press("e")
        await console.until(slot_state(slot, CALL_STATES.DISCONNECTED))
    await console.controller.aclose()


async def _three_way(pilot, console, switch):
    """The operator calls alice (201) and bob (202), each answers at a headless console; bob's call is selected."""
    from .conftest import far_end, until

    alice, bob = await far_end(switch, "alice"), await far_end(switch, "bob")
    slots = []
    for far, number in ((alice, "201"), (bob, "202")):
        before = {c.key for c in console.store.state.calls}
        await pilot.press("d", *number, "enter")
        await until(far, lambda s: bool(s.ringing_calls()))
        far.answer()
        state = await console.until(lambda s: any(c.key not in before and c.state is CALL_STATES.CONNECTED
                                                  for c in s.calls))
        slots.append(next(c.slot for c in state.calls if c.key not in before))
    return alice, bob, slots


def in_conference(slot: int, parties: int):
    return lambda s: s.call_in(slot) is not None and s.call_in(slot).conference_parties == parties


async def test_c_joins_the_calls_x_drops_a_party_k_leaves(switch, dirs):
    from .conftest import until

    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice, bob, (slot_a, slot_b) = await _three_way(pilot, console, switch)
        await pilot.press("C", str(slot_a), "enter")  # the picker: alice (held) joins only when ticked
        await console.until(lambda s: in_conference(slot_a, 3)(s) and in_conference(slot_b, 3)(s))
        await until(alice, lambda s: bool(s.calls) and s.calls[0].conference_parties == 3)
        await pilot.pause()
        assert "in conference" in card_text(console.app, slot_a) and "3 parties" in card_text(console.app, slot_b)
        assert "conf 3" in str(console.app.screen.query_one(f"#slot-{slot_b}", CallCard).border_title)
        await pilot.press("X")  # bob's call is selected: bob is dropped
        await console.until(slot_state(slot_b, CALL_STATES.DISCONNECTED))
        await until(bob, lambda s: s.calls[0].state is CALL_STATES.DISCONNECTED)
        await console.until(in_conference(slot_a, 2))
        await pilot.press(str(slot_a), "K")  # leaving a conference of two ends it: alice has nobody left
        await console.until(slot_state(slot_a, CALL_STATES.DISCONNECTED))
        await until(alice, lambda s: s.calls[0].state is CALL_STATES.DISCONNECTED)
    for store in (console.controller, alice, bob):
        await store.aclose()


async def test_k_leaves_and_the_other_two_stay_connected(switch, dirs):
    from .conftest import until

    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice, bob, (slot_a, slot_b) = await _three_way(pilot, console, switch)
        await pilot.press("C", str(slot_a), "enter")  # the picker: alice (held) joins only when ticked
        await console.until(in_conference(slot_b, 3))
        await pilot.press("K")
        await console.until(lambda s: all(s.call_in(n).state is CALL_STATES.DISCONNECTED for n in (slot_a, slot_b)))
        for far in (alice, bob):
            state = await until(far, lambda s: s.calls[0].conference_parties == 2)
            assert state.calls[0].state is CALL_STATES.CONNECTED
    for store in (console.controller, alice, bob):
        await store.aclose()


async def test_c_with_a_single_call_is_a_message_not_a_crash(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        await dial(pilot, console, "9000")
        await pilot.press("C")
        await console.until(lambda s: "conference" in s.last_error)
        await pilot.press("K")
        await console.until(lambda s: "not in a conference" in s.last_error)
    await console.controller.aclose()
