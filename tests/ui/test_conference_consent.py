"""Conference by consent (issue 19 item 3), as an operator at the keyboard, with the switch's own state as truth.

Issue 19: "`C` shows the calls that would join, with held callers unticked unless chosen; the board shows every
member as in the conference; party counts are exact; every card updates when a party leaves; no internal ids in
messages." Party counts are everyone on the bridge, the operator included ("3 parties (you+2)").
"""

from __future__ import annotations

from console.core.enums import CALL_STATES
from console.switch.media import ServiceKind
from console.ui.widgets import CallCard

from .conftest import far_end, make_console, operator_plan, until
from .test_operator import SIZE, card_text, logged_in, slot_state

S = CALL_STATES


async def _calls_to(pilot, console, switch, users_numbers):
    """The operator dials each far end in turn (each new call holds the one before); they answer."""
    fars, slots = [], []
    for user, number in users_numbers:
        far = await far_end(switch, user)
        before = {c.key for c in console.store.state.calls}
        await pilot.press("d", *number, "enter")
        await until(far, lambda s: bool(s.ringing_calls()))
        far.answer()
        state = await console.until(lambda s: any(c.key not in before and c.state is S.CONNECTED for c in s.calls))
        fars.append(far)
        slots.append(next(c.slot for c in state.calls if c.key not in before))
    return fars, slots


def _leg(switch, console, slot):
    """The switch's leg for the operator's call in ``slot`` (the operator's side)."""
    call_id = console.store.state.call_in(slot).call_id
    return switch.exchange.legs[call_id]


def parties(slot: int, n: int):
    return lambda s: s.call_in(slot) is not None and s.call_in(slot).conference_parties == n


async def _a_connected_b_and_c_held(pilot, console, switch):
    """A (alice) connected, B (bob) an unrelated caller on hold, C (carol) on hold too."""
    (alice, bob, carol), (a, b, c) = await _calls_to(pilot, console, switch,
                                                     (("alice", "201"), ("bob", "202"), ("carol", "203")))
    await pilot.press(str(a), "u")  # back to A: C goes on hold (one call has the devices)
    await console.until(lambda s: s.call_in(a).state is S.CONNECTED and s.call_in(b).state is S.HELD
                        and s.call_in(c).state is S.HELD)
    return (alice, bob, carol), (a, b, c)


async def test_c_joins_only_the_ticked_calls_and_an_unrelated_held_caller_stays_on_hold(switch, dirs):
    """Issue 19: "`C` with an unrelated held caller → not joined". A connected, B and C on hold; `C`, tick C
    only, Enter: A and C are mixed; B is not in the conference, still held, hears hold music, its card says so."""
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        (alice, bob, carol), (a, b, c) = await _a_connected_b_and_c_held(pilot, console, switch)
        await pilot.press("C")
        picker = await _picker(pilot, console)
        assert picker.ticked_slots() == {a}, "only the connected call is ticked at first; held callers are not"
        await pilot.press("down", "down", "space")  # A is under the cursor; C is two rows down
        assert picker.ticked_slots() == {a, c}
        await pilot.press("enter")
        state = await console.until(lambda s: parties(a, 3)(s) and parties(c, 3)(s))
        assert not state.call_in(b).conference and state.call_in(b).state is S.HELD
        # the switch's own state: B's far end is not in the conference, is still held, hears music
        room = switch.exchange.conferences[state.call_in(a).conference]
        b_far = _leg(switch, console, b).peer
        assert b_far.conference is None and b_far.machine.remote_hold
        assert switch.exchange.plane.routes[b_far.id] is not room.mix
        assert {_leg(switch, console, a).peer.id, _leg(switch, console, c).peer.id} <= set(room.legs)
        assert b_far.id not in room.legs and _leg(switch, console, b).id not in room.legs
        assert room.party_count == 3
        await until(carol, lambda s: bool(s.calls) and s.calls[0].conference_parties == 3)
        await until(bob, lambda s: bool(s.calls) and s.calls[0].state is S.HOLDING and not s.calls[0].conference)
        await pilot.pause()
        for slot in (a, c):  # every member's card and row shows it is in the conference, with the exact count
            assert "3 parties" in card_text(console.app, slot), card_text(console.app, slot)
            assert "conf 3" in str(console.app.screen.query_one(f"#slot-{slot}", CallCard).border_title)
        assert "⧉" not in card_text(console.app, b) and "⧉" not in str(
            console.app.screen.query_one(f"#slot-{b}", CallCard).border_title)
        assert "On hold" in card_text(console.app, b)
        assert not any(" f1" in line.text or "conference f" in line.text for line in console.store.state.log), \
            "no internal conference id in the log"
    for store in (console.controller, alice, bob, carol):
        await store.aclose()


