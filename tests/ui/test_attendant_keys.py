"""The attendant keys at the keyboard, against the real embedded switch (signaling only): every key a key press.

b busy lamp field · / search · B blind transfer · T consult, j completes, z cancels · p park · g pickup ·
n do not disturb · F forwarding.
"""

from __future__ import annotations

from console.core.directory import PresenceState
from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES
from console.ui.screens import LampsScreen, SearchScreen
from console.ui.widgets import CallCard
from console.ui.widgets.lamps import LampField

from console.store import Controller, client_factory
from store_wait import log_in_with_files, restarted

from .conftest import far_end, make_console, operator_plan, until

SIZE = (110, 32)
S = CALL_STATES


def logged_in(state) -> bool:
    return state.login.state is LOGIN_STATES.SUCCESS and state.desk.subscribed


def has_call(state, number: str, call_state: CALL_STATES) -> bool:
    return any(c.remote_number == number and c.state is call_state for c in state.calls)


def far_call(store, state_wanted: CALL_STATES):
    return lambda s: any(c.state is state_wanted for c in s.calls)


async def accepting(switch, username: str) -> Controller:
    """A far end whose incoming calls ring at the caller at once (accept), as a desk phone's would."""
    store = Controller(client_factory(device=None), media=False, auto_accept=True)
    store.login(switch.url, username, username)
    await until(store, lambda s: s.login.logged_in)
    return store


async def caller_on_the_line(console, pilot, alice) -> None:
    """alice calls the operator, who answers with a."""
    alice.dial("200")
    await console.until(lambda s: len(s.ringing_calls()) == 1)
    await pilot.press("a")
    await console.until(lambda s: has_call(s, "201", S.CONNECTED))


