"""The link to the switch: its errors, its tasks and its outbox, through the public API against the real switch.

Errors are values, one per recipient; every task has an owner and ends with what it serves;
a frame is never dropped without the application hearing of it.
"""

from __future__ import annotations

from console.webrtc import CALL_STATES, LOGIN_STATES
from console_harness import Console

S, L = CALL_STATES, LOGIN_STATES


async def test_two_holds_pending_when_the_link_drops_each_fail_once(switch):
    """One error per pending request: never "hold failed: hold failed: ..." (one shared exception rewritten)."""
    op = Console(switch.url, {"auto_hold": False})
    await op.login("operator", "operator")
    a, b = op.dial("9001"), op.dial("9002")
    await op.call_state(a, S.CONNECTED)
    await op.call_state(b, S.CONNECTED)
    a.hold()
    b.hold()  # both frames queued; the switch drops the socket before it reads them
    await switch.drop_connections()
    await op.login_state(L.CONNECTION_LOST)
    await op.until(lambda: len(op.errors) >= 2, "both holds to fail")
    assert len(op.errors) == 2, op.errors
    for message in op.errors:
        assert message.startswith("hold failed: connection closed"), message
        assert message.count("failed:") == 1, message
    await op.close()
