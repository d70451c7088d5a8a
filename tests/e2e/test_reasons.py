"""Every DISC_REASON, produced by a real scenario and read with get_disconnect_reason() on both sides."""

from __future__ import annotations

import dataclasses

from console.webrtc import CALL_STATES, DISC_REASON
from console_harness import Console, connect_pair

S, R = CALL_STATES, DISC_REASON


async def ended(console, call, timeout=5.0):
    await console.call_state(call, S.DISCONNECTED, timeout)
    return call.get_disconnect_reason()


async def test_success_and_userterminated(consoles):
    alice, bob = await consoles("alice"), await consoles("bob")
    out, inc = await connect_pair(alice, bob)
    out.disconnect()
    assert await ended(alice, out) is R.USERTERMINATED
    assert await ended(bob, inc) is R.SUCCESS


async def test_dialstring_for_an_unknown_number(consoles):
    alice = await consoles("alice")
    assert await ended(alice, alice.dial("55555")) is R.DIALSTRING


async def test_permission_when_the_user_may_not_dial_the_number(consoles):
    guest = await consoles("guest", "guest", "299")  # guest may dial 9* only
    assert await ended(guest, guest.dial("200")) is R.PERMISSION
    echo = guest.dial("9000")
    await guest.call_state(echo, S.CONNECTED)


async def test_congestion_when_the_switch_is_full(make_switch):
    switch = await make_switch(max_calls=2)
    alice, bob = Console(switch.url), Console(switch.url)
    await alice.login("alice", "alice")
    await bob.login("bob", "bob")
    await connect_pair(alice, bob)  # two legs: the switch is full
    assert await ended(alice, alice.dial("9000")) is R.CONGESTION
    await alice.close(); await bob.close()


async def test_congestion_service(consoles):
    alice = await consoles("alice")
    assert await ended(alice, alice.dial("9007")) is R.CONGESTION


async def test_busy_service_and_a_user_at_its_call_limit(make_switch):
    switch = await make_switch()
    users = tuple(dataclasses.replace(u, max_calls=1) if u.username == "bob" else u for u in switch.config.users)
    switch2 = await make_switch(users=users)
    alice, bob, carol = Console(switch2.url), Console(switch2.url), Console(switch2.url)
    await alice.login("alice", "alice"); await bob.login("bob", "bob"); await carol.login("operator", "operator")
    assert await ended(alice, alice.dial("9004")) is R.BUSY
    await connect_pair(alice, bob)
    assert await ended(carol, carol.dial("202")) is R.BUSY
    for c in (alice, bob, carol):
        await c.close()


async def test_redirected_when_the_called_user_forwards(make_switch):
    base = await make_switch()
    users = tuple(dataclasses.replace(u, forward="201", forward_after=0.3) if u.username == "bob" else u for u in base.config.users)
    switch = await make_switch(users=users, ring_timeout=5.0)
    op, alice, bob = Console(switch.url), Console(switch.url), Console(switch.url)
    await op.login("operator", "operator"); await alice.login("alice", "alice"); await bob.login("bob", "bob")
    call = op.dial("202")
    offered = await bob.next_incoming()
    assert await ended(bob, offered) is R.REDIRECTED
    forwarded = await alice.next_incoming()
    forwarded.answer()
    await op.call_state(call, S.CONNECTED)
    for c in (op, alice, bob):
        await c.close()


async def test_notresponding_after_the_ring_timeout(consoles):
    alice, bob = await consoles("alice"), await consoles("bob")
    call = alice.dial("202")
    offered = await bob.next_incoming()
    assert await ended(alice, call) is R.NOTRESPONDING
    assert await ended(bob, offered) is R.NOTRESPONDING
    assert await ended(alice, alice.dial("9005")) is R.NOTRESPONDING


async def test_notselected_when_another_console_answers(consoles):
    op = await consoles("operator")
    first, second = await consoles("alice"), await consoles("alice")  # both register 201: parallel ringing
    call = op.dial("201")
    one, two = await first.next_incoming(), await second.next_incoming()
    two.answer()
    await op.call_state(call, S.CONNECTED)
    assert await ended(first, one) is R.NOTSELECTED
    assert two.get_state() is S.CONNECTED


async def test_rejected_when_declined(consoles):
    alice, bob = await consoles("alice"), await consoles("bob")
    call = alice.dial("202")
    offered = await bob.next_incoming()
    offered.decline()
    assert await ended(alice, call) is R.REJECTED
    assert await ended(bob, offered) is R.USERTERMINATED
    assert await ended(alice, alice.dial("9006")) is R.REJECTED


async def test_error_when_the_far_ends_session_expires(consoles):
    alice, bob = await consoles("alice"), await consoles("bob")
    out, inc = await connect_pair(alice, bob)
    await bob.close()  # bob's process ends without logging out; the session lifetime is 1 s
    assert await ended(alice, out) is R.ERROR