async def test_the_lamp_field_shows_presence_and_enter_dials_the_lamp(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice = await far_end(switch, "alice")
        await console.until(lambda s: s.desk.presence_of("201") is PresenceState.AVAILABLE)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(console.app.screen, LampsScreen)
        field = console.app.screen.query_one(LampField)
        assert [t.number for t in field.tiles[:4]] == ["200", "201", "202", "203"]
        assert field.tiles[1].state is PresenceState.AVAILABLE and field.tiles[2].state is PresenceState.OFFLINE
        await pilot.press("right", "enter")  # 201, and no call selected: dial it
        await until(alice, lambda s: len(s.ringing_calls()) == 1)
        await console.until(lambda s: s.desk.presence_of("201") is PresenceState.RINGING)
        assert not isinstance(console.app.screen, LampsScreen)
        await alice.aclose()


async def test_blind_transfer_by_key(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice, bob = await far_end(switch, "alice"), await far_end(switch, "bob")
        await caller_on_the_line(console, pilot, alice)
        await pilot.press("B")
        await pilot.pause()
        await pilot.press(*"202", "enter")
        await console.until(lambda s: any(c.reason is DISC_REASON.SUCCESS for c in s.calls))
        await until(alice, lambda s: s.calls and s.calls[0].state is S.HOLDING and s.calls[0].remote_number == "202")
        bob_state = await until(bob, lambda s: len(s.ringing_calls()) == 1)
        assert bob_state.ringing_calls()[0].remote_number == "201"
        bob.answer()
        await until(alice, lambda s: has_call(s, "202", S.CONNECTED))
        await alice.aclose(); await bob.aclose()


async def test_park_by_key_and_pickup_by_key(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice = await far_end(switch, "alice")
        await caller_on_the_line(console, pilot, alice)
        await pilot.press("p")
        state = await console.until(lambda s: s.desk.occupied_orbits())
        assert state.desk.occupied_orbits()[0].orbit == "701" and state.desk.occupied_orbits()[0].number == "201"
        await until(alice, lambda s: has_call(s, "701", S.HOLDING))
        await pilot.press("g")
        await console.until(lambda s: has_call(s, "201", S.CONNECTED) and not s.desk.occupied_orbits())
        await until(alice, lambda s: has_call(s, "200", S.CONNECTED))
        await alice.aclose()


async def test_search_finds_a_name_and_enter_dials_it(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        await console.until(lambda s: s.desk.directory)
        bob = await far_end(switch, "bob")
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(console.app.screen, SearchScreen)
        await pilot.press(*"bob")
        await pilot.pause()
        assert console.app.screen.hits[0].number == "202"
        await pilot.press("enter")
        await until(bob, lambda s: len(s.ringing_calls()) == 1)
        await console.until(lambda s: any(c.remote_number == "202" for c in s.calls))
        await bob.aclose()


async def test_search_with_a_call_selected_transfers_it(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        await console.until(lambda s: s.desk.directory)
        alice, bob = await far_end(switch, "alice"), await far_end(switch, "bob")
        await caller_on_the_line(console, pilot, alice)
        await pilot.press("slash", *"bob", "enter")
        ring = await until(bob, lambda s: len(s.ringing_calls()) == 1)
        assert ring.ringing_calls()[0].remote_number == "201"
        await alice.aclose(); await bob.aclose()


async def test_announced_transfer_completes_into_the_ringing_target(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice, bob = await far_end(switch, "alice"), await accepting(switch, "bob")
        await caller_on_the_line(console, pilot, alice)
        await pilot.press("T")
        await pilot.pause()
        await pilot.press(*"202", "enter")
        state = await console.until(lambda s: s.desk.consult is not None and any(c.consult == "consulting"
                                                                                 for c in s.calls))
        waiting = next(c for c in state.calls if c.consult == "waiting")
        await console.until(lambda s: s.call_in(waiting.slot).state is S.HELD)
        await pilot.pause()
        assert "j completes" in str(console.app.screen.query_one(f"#slot-{waiting.slot}", CallCard).render())
        await until(bob, lambda s: len(s.ringing_calls()) == 1)
        await console.until(lambda s: any(c.consult == "consulting" and c.state is S.RINGING for c in s.calls))
        await pilot.press("j")
        await console.until(lambda s: s.desk.consult is None and sum(c.reason is DISC_REASON.SUCCESS
                                                                     for c in s.calls) == 2)
        await until(bob, lambda s: s.ringing_calls() and s.ringing_calls()[0].remote_number == "201")
        bob.answer()
        await until(alice, lambda s: has_call(s, "202", S.CONNECTED))
        await alice.aclose(); await bob.aclose()


async def test_announced_transfer_cancelled_goes_back_to_the_caller(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice, bob = await far_end(switch, "alice"), await accepting(switch, "bob")
        await caller_on_the_line(console, pilot, alice)
        await pilot.press("T")
        await pilot.pause()
        await pilot.press(*"202", "enter")
        await until(bob, lambda s: len(s.ringing_calls()) == 1)
        await console.until(lambda s: any(c.consult == "consulting" and c.state is S.RINGING for c in s.calls))
        await pilot.press("z")
        await console.until(lambda s: s.desk.consult is None and has_call(s, "201", S.CONNECTED))
        await until(bob, lambda s: not s.ringing_calls())
        await until(alice, lambda s: has_call(s, "200", S.CONNECTED))
        await alice.aclose(); await bob.aclose()


async def test_dnd_and_forwarding_by_key(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice, carol = await far_end(switch, "alice"), await far_end(switch, "carol")
        await pilot.press("n")
        await console.until(lambda s: s.desk.dnd and s.desk.presence_of("200") is PresenceState.DND)
        alice.dial("200")
        await until(alice, lambda s: any(c.reason is DISC_REASON.BUSY for c in s.calls))
        await pilot.press("n")
        await console.until(lambda s: not s.desk.dnd)
        await pilot.press("F")
        await pilot.pause()
        await pilot.press(*"always 203", "enter")
        await console.until(lambda s: s.desk.forwarding == "always → 203")
        alice.dial("200")
        ring = await until(carol, lambda s: len(s.ringing_calls()) == 1)
        assert ring.ringing_calls()[0].remote_number == "201"
        await pilot.press("F")
        await pilot.pause()
        await pilot.press(*"sometimes 1", "enter")
        await console.until(lambda s: "forwarding: 'sometimes 1'" in s.last_error)
        await alice.aclose(); await carol.aclose()


async def test_n_typed_fast_twice_turns_dnd_on_then_off(switch, dirs):
    """Found driving the switchboard: ``n n`` typed faster than the switch answers turned DND on twice (each
    press read the DND the switch had not yet confirmed), so bob stayed on DND after pressing n twice.
    README: "Keys are queued in the order they are typed"; each press toggles what the press before asked for."""
    from .test_queue_card import typed_fast

    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        said = lambda s: [line.text for line in s.log if line.text.startswith("do not disturb")]  # noqa: E731
        typed_fast(console.app, "nnn")
        state = await console.until(lambda s: len(said(s)) == 3)
        assert said(state) == ["do not disturb on", "do not disturb off", "do not disturb on"]
        typed_fast(console.app, "nn")
        state = await console.until(lambda s: len(said(s)) == 5)
        assert said(state)[3:] == ["do not disturb off", "do not disturb on"] and state.desk.dnd
        await console.until(lambda s: s.desk.presence_of("200") is PresenceState.DND)
        await pilot.pause()
    await console.controller.aclose()


async def test_dnd_survives_a_crash_of_the_console(switch, dirs):
    """Found driving the switchboard: bob turned DND on, his console was restarted; the switch still turned
    his callers away BUSY, the new console said nothing of DND. README: n "do not disturb on/off ... kept
    across a switch restart (the console sets it again at login)": the board file keeps it across a restart
    of the console too, the restored console shows it and says it again."""
    first = await log_in_with_files(switch.url, dirs)
    assert first.desk.toggle_dnd()
    await until(first, lambda s: s.desk.dnd)
    await first.aclose()  # kill -9: no logout, the session lives on at the switch

    async with restarted(switch.url, dirs) as second:
        await until(second, lambda s: s.login.logged_in and s.desk.dnd)
        assert second.desk.toggle_dnd()
        await until(second, lambda s: not s.desk.dnd and s.desk.presence_of("200") is PresenceState.AVAILABLE)
    async with restarted(switch.url, dirs) as third:
        state = await until(third, lambda s: s.login.logged_in and s.desk.presence_of("200") is not None)
        assert not state.desk.dnd and state.desk.presence_of("200") is PresenceState.AVAILABLE


async def test_forwarding_survives_a_crash_of_the_console(switch, dirs):
    """Found driving the switchboard: the operator forwarded (F), the console was killed and started again; the
    switch still forwarded every caller while the new console showed no forwarding. README: F "forwarding of this
    console's number ... (the console sets it again at login)": the board file keeps it across a restart of the
    console too, the restored console shows it, the switch forwards as it shows, and turning it off is kept."""
    first = await log_in_with_files(switch.url, dirs)
    assert first.desk.set_forwarding(always="201", no_answer="202")
    await until(first, lambda s: s.desk.forwarding == "always → 201, no answer → 202")
    await first.aclose()  # kill -9: no logout, the session lives on at the switch

    alice = await far_end(switch, "alice")
    try:
        async with restarted(switch.url, dirs) as second:
            state = await until(second, lambda s: s.login.logged_in and s.desk.forwarding)
            assert state.desk.forwarding == "always → 201, no answer → 202"
            prefs = switch.exchange.prefs["200"]
            assert (prefs.always, prefs.busy, prefs.no_answer) == ("201", None, "202")
            await switch.originate("5500", "Caller", "200")  # forwarded at once: it rings at alice, never here
            await until(alice, lambda s: any(c.ringing_in and c.remote_number == "5500" for c in s.calls))
            assert not second.state.ringing_calls()
            assert second.desk.set_forwarding()  # off
            await until(second, lambda s: not s.desk.forwarding)
    finally:
        await alice.aclose()
    async with restarted(switch.url, dirs) as third:
        state = await until(third, lambda s: s.login.logged_in and s.desk.presence_of("200") is not None)
        assert not state.desk.forwarding and switch.exchange.prefs["200"].always is None
