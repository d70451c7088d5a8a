"""Operator journeys for issue 19's rule "No caller is lost by the console's own action", key by key, against the
real embedded switch: the switch's own legs are the ground truth (is the caller's leg still up, where is it
bridged), the operator's store and cards what the operator sees.

"Blind transfer is a transfer with recall: if the target is on DND, busy, declines, or does not answer within
`transfer_recall` seconds, the caller comes back to the operator as a recall ("↩ 202 busy — Caller 04"),
ringing first in the queue with its original waiting time. An announced transfer completed while the target
rings recalls the same way. The operator's card ends with the truth ("transferred to 202", "recalled: 202
declined"), never "completed normally"."
"""

from __future__ import annotations

from console.core.directory import PresenceState
from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES
from console.persist import Config
from console.store.state import EndCause
from console.ui.screens import ConfirmExplicit, LampsScreen
from console.ui.widgets import CallCard
from console.ui.widgets.queue import line_for
from console.ui.words import history_words, origin_words

from .conftest import far_end, make_console, operator_plan, until

SIZE = (110, 32)
S = CALL_STATES


def logged_in(state) -> bool:
    return state.login.state is LOGIN_STATES.SUCCESS and state.desk.subscribed


def caller_leg(switch, alice_store):
    """Alice's own leg at the switch (her console's one call)."""
    call_id = alice_store.state.calls[0].call_id
    return switch.exchange.legs.get(call_id)


async def caller_on_the_line(console, pilot, alice) -> float:
    """alice calls the operator, who answers with a; returns when alice's call first rang in (operator's clock)."""
    alice.dial("200")
    state = await console.until(lambda s: len(s.ringing_calls()) == 1)
    rang_in = state.ringing_calls()[0].created_at
    await pilot.press("a")
    await console.until(lambda s: any(c.remote_number == "201" and c.state is S.CONNECTED for c in s.calls))
    return rang_in


async def blind_transfer(pilot, number: str) -> None:
    await pilot.press("B")
    await pilot.pause()
    await pilot.press(*number, "enter")


def recall_in(state, reason: DISC_REASON):
    return next((c for c in state.calls if c.ringing_in and c.origin is not None
                 and c.origin.recall_reason is reason), None)


async def comes_back(console, pilot, switch, alice, reason: DISC_REASON, rang_in: float, words: str) -> None:
    """The caller rings again at the operator, first in the queue, with its original waiting time; her leg never
    ended at the switch; answering the recall talks to her again."""
    state = await console.until(lambda s: recall_in(s, reason) is not None)
    back = recall_in(state, reason)
    leg = caller_leg(switch, alice)
    assert leg is not None and leg.live and leg.setup is not None  # still up, waiting with music
    assert back.remote_number == "201"
    assert back.created_at <= rang_in + 0.5  # its waiting time runs from when it first rang in
    assert state.ringing_calls()[0].key == back.key  # first in the queue
    assert origin_words(back) == f"↩ recalled: {words}"
    row = line_for(back, console.controller.clock(), 64, False, 0.0).plain
    assert f"↩ {words} — 201" in row
    await pilot.press("a")  # the call ringing longest: the recall
    await console.until(lambda s: any(c.key == back.key and c.state is S.CONNECTED for c in s.calls))
    await until(alice, lambda s: s.calls[0].state is S.CONNECTED and s.calls[0].remote_number == "200")
    assert leg.peer is not None and leg.peer.owner is not None and leg.peer.owner.number == "200"


