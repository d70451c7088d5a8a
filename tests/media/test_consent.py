"""ICE consent freshness on a busy machine (console/media/consent.py, patched into aioice by patches.apply).

Two real aioice connections on 127.0.0.1; the answering side's consent responses are held back as a busy
process's receive backlog holds them back (found driving 16 practice callers against the switch on a loaded
2-core machine: every call dropped with DISC_REASON.MEDIA 35-45 s after dialling, the switch logging
"ICE/DTLS closed by the peer"). The consent interval is shortened so the test runs in seconds.
"""

from __future__ import annotations

import asyncio

import pytest

from console.media import patches

INTERVAL = 0.3  # s between consent requests in these tests (aioice: 5); expiry is six of them
LATE = 0.8  # s an answer is held back: later than aioice's 0.5 s, well inside the 1.8 s expiry


async def _connected_pair():
    from aioice import Connection

    a = Connection(ice_controlling=True, use_ipv6=False)
    b = Connection(ice_controlling=False, use_ipv6=False)
    await asyncio.gather(a.gather_candidates(), b.gather_candidates())
    for one, other in ((a, b), (b, a)):
        for candidate in other.local_candidates:
            await one.add_remote_candidate(candidate)
        await one.add_remote_candidate(None)
        one.remote_username, one.remote_password = other.local_username, other.local_password
    async with asyncio.timeout(20):
        await asyncio.gather(a.connect(), b.connect())
    return a, b


class _Answers:
    """The answering side's Binding responses: held back ``delay`` s (None: never sent), and counted."""

    def __init__(self, connection) -> None:
        from aioice import stun

        self.delay: float | None = LATE
        self.sent = 0
        self.enough = asyncio.Event()
        self.wanted = 0
        loop = asyncio.get_running_loop()
        for protocol in connection._protocols:
            original = protocol.send_stun

            def send_stun(message, addr, original=original):
                if message.message_class != stun.Class.RESPONSE:
                    return original(message, addr)
                if self.delay is None:
                    return None
                self.sent += 1
                if self.sent >= self.wanted:
                    self.enough.set()
                loop.call_later(self.delay, original, message, addr)

            protocol.send_stun = send_stun

    async def wait_for(self, count: int, closed: asyncio.Task) -> None:
        self.wanted, self.enough = count, asyncio.Event()
        waiter = asyncio.ensure_future(self.enough.wait())
        await asyncio.wait({waiter, closed}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()


async def test_late_consent_answers_keep_the_connection_and_silence_still_expires_it(monkeypatch):
    """RFC 7675 5.1: consent expires when no valid response arrived for 30 s (six intervals); a response
    may answer an earlier request. Answers 0.8 s late (aioice gives up on each after 0.5 s and closes after
    six) keep the connection up; a peer that stops answering still loses it."""
    patches.apply()
    import aioice.ice as ice
    from aioice import ConnectionClosed

    monkeypatch.setattr(ice, "CONSENT_INTERVAL", INTERVAL)
    a, b = await _connected_pair()
    try:
        answers = _Answers(b)
        closed = asyncio.ensure_future(a.get_event())
        # 25 late answers take more than 25 * 0.8 * INTERVAL = 6 s: aioice alone closes within 6 * (1.2 * 0.3 + 0.5)
        await answers.wait_for(25, closed)
        assert not closed.done(), f"consent expired although the peer answered every request {LATE} s late"
        assert answers.sent >= 25

        answers.delay = None  # the peer is gone: consent expires about six intervals later
        async with asyncio.timeout(30):
            event = await closed
        assert isinstance(event, ConnectionClosed)
    finally:
        await asyncio.gather(a.close(), b.close())


def test_consent_clock():
    from console.media.consent import ConsentClock

    clock = ConsentClock(now=100.0, expiry=30.0)
    assert not clock.expired(129.9)
    assert clock.expired(130.0)
    clock.answered(125.0)
    clock.answered(110.0)  # an answer to an older request, arriving out of order, moves nothing back
    assert not clock.expired(154.9)
    assert clock.expired(155.0)
    with pytest.raises(ValueError):
        ConsentClock(0.0, 0.0)


async def test_the_switch_says_its_own_consent_expired_rather_than_that_the_console_closed(
        calls, plane, monkeypatch, caplog):
    """Found in the same drive: the switch's own aioice gave up on consent and the switch logged "ICE/DTLS
    closed by the peer", which sent the search to the wrong process. A console that stops answering consent
    (its process hung) now reads as what it is."""
    import logging

    patches.apply()
    import aioice.ice as ice

    from console.switch.media import ServiceKind

    monkeypatch.setattr(ice, "CONSENT_INTERVAL", INTERVAL)
    caplog.set_level(logging.WARNING, logger="console.switch.rtc_plane")
    failed = asyncio.Event()
    plane.on_failure = lambda leg: failed.set()
    media, _ = await calls("c", hears=ServiceKind.TONE)
    console_ice = media._pc.getTransceivers()[0].sender.transport.transport._connection
    _Answers(console_ice).delay = None  # the console answers the switch's consent requests no more
    async with asyncio.timeout(30):
        await failed.wait()
    reasons = [r.getMessage() for r in caplog.records if "media failed" in r.getMessage()]
    assert reasons == ["leg c media failed: ICE consent expired (the console stopped answering)"]
