"""An operator at the keyboard, against the real embedded switch: every key is a key press."""

from __future__ import annotations

from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES, Direction
from console.ui.screens import LoginScreen, TransferPicker
from console.ui.widgets import CallCard, CallQueue, LoginStatus

from .conftest import make_console, operator_plan

SIZE = (110, 32)


def logged_in(state) -> bool:
    return state.login.state is LOGIN_STATES.SUCCESS


def slot_state(slot: int, state: CALL_STATES):
    return lambda s: s.call_in(slot) is not None and s.call_in(slot).state is state


def card_text(app, slot: int) -> str:
    return str(app.screen.query_one(f"#slot-{slot}", CallCard).render())


async def dial(pilot, console, number: str) -> int:
    """Press d, type the number, Enter; return the slot of the new call once it is connected."""
    before = {c.key for c in console.store.state.calls}
    await pilot.press("d", *number, "enter")
    state = await console.until(lambda s: any(c.key not in before and c.state is CALL_STATES.CONNECTED
                                              for c in s.calls))
    return next(c.slot for c in state.calls if c.key not in before)


async def test_log_in_on_the_login_screen(switch, dirs):
    console = make_console(dirs, operator_plan(switch, auto_login=False, password=""))
    async with console.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(console.app.screen, LoginScreen)
        await pilot.press(*"operator", "enter")  # the password field has focus; server and user are filled in
        state = await console.until(logged_in)
        await pilot.pause()
        assert not isinstance(console.app.screen, LoginScreen)
        status = str(console.app.screen.query_one(LoginStatus).render())
        assert "Logged in (SUCCESS)" in status and "200" in status and "Operator" in status
        assert "saved session: yes" in status
        state = console.store.state  # the state the status line shows (the one awaited may predate the save)
        assert state.login.saved_session and console.controller.saved_identifier(switch.url)
    await console.controller.aclose()
    assert "operator" not in dirs.sessions_file.read_text().replace('"username": "operator"', "")


async def test_a_failed_login_shows_the_reason(switch, dirs):
    console = make_console(dirs, operator_plan(switch, auto_login=False, password=""))
    async with console.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*"wrong-password", "enter")
        await console.until(lambda s: s.login.state is LOGIN_STATES.SERVER_ACCESS)
        await pilot.pause()
        screen = console.app.screen
        assert isinstance(screen, LoginScreen) and screen.has_class("-failed")
        reason = str(screen.query_one("#login-reason").render())
        assert "SERVER_ACCESS" in reason and "Wrong username, password or token" in reason
    await console.controller.aclose()


async def test_dial_echo_and_hang_up(switch, dirs):
    console = make_console(dirs, operator_plan(switch), linger=0.5)
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        slot = await dial(pilot, console, "9000")
        await pilot.pause()
        assert "Connected (CONNECTED)" in card_text(console.app, slot) and "9000" in card_text(console.app, slot)
        await pilot.press("e")
        state = await console.until(slot_state(slot, CALL_STATES.DISCONNECTED))
        assert state.call_in(slot).reason is DISC_REASON.USERTERMINATED
        await pilot.pause()
        assert "Hung up here (USERTERMINATED)" in card_text(console.app, slot)
        await console.until(lambda s: s.call_in(slot) is None)  # the slot frees after the linger
    await console.controller.aclose()
    assert console.controller.history.recent_numbers()[0] == "9000"


