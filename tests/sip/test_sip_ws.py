"""The SIP-over-WebSocket transport: its tasks end with its connection (no task outlives its comm)."""

from __future__ import annotations

import asyncio
import uuid

from websockets.asyncio.server import serve

from console.core.sip.agent import UserAgent
from console.core.sip.config import AgentConfig
from sip_ws import SipWebSocket


def tasks_now() -> set[asyncio.Task]:
    return {t for t in asyncio.all_tasks() if not t.done()}


async def test_its_tasks_end_when_the_server_drops_the_connection():
    """A lost connection leaves no timer task ticking until close(): three drops and reconnects leave none."""

    async def drop(ws) -> None:
        await ws.close()

    async with serve(drop, "127.0.0.1", 0, subprotocols=["sip"]) as server:  # type: ignore[list-item]
        port = server.sockets[0].getsockname()[1]
        config = AgentConfig(aor="sip:1000@example.org", username="1000", password="x",
                             instance_id=f"urn:uuid:{uuid.uuid4()}")
        sip = SipWebSocket(UserAgent(config), f"ws://127.0.0.1:{port}")
        baseline = tasks_now()
        for _ in range(3):
            await sip.connect()
            await asyncio.wait_for(sip.closed.wait(), 10)
        try:
            async with asyncio.timeout(10):
                while tasks_now() - baseline:  # tasks post no event: poll, bounded
                    await asyncio.sleep(0.05)
        except TimeoutError:
            raise AssertionError(f"tasks left: {sorted(t.get_name() for t in tasks_now() - baseline)}") from None
        await sip.close()
