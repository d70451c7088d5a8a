"""One failure, one line in the log pane (review finding): a refused request was logged twice (the client's
warning through the log bridge, and the error handler's line), a refused park three times. The real embedded
switch on 127.0.0.1 port 0, headless controllers (no screen), signaling only."""

from __future__ import annotations

from console.core.enums import CALL_STATES
from console.store import Controller, client_factory
from store_wait import until

S = CALL_STATES



async def logged_in(switch, username: str) -> Controller:
    controller = Controller(client_factory(device=None), media=False)
    controller.login(switch.url, username, username)
    await until(controller, lambda s: s.login.logged_in and (username != "operator" or s.desk.subscribed))
    return controller


async def answered(operator: Controller, caller: Controller, number: str) -> int:
    """``caller`` dials the operator (200), who answers; the operator's slot of the call."""
    caller.dial("200")
    state = await until(operator, lambda s: any(c.remote_number == number and c.ringing_in for c in s.calls))
    slot = next(c.slot for c in state.calls if c.remote_number == number and c.ringing_in)
    operator.answer(slot)
    await until(operator, lambda s: s.call_in(slot).state is S.CONNECTED)
    return slot


async def test_a_park_the_switch_refuses_is_one_line_in_the_log_with_the_switchs_words(switch):
    operator, alice, bob = [await logged_in(switch, name) for name in ("operator", "alice", "bob")]
    try:
        first = await answered(operator, alice, "201")
        assert operator.desk.park(first, "701")
        await until(operator, lambda s: any(o.orbit == "701" for o in s.desk.occupied_orbits()))
        second = await answered(operator, bob, "202")
        before = len(operator.state.log)
        assert operator.desk.park(second, "701")  # it goes: the switch refuses it
        state = await until(operator, lambda s: "taken" in s.last_error)
        await until(operator, lambda s: s.call_in(second).state is S.CONNECTED)
        await _settled(operator)
        about = [line for line in operator.state.log[before:] if "taken" in line.text]
        assert len(about) == 1, [f"{line.source}: {line.text}" for line in operator.state.log[before:]]
        assert "orbit 701 is taken" in about[0].text and "[" in about[0].text, about[0]
        assert about[0].text == state.last_error
    finally:
        for controller in (operator, alice, bob):
            await controller.aclose()


async def test_a_refusal_of_the_client_is_one_line_in_the_log(switch):
    """A request the client refuses before the wire (a conference of one call): one line, the client's words."""
    operator, alice = [await logged_in(switch, name) for name in ("operator", "alice")]
    try:
        slot = await answered(operator, alice, "201")
        before = len(operator.state.log)
        call = operator.calls.get(operator.state.call_in(slot).key)
        call.conference()  # the seed-style call: refused by the session, reported to the error handler
        state = await until(operator, lambda s: "conference needs two calls" in s.last_error)
        await _settled(operator)
        about = [line for line in operator.state.log[before:] if "conference needs two calls" in line.text]
        assert len(about) == 1, [f"{line.source}: {line.text}" for line in operator.state.log[before:]]
        assert about[0].text == state.last_error and about[0].text.startswith(f"[{slot}] ")
    finally:
        for controller in (operator, alice):
            await controller.aclose()


async def _settled(controller: Controller) -> None:
    """Let whatever else the failure causes reach the store: a round trip to the switch (a presence renewal would
    do; the log line of a no-op request is enough) after the refusal."""
    controller.note("-- mark --")
    await until(controller, lambda s: s.log and s.log[-1].text == "-- mark --")


async def test_a_refused_conference_join_is_one_line_naming_the_call(switch):
    """Review finding: a failed conference join was reported without its call; like other refusals its line
    names the call ("[slot] conference failed: ..."), once. A demo caller (a service of the switch) cannot be
    mixed: the switch refuses the join."""
    from console.switch.media import ServiceKind

    operator, alice = [await logged_in(switch, name) for name in ("operator", "alice")]
    try:
        first = await answered(operator, alice, "201")
        await switch.originate("4930555017", "Caller 17", "200", ServiceKind.TONE)
        state = await until(operator, lambda s: any(c.ringing_in for c in s.calls))
        demo = next(c for c in state.calls if c.ringing_in).slot
        operator.answer(demo)
        await until(operator, lambda s: s.call_in(demo).state is S.CONNECTED)
        before = len(operator.state.log)
        assert operator.features.conference([demo, first])
        state = await until(operator, lambda s: "conference failed" in s.last_error)
        await _settled(operator)
        about = [line for line in operator.state.log[before:] if "conference failed" in line.text]
        assert len(about) == 1, [f"{line.source}: {line.text}" for line in operator.state.log[before:]]
        assert about[0].text.startswith(f"[{demo}] conference failed: "), about[0].text
    finally:
        for controller in (operator, alice):
            await controller.aclose()
