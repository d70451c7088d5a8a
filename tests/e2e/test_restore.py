"""A console that ends mid-call comes back with try_restore_login and finds its calls."""

from __future__ import annotations

from console.webrtc import CALL_STATES, DISC_REASON, LOGIN_STATES
from console_harness import Console, connect_pair

S, L = CALL_STATES, LOGIN_STATES


async def test_restore_within_the_lifetime_brings_back_every_call_in_its_state(make_switch):
    switch = await make_switch(session_lifetime=30.0)
    op, alice, bob = Console(switch.url), Console(switch.url), Console(switch.url)
    await op.login("operator", "operator"); await alice.login("alice", "alice"); await bob.login("bob", "bob")
    to_alice, a_in = await connect_pair(op, alice)
    to_bob, b_in = await connect_pair(op, bob)
    await op.call_state(to_alice, S.HELD)
    identifier = op.inst.get_login_identifier()
    await op.close()  # the process ends: no logout
    assert switch.stats()["sessions"] >= 3
    again = Console(switch.url)
    states = []
    def on_restore(call):
        again.watch(call)
        again.restored.append(call)
        call.set_call_state_handler(lambda c, s: (states.append((c.get_remote_number(), s)), again._poke()))
    assert again.inst.try_restore_login(switch.url, False, False, identifier, on_restore)
    await again.login_state(L.SUCCESS)
    await again.until(lambda: len(states) == 2, "both calls signalled")
    assert sorted(states) == [("201", S.HELD), ("202", S.CONNECTED)]
    assert again.inst.get_local_dial_string() == "200"
    # the restored calls work: retrieve alice (holds bob), then transfer them to each other
    restored = {c.get_remote_number(): c for c in again.restored}
    restored["201"].retrieve()
    await again.call_state(restored["201"], S.CONNECTED)
    await again.call_state(restored["202"], S.HELD)
    restored["201"].transfer(restored["202"])
    await alice.call_state(a_in, S.CONNECTED)
    await again.call_state(restored["201"], S.DISCONNECTED)
    for c in (again, alice, bob):
        await c.close()


async def test_a_second_connection_takes_over_and_the_first_is_logged_out(consoles, switch):
    op, alice = await consoles("operator"), await consoles("alice")
    out, inc = await connect_pair(op, alice)
    other = await consoles()
    other.restore(op.inst.get_login_identifier())
    await other.login_state(L.SUCCESS)
    await op.login_state(L.LOGGED_OUT_IMPLICIT)
    await other.until(lambda: len(other.restored) == 1, "the call")
    assert other.restored[0].get_state() is S.CONNECTED
    assert inc.get_state() is S.CONNECTED  # the far end never noticed


async def test_restore_after_the_lifetime_fails_and_the_calls_were_cleared(consoles):
    op, alice = await consoles("operator"), await consoles("alice")
    out, inc = await connect_pair(op, alice)
    identifier = op.inst.get_login_identifier()
    await op.close()
    await alice.call_state(inc, S.DISCONNECTED)  # cleared when the 1 s lifetime ran out
    assert inc.get_disconnect_reason() is DISC_REASON.ERROR
    again = await consoles()
    again.restore(identifier)
    await again.login_state(L.LOGIN_RESTORE_FAILED)


async def test_connection_lost_then_restore_in_the_same_instance_keeps_the_call_objects(make_switch):
    switch = await make_switch(session_lifetime=30.0)
    op, alice = Console(switch.url), Console(switch.url)
    await op.login("operator", "operator"); await alice.login("alice", "alice")
    out, inc = await connect_pair(op, alice)
    await switch.drop_connections()
    await op.login_state(L.CONNECTION_LOST)
    await alice.login_state(L.CONNECTION_LOST)
    alice.restore(alice.inst.get_login_identifier())
    op.restore(op.inst.get_login_identifier())
    await op.login_state(L.SUCCESS)
    await alice.login_state(L.SUCCESS)
    assert op.restored == [out]  # the same object, now live again
    out.send_digit("5")
    await alice.until(lambda: alice.digits.get(inc) == ["5"], "the digit after restore")
    for c in (op, alice):
        await c.close()


async def test_auto_reconnect_restores_the_session_after_the_socket_drops(make_switch):
    switch = await make_switch(session_lifetime=30.0)
    op, alice = Console(switch.url, {"auto_reconnect": True}), Console(switch.url, {"auto_reconnect": True})
    await op.login("operator", "operator"); await alice.login("alice", "alice")
    out, inc = await connect_pair(op, alice)
    await switch.drop_connections()
    for console in (op, alice):
        await console.until(lambda: console.logins[-3:] == [L.CONNECTION_LOST, L.CONNECTING, L.SUCCESS], "the automatic restore")
    assert op.inst.calls == [out] and out.get_state() is S.CONNECTED
    out.send_digit("8")
    await alice.until(lambda: alice.digits.get(inc) == ["8"], "the digit after the reconnect")
    assert not op.inst.reconnecting
    for c in (op, alice):
        await c.close()


async def test_auto_reconnect_gives_up_when_the_switch_forgot_the_session(make_switch):
    switch = await make_switch(session_lifetime=30.0)
    other = await make_switch(session_lifetime=30.0)  # stands for a restarted switch that lost its sessions
    op = Console(switch.url, {"auto_reconnect": True})
    await op.login("operator", "operator")
    await switch.drop_connections()
    op.inst.server = other.url  # before the first attempt (0.5 s)
    await op.login_state(L.LOGIN_RESTORE_FAILED, timeout=10)
    assert L.CONNECTION_LOST in op.logins and not op.inst.reconnecting
    await op.close()
