"""Truth while the server is away (issue 19, item 7): calls the console has lost contact with.

"From the moment the link drops, calls show "lost contact" with no running timer and keys on them say
why; when the login fails for good they end with the reason." The switch is the real embedded one: first
out of reach but alive (``stop_listening``: it keeps the session, so the console restores it), then gone
for good (closed and started afresh on the same port: the session is gone).
"""

from __future__ import annotations

from console.core.enums import CALL_STATES, LOGIN_STATES
from console.store.state import EndCause
from console.ui.widgets import CallCard
from console.ui.widgets.queue import line_for

from .conftest import make_console, operator_plan
from .test_operator import SIZE, dial, logged_in

WIDTH = 70


def lost(state) -> bool:
    return state.login.state is not LOGIN_STATES.SUCCESS


async def board_text(console, pilot, at: float) -> tuple[list[str], list[str]]:
    """Every card and every queue row as drawn at ``at`` on the app's clock."""
    console.app.now = at
    await pilot.pause()
    state = console.store.state
    cards = [str(console.app.screen.query_one(f"#slot-{c.slot}", CallCard).render()) for c in state.calls]
    rows = [str(line_for(c, at, WIDTH, False, 0.0)) for c in state.calls]
    return cards, rows


async def ring_and_dial(switch, console, pilot) -> None:
    await console.until(logged_in)
    await dial(pilot, console, "9000")
    await switch.originate("5501", "Waiting caller", "200")
    await console.until(lambda s: len(s.ringing_calls()) == 1)


async def test_with_the_switch_out_of_reach_calls_say_lost_contact_and_come_back_live(switch, dirs):
    clock = [1000.0]
    console = make_console(dirs, operator_plan(switch), clock=lambda: clock[0])
    try:
        async with console.app.run_test(size=SIZE) as pilot:
            await ring_and_dial(switch, console, pilot)
            clock[0] += 5
            await switch.stop_listening()
            state = await console.until(lost)
            before = {c.key: (c.state, c.pending) for c in state.calls}
            clock[0] += 1
            cards, rows = await board_text(console, pilot, clock[0])
            clock[0] += 40  # the switch stays away: nothing on the board may count on
            cards2, rows2 = await board_text(console, pilot, clock[0])
            assert cards == cards2 and rows == rows2
            for text in cards + rows:
                assert "lost contact" in text.lower(), text
            ringing = state.ringing_calls()[0]
            await pilot.press(str(ringing.slot), "a")
            await pilot.pause()
            state = console.store.state
            assert "no contact with the switch: reconnecting" in state.last_error
            assert {c.key: (c.state, c.pending) for c in state.calls} == before  # nothing was asked of anyone

            await switch.listen_again()
            state = await console.until(lambda s: logged_in(s) and s.calls and not any(getattr(c, "lost_at", None) for c in s.calls),
                                        timeout=30)
            states = {c.remote_number: c.state for c in state.calls}  # as the switch reports them after the restore
            assert states == {"9000": CALL_STATES.CONNECTED, "5501": CALL_STATES.OFFERING}  # `a` answered nobody
            cards, rows = await board_text(console, pilot, clock[0])
            for text in cards + rows:
                assert "lost contact" not in text.lower(), text
    finally:
        await console.controller.aclose()


async def test_with_the_switch_gone_for_good_calls_end_with_the_reason_at_the_loss(dirs):
    from console.switch.demo import demo_config
    from console.switch.server import Switch

    clock = [1000.0]
    switch = await Switch.start(demo_config(port=0, media=False))
    console = make_console(dirs, operator_plan(switch), clock=lambda: clock[0])
    try:
        async with console.app.run_test(size=SIZE) as pilot:
            await ring_and_dial(switch, console, pilot)
            await switch.stop_listening()
            await console.until(lost)
            lost_at = clock[0]
            clock[0] += 60
            await switch.aclose()  # the switch dies with the sessions: the restore must fail
            switch = await Switch.start(demo_config(port=switch.port, media=False))
            state = await console.until(lambda s: s.calls and all(c.ended for c in s.calls), timeout=30)
            for call in state.calls:
                assert call.end_cause is EndCause.SERVER_LOST
                assert call.ended_at == lost_at  # what we knew: the time contact was lost, not a minute on
            await console.until(lambda s: any("LOGIN_RESTORE_FAILED" in line.text for line in s.log))
            cards, _ = await board_text(console, pilot, clock[0])
            for text in cards:
                assert "lost contact" not in text.lower() and "✕" in text, text
    finally:
        await console.controller.aclose()
        await switch.aclose()