async def test_a_blind_transfer_to_an_extension_on_dnd_comes_back(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice, bob = await far_end(switch, "alice"), await far_end(switch, "bob")
        bob.desk.set_dnd(True)
        await until(bob, lambda s: s.desk.dnd)
        rang_in = await caller_on_the_line(console, pilot, alice)
        await blind_transfer(pilot, "202")
        await comes_back(console, pilot, switch, alice, DISC_REASON.BUSY, rang_in, "202 busy")
        await alice.aclose(); await bob.aclose()


async def test_a_blind_transfer_the_extension_declines_comes_back(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice, bob = await far_end(switch, "alice"), await far_end(switch, "bob")
        rang_in = await caller_on_the_line(console, pilot, alice)
        await blind_transfer(pilot, "202")
        ringing = await until(bob, lambda s: len(s.ringing_calls()) == 1)
        assert origin_words(ringing.ringing_calls()[0]) == "⇄ transferred by 200"  # the extension is told
        bob.decline(ringing.ringing_calls()[0].slot)
        await comes_back(console, pilot, switch, alice, DISC_REASON.REJECTED, rang_in, "202 declined")
        await alice.aclose(); await bob.aclose()


async def test_a_blind_transfer_nobody_answers_comes_back_after_transfer_recall(switch, dirs):
    console = make_console(dirs, operator_plan(switch), config=Config(transfer_recall=1.0))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice, bob = await far_end(switch, "alice"), await far_end(switch, "bob")
        rang_in = await caller_on_the_line(console, pilot, alice)
        await blind_transfer(pilot, "202")
        await until(bob, lambda s: len(s.ringing_calls()) == 1)
        await comes_back(console, pilot, switch, alice, DISC_REASON.NOTRESPONDING, rang_in, "202 no answer")
        await until(bob, lambda s: not s.ringing_calls())  # it stopped ringing there
        await alice.aclose(); await bob.aclose()


async def test_a_blind_transfer_to_a_busy_number_comes_back(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice = await far_end(switch, "alice")
        rang_in = await caller_on_the_line(console, pilot, alice)
        await blind_transfer(pilot, "9004")  # the busy service
        await comes_back(console, pilot, switch, alice, DISC_REASON.BUSY, rang_in, "9004 busy")
        await alice.aclose()


async def test_an_announced_transfer_completed_while_ringing_then_declined_comes_back(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice, bob = await far_end(switch, "alice"), await far_end(switch, "bob")
        rang_in = await caller_on_the_line(console, pilot, alice)
        await pilot.press("T")
        await pilot.pause()
        await pilot.press(*"202", "enter")
        ringing = await until(bob, lambda s: len(s.ringing_calls()) == 1)
        await pilot.press("j")  # complete while it still rings
        await until(bob, lambda s: s.ringing_calls() and s.ringing_calls()[0].remote_number == "201")
        bob.decline(ringing.ringing_calls()[0].slot)
        await comes_back(console, pilot, switch, alice, DISC_REASON.REJECTED, rang_in, "202 declined")
        await alice.aclose(); await bob.aclose()


async def test_a_successful_blind_transfer_ends_the_card_with_transferred_to(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice, bob = await far_end(switch, "alice"), await far_end(switch, "bob")
        await caller_on_the_line(console, pilot, alice)
        await blind_transfer(pilot, "202")
        state = await console.until(lambda s: any(c.ended for c in s.calls))
        ended = next(c for c in state.calls if c.ended)
        assert ended.end_cause is EndCause.TRANSFERRED and ended.transferred_to == "202"
        await pilot.pause()
        card = next(c for c in console.app.screen.query(CallCard) if c.call is not None and c.call.key == ended.key)
        shown = card.render().plain
        assert "Transferred to 202" in shown and "completed normally" not in shown
        assert history_words(state.history[0].reason, state.history[0].cause) == "transferred"
        ringing = await until(bob, lambda s: len(s.ringing_calls()) == 1)
        assert origin_words(ringing.ringing_calls()[0]) == "⇄ transferred by 200"
        bob.answer()
        await until(alice, lambda s: s.calls[0].state is S.CONNECTED and s.calls[0].remote_number == "202")
        leg = caller_leg(switch, alice)
        assert leg.peer is not None and leg.peer.owner is not None and leg.peer.owner.number == "202"
        assert not any(c.origin is not None and c.origin.recall for c in console.store.state.calls)
        await alice.aclose(); await bob.aclose()


async def test_enter_on_a_dnd_lamp_says_so_and_asks_before_transferring(switch, dirs):
    """"Enter on a DND/busy lamp or search hit says so and asks.\""""
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        alice, bob = await far_end(switch, "alice"), await far_end(switch, "bob")
        bob.desk.set_dnd(True)
        await console.until(lambda s: s.desk.presence_of("202") is PresenceState.DND)
        await caller_on_the_line(console, pilot, alice)
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("right", "right", "enter")  # 200 201 [202]
        await pilot.pause()
        assert isinstance(console.app.screen, ConfirmExplicit)
        assert "202 is on do not disturb" in console.app.screen.question
        await pilot.press("n")  # no: nothing happens to the caller
        await pilot.pause()
        assert not isinstance(console.app.screen, (ConfirmExplicit, LampsScreen))
        assert any(c.remote_number == "201" and c.state is S.CONNECTED for c in console.store.state.calls)
        assert caller_leg(switch, alice).peer.owner.number == "200"
        await pilot.press("slash", *"bob")
        await pilot.pause()
        assert "DND" in str(console.app.screen.query_one("#search-list").render())  # the hit shows presence
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(console.app.screen, ConfirmExplicit)
        await pilot.press("y")  # yes: transferred, and it comes back
        await console.until(lambda s: recall_in(s, DISC_REASON.BUSY) is not None)
        await alice.aclose(); await bob.aclose()