async def test_esc_in_the_picker_joins_nothing(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        (alice, bob, carol), (a, b, c) = await _a_connected_b_and_c_held(pilot, console, switch)
        await pilot.press("C")
        await _picker(pilot, console)
        await pilot.press("space", "escape")
        await console.until(lambda s: any("conference cancelled" in line.text for line in s.log))
        assert not switch.exchange.conferences
        assert all(not call.conference for call in console.store.state.calls)
    for store in (console.controller, alice, bob, carol):
        await store.aclose()


async def test_four_parties_counted_exactly_x_and_k_update_every_remaining_card(switch, dirs):
    """Issue 19: "Four people are shown as "3 parties"; after `K` the remaining cards are stale". A and C join,
    then B is added from A's card: 4 parties (you+3) on every card; X drops C, the others show 3; K leaves,
    the far ends stay connected to each other and every card of the operator is up to date."""
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        (alice, bob, carol), (a, b, c) = await _a_connected_b_and_c_held(pilot, console, switch)
        await pilot.press("C")
        await _picker(pilot, console)
        await pilot.press(str(c), "enter")  # a digit ticks that slot
        await console.until(lambda s: parties(a, 3)(s) and parties(c, 3)(s))
        await pilot.press("C")  # A (selected) is in the conference: the picker adds to it
        picker = await _picker(pilot, console)
        assert picker.ticked_slots() == {a, c}
        await pilot.press(str(b), "enter")
        state = await console.until(lambda s: all(parties(n, 4)(s) for n in (a, b, c)))
        assert switch.exchange.conferences[state.call_in(a).conference].party_count == 4
        for far in (alice, bob, carol):
            await until(far, lambda s: bool(s.calls) and s.calls[0].conference_parties == 4)
        await pilot.pause()
        for slot in (a, b, c):
            assert "4 parties in conference (you+3)" in card_text(console.app, slot), card_text(console.app, slot)
        await pilot.press(str(c), "X")  # carol is dropped; the others stay and count 3
        await console.until(slot_state(c, S.DISCONNECTED))
        await console.until(lambda s: parties(a, 3)(s) and parties(b, 3)(s))
        await until(carol, lambda s: s.calls[0].state is S.DISCONNECTED)
        for far in (alice, bob):
            await until(far, lambda s: s.calls[0].conference_parties == 3)
        await pilot.pause()
        for slot in (a, b):
            assert "3 parties in conference (you+2)" in card_text(console.app, slot), card_text(console.app, slot)
        await pilot.press(str(a), "K")
        state = await console.until(lambda s: all(s.call_in(n).state is S.DISCONNECTED for n in (a, b)))
        for far in (alice, bob):
            far_state = await until(far, lambda s: s.calls[0].conference_parties == 2)
            assert far_state.calls[0].state is S.CONNECTED
        await pilot.pause()
        for slot in (a, b):  # the operator's cards say what happened: the operator left, the others talk on
            assert "left the conference" in card_text(console.app, slot), card_text(console.app, slot)
        for slot in (a, b, c):  # no member mark left on any card of the operator
            call = console.store.state.call_in(slot)
            if call is None:
                continue
            assert not call.conference and call.conference_parties == 0, call
            assert "⧉" not in card_text(console.app, slot) and "parties in conference" not in card_text(console.app, slot)
    for store in (console.controller, alice, bob, carol):
        await store.aclose()


async def test_a_party_hanging_up_updates_every_remaining_card(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        (alice, bob, carol), (a, b, c) = await _a_connected_b_and_c_held(pilot, console, switch)
        await pilot.press("C")
        await _picker(pilot, console)
        await pilot.press(str(b), str(c), "enter")
        await console.until(lambda s: all(parties(n, 4)(s) for n in (a, b, c)))
        carol.hangup()
        await console.until(lambda s: s.call_in(c).state is S.DISCONNECTED and parties(a, 3)(s) and parties(b, 3)(s))
        await pilot.pause()
        for slot in (a, b):
            assert "3 parties in conference (you+2)" in card_text(console.app, slot), card_text(console.app, slot)
        assert "⧉" not in str(console.app.screen.query_one(f"#slot-{c}", CallCard).border_title)
    for store in (console.controller, alice, bob, carol):
        await store.aclose()


async def test_a_refused_conference_names_the_caller_not_an_internal_id(switch, dirs):
    """Issue 19: one failure read "conference failed: wrong_state: call c18 is not…" (an internal id). A demo
    caller (a service of the switch) cannot be mixed: the refusal names the caller and says why in words."""
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        (alice,), (a,) = await _calls_to(pilot, console, switch, (("alice", "201"),))
        await switch.originate("4930555017", "Caller 17", "200", ServiceKind.TONE)
        state = await console.until(lambda s: any(c.ringing_in for c in s.calls))
        demo = next(c for c in state.calls if c.ringing_in).slot
        await pilot.press(str(demo), "a")
        await console.until(lambda s: s.call_in(demo).state is S.CONNECTED and s.call_in(a).state is S.HELD)
        await pilot.press("C")
        await _picker(pilot, console)
        await pilot.press(str(a), "enter")
        state = await console.until(lambda s: "conference" in s.last_error)
        error = state.last_error
        ids = {call.call_id for call in state.calls if call.call_id}
        assert not any(call_id in error.split() or f"{call_id}," in error for call_id in ids), error
        assert "wrong_state" not in error, error
        assert "4930555017" in error or "Caller 17" in error, error
        assert not switch.exchange.conferences
    for store in (console.controller, alice):
        await store.aclose()


async def _picker(pilot, console):
    for _ in range(50):
        if type(console.app.screen).__name__ == "ConferencePicker":
            return console.app.screen
        await pilot.pause(0.05)
    raise AssertionError(f"no conference picker; screen {console.app.screen!r}, error {console.store.state.last_error!r}")


async def test_queue_rows_mark_members_only(switch, dirs):
    """The queue view's rows: members carry ⧉ and their count; the unrelated held caller's row does not."""
    from console.ui.widgets.queue import line_for

    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        (alice, bob, carol), (a, b, c) = await _a_connected_b_and_c_held(pilot, console, switch)
        await pilot.press("C")
        await _picker(pilot, console)
        await pilot.press(str(c), "enter")
        state = await console.until(lambda s: parties(a, 3)(s) and parties(c, 3)(s))
        rows = {n: line_for(state.call_in(n), 0.0, 60, False, 0.0).plain for n in (a, b, c)}
        assert "⧉" in rows[a] and "⧉" in rows[c] and "conf 3" in rows[c], rows
        assert "⧉" not in rows[b] and "hold" in rows[b], rows
    for store in (console.controller, alice, bob, carol):
        await store.aclose()


async def test_the_picker_follows_a_caller_who_hangs_up_while_it_is_open(switch, dirs):
    """The picker lists the calls that would join now: a held caller who hangs up leaves the list, ticks stay."""
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        (alice, bob, carol), (a, b, c) = await _a_connected_b_and_c_held(pilot, console, switch)
        await pilot.press("C")
        picker = await _picker(pilot, console)
        await pilot.press(str(c))
        bob.hangup()
        await console.until(slot_state(b, S.DISCONNECTED))
        await pilot.pause()
        assert [choice.call.slot for choice in picker.choices] == [a, c]
        assert picker.ticked_slots() == {a, c}
        await pilot.press("enter")
        await console.until(lambda s: parties(a, 3)(s) and parties(c, 3)(s))
    for store in (console.controller, alice, bob, carol):
        await store.aclose()
