"""The far end closing a call's media is the end of that call, not a media failure (issue 19 item 9: "a
spurious 'media failed' warning after every transfer").

After a transfer the switch ends the console's leg: it sends the call event and closes the leg's media. The
DTLS close can reach the console before the call event; the console then closes the media itself (the call
has ended). Only a close the signalling does not follow within a grace period is a failure.
"""

from __future__ import annotations

import logging

from console.switch.media import ServiceKind

from .conftest import wait_until


async def test_the_far_end_closing_the_media_then_the_call_ending_is_no_failure(calls, plane, caplog):
    failures: list[str] = []
    media, _ = await calls("a", hears=ServiceKind.TONE, on_failure=lambda: failures.append("failed"))
    caplog.set_level(logging.INFO, logger="console.media")
    await plane.close("a")  # the switch ends the leg (a transfer) and closes its media
    await wait_until(lambda: media.connection_state in ("closed", "failed"))
    await media.close()  # the call event arrived: the console closes the call's media
    assert failures == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "media failed" in r.getMessage()]


async def test_the_far_end_closing_the_media_of_a_live_call_still_fails_it(calls, plane):
    failures: list[str] = []
    media, _ = await calls("b", hears=ServiceKind.TONE, on_failure=lambda: failures.append("failed"))
    await plane.close("b")
    await wait_until(lambda: failures == ["failed"], timeout=10.0)