async def test_take_an_incoming_demo_call(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        await pilot.press("f5")
        state = await console.until(lambda s: bool(s.ringing_calls()))
        call = state.ringing_calls()[0]
        assert call.direction is Direction.IN and call.remote_number == "201"
        await pilot.pause()
        card = console.app.screen.query_one(f"#slot-{call.slot}", CallCard)
        assert card.has_class("-ringing") and "RINGING" in str(card.render())
        await pilot.press("a")
        await console.until(slot_state(call.slot, CALL_STATES.CONNECTED))
        await pilot.pause()
        assert not card.has_class("-ringing") and card.has_class("-connected")
    await console.controller.aclose()


async def test_decline_an_incoming_call(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        await pilot.press("f5")
        call = (await console.until(lambda s: bool(s.ringing_calls()))).ringing_calls()[0]
        await pilot.press(str(call.slot), "x")  # a caller ringing in is not selected by itself (issue 19)
        await console.until(slot_state(call.slot, CALL_STATES.DISCONNECTED))
    await console.controller.aclose()


async def test_hold_and_retrieve(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        slot = await dial(pilot, console, "9000")
        await pilot.press("h")
        await console.until(slot_state(slot, CALL_STATES.HELD))
        await pilot.pause()
        assert "held by us" in card_text(console.app, slot)
        await pilot.press("u")
        await console.until(slot_state(slot, CALL_STATES.CONNECTED))
    await console.controller.aclose()


async def test_retrieving_one_call_holds_the_other(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        first = await dial(pilot, console, "9000")
        second = await dial(pilot, console, "9001")  # dialing holds the first call
        await console.until(slot_state(first, CALL_STATES.HELD))
        await pilot.press(str(first), "u")
        state = await console.until(lambda s: s.call_in(first).state is CALL_STATES.CONNECTED
                                    and s.call_in(second).state is CALL_STATES.HELD)
        assert state.focused == first
    await console.controller.aclose()


async def test_transfer_with_the_picker_after_cancelling_once(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        await pilot.press("f5")
        incoming = (await console.until(lambda s: bool(s.ringing_calls()))).ringing_calls()[0].slot
        await pilot.press("a")
        await console.until(slot_state(incoming, CALL_STATES.CONNECTED))
        outgoing = await dial(pilot, console, "9000")
        await console.until(slot_state(incoming, CALL_STATES.HELD))

        await pilot.press("t")
        assert isinstance(console.app.screen, TransferPicker)
        await pilot.press(str(incoming), str(outgoing), "escape")  # picked both, then cancelled
        assert not isinstance(console.app.screen, TransferPicker)
        state = console.store.state
        assert state.call_in(incoming).state is CALL_STATES.HELD
        assert state.call_in(outgoing).state is CALL_STATES.CONNECTED
        assert "transfer cancelled" in state.log[-1].text

        await pilot.press("t", "enter", "down", "enter")  # cursor picks the first, then the second call
        picker = console.app.screen
        assert isinstance(picker, TransferPicker) and len(picker.picked) == 2
        await pilot.press("enter")  # confirm
        state = await console.until(lambda s: s.call_in(incoming).ended and s.call_in(outgoing).ended)
        for slot in (incoming, outgoing):
            assert state.call_in(slot).reason is DISC_REASON.SUCCESS and state.call_in(slot).transferred
        await pilot.pause()
        assert "Transferred" in card_text(console.app, incoming)
    await console.controller.aclose()


async def test_dtmf_mode_sends_digits_to_the_ivr_and_shows_them_coming_back(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        slot = await dial(pilot, console, "9002")
        await pilot.press("m", "1", "2", "#", "escape")
        state = await console.until(lambda s: s.call_in(slot).digits_received == "12#")
        assert state.call_in(slot).digits_sent == "12#"
        assert state.call_in(slot).state is CALL_STATES.CONNECTED  # the digits did not hang up or hold
        await pilot.pause()
        assert "DTMF sent 12# · recv 12#" in card_text(console.app, slot)
        await pilot.press("e")  # out of DTMF mode, keys are commands again
        await console.until(slot_state(slot, CALL_STATES.DISCONNECTED))
    await console.controller.aclose()


async def test_a_refused_request_is_a_message_not_a_crash(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        slot = await dial(pilot, console, "9000")
        await pilot.press("u")  # retrieve a call that is not held
        state = await console.until(lambda s: "retrieve" in s.last_error)
        assert state.call_in(slot).state is CALL_STATES.CONNECTED
        await pilot.pause()
        assert "retrieve" in str(console.app.screen.query_one(LoginStatus).render())
    await console.controller.aclose()


async def test_log_out(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(lambda s: logged_in(s) and s.login.saved_session)
        await pilot.press("o")
        state = await console.until(lambda s: s.login.state is LOGIN_STATES.LOGGED_OUT_EXPLICIT)
        await pilot.pause()
        assert isinstance(console.app.screen, LoginScreen)
        assert not state.login.saved_session and console.controller.saved_identifier(switch.url) is None
    await console.controller.aclose()


async def test_more_than_nine_calls_are_reachable_with_the_bracket_keys(switch, dirs):
    """An operator with a dozen calls: [ and ] step through every slot, past the nine digit keys."""
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        for _ in range(12):
            console.controller.dial("9005")  # no answer: they stay ringing at the far end, one card each
        await console.until(lambda s: len(s.calls) == 12 and all(c.state is CALL_STATES.DIALING or c.state is CALL_STATES.RINGING for c in s.calls))
        await pilot.press("9")
        await console.until(lambda s: s.focused == 9)
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
        await console.until(lambda s: s.focused == 12)
        await pilot.press("right_square_bracket")  # wraps around
        await console.until(lambda s: s.focused == 1)
        await pilot.press("left_square_bracket")
        await console.until(lambda s: s.focused == 12)
        await pilot.pause()
        queue = console.app.screen.query_one(CallQueue)  # twelve cards do not fit: the queue view took over
        assert queue.display and "▶12" in str(queue.render()).replace(" ", "")
        await pilot.press("v", "v")  # auto -> queue -> cards
        await pilot.pause()
        card = console.app.screen.query_one("#slot-12", CallCard)
        assert card.selected and card.region.height > 0  # scrolled into view
        await pilot.press("e")
        await console.until(lambda s: s.call_in(12) is None or s.call_in(12).state is CALL_STATES.DISCONNECTED)
    await console.controller.aclose()
