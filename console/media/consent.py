"""ICE consent freshness as RFC 7675 says it, for aioice 0.13.0 (installed by :func:`console.media.patches.apply`).

aioice's ``Connection.query_consent`` sends a Binding request every 4-6 s, transmits it once, and gives it
0.5 s (``stun.RETRY_RTO``) for its answer; six requests in a row without an answer in time close the
connection, and the call ends with DISC_REASON.MEDIA. A busy process answers every request but late: asyncio
reads one datagram per socket per turn of the event loop, so while turns take longer than the 20 ms between
RTP packets, packets queue in the socket's receive buffer and a consent response waits behind up to a second
of audio. aioice then drops the response as an unknown transaction, and about 30 s later the connection
closes although both ends were there all along (seen with 16 practice callers and the switch on a loaded
2-core machine: both processes' consent expired 35-45 s after dialling; aiortc/aioice issue #58).

RFC 7675 section 5.1: consent expires when no valid response has arrived from the peer for 30 s; a request is
transmitted once and a response may answer an earlier request. So here each request waits for its answer
until consent would expire, any authenticated answer refreshes consent, and the connection closes when the
last answer is :data:`CONSENT_EXPIRY` s old (aioice's own interval times its failure count: 30 s).
"""

from __future__ import annotations

import asyncio
import inspect
import random
from typing import Any, Callable

CONSENT_EXPIRY_REQUESTS = 6  # aioice.ice.CONSENT_FAILURES: expiry = this many intervals (RFC 7675: 30 s)


class ConsentClock:
    """Sans-I/O: when the peer last confirmed consent, and whether consent has expired. Time is an argument."""

    def __init__(self, now: float, expiry: float) -> None:
        if expiry <= 0:
            raise ValueError(f"consent expiry must be > 0, not {expiry!r}")
        self.expiry = expiry
        self._last = now  # the connectivity check that nominated the pair was the first answer

    def answered(self, now: float) -> None:
        """An authenticated Binding response arrived (to any consent request still outstanding)."""
        self._last = max(self._last, now)

    def expired(self, now: float) -> bool:
        return now - self._last >= self.expiry


class _Outstanding:
    """Stands in a StunProtocol's ``transactions`` for one consent request until consent would expire:
    its authenticated success response, however late, refreshes consent (an error response does not)."""

    def __init__(self, key: bytes, clock: ConsentClock) -> None:
        self._key = key
        self._clock = clock

    def response_received(self, message: Any, addr: tuple[str, int]) -> None:
        from aioice import stun

        if message.message_class == stun.Class.RESPONSE and message.check_message_integrity(self._key):
            self._clock.answered(asyncio.get_running_loop().time())


async def query_consent(self: Any) -> None:
    """Replaces ``aioice.ice.Connection.query_consent`` (see the module docstring); ``self`` is the Connection."""
    import aioice.ice as ice

    assert self.remote_password is not None  # as aioice: consent checks start once connect() has it
    key = self.remote_password.encode("utf8")
    loop = asyncio.get_running_loop()
    clock = ConsentClock(loop.time(), ice.CONSENT_INTERVAL * CONSENT_EXPIRY_REQUESTS)
    outstanding: list[tuple[Any, bytes, float]] = []  # (protocol, transaction id, sent at)
    try:
        while True:
            await asyncio.sleep(ice.CONSENT_INTERVAL * (0.8 + 0.4 * random.random()))  # aioice's cadence
            now = loop.time()
            for protocol, transaction_id, sent in [o for o in outstanding if now - o[2] >= clock.expiry]:
                protocol.transactions.pop(transaction_id, None)
                outstanding.remove((protocol, transaction_id, sent))
            if clock.expired(now):
                ice.logger.info("%s Consent to send expired (no answer for %.0f s)", self, clock.expiry)
                self._query_consent_task = None  # close() must not cancel the task that calls it
                await self.close()
                return
            for pair in list(self._nominated.values()):
                request = self.build_request(pair, nominate=False)
                request.add_message_integrity(key)
                pair.protocol.transactions[request.transaction_id] = _Outstanding(key, clock)
                outstanding.append((pair.protocol, request.transaction_id, now))
                pair.protocol.send_stun(request, pair.remote_addr)
    finally:
        for protocol, transaction_id, _ in outstanding:
            protocol.transactions.pop(transaction_id, None)


def install(require: Callable[[bool, str], None]) -> None:
    """Put :func:`query_consent` in place of aioice's; ``require`` (patches._require) fails loudly when the
    internals it relies on have moved."""
    import aioice.ice as ice

    original = getattr(ice.Connection, "query_consent", None)
    require(callable(original), "aioice.ice.Connection.query_consent is gone")
    if original is query_consent:
        return
    source = inspect.getsource(original)
    require("retransmissions=0" in source and "CONSENT_FAILURES" in source,
            "aioice.ice.Connection.query_consent no longer sends single requests counted by CONSENT_FAILURES")
    require("self.query_consent()" in inspect.getsource(ice.Connection.connect),
            "aioice.ice.Connection.connect no longer starts query_consent")
    require("transaction.response_received(" in inspect.getsource(ice.StunProtocol.datagram_received)
            and "build_request" in dir(ice.Connection) and hasattr(ice, "CONSENT_INTERVAL"),
            "aioice.ice.StunProtocol no longer hands responses to its transactions by id")
    query_consent.__wrapped__ = original  # type: ignore[attr-defined]
    ice.Connection.query_consent = query_consent
