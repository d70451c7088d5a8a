"""A console in its own process for the freeze test: ``python peer_proc.py URL USER NUMBER``.

Logs in (raw protocol, real CallMedia), dials NUMBER with an offer, prints
``connected <call id>`` once media is connected, then keeps talking until killed.
The test freezes it with SIGSTOP: its event loop, its media and its socket
stop at once, as a hung console's would.
"""

from __future__ import annotations

import asyncio
import json
import sys

from websockets.asyncio.client import connect

from console.media.call_media import CallMedia
from console.media.devices import NullDevice
from console.media.hub import DeviceHub


async def main(url: str, user: str, number: str) -> None:
    hub = DeviceHub(NullDevice())
    media = CallMedia(hub, connect_timeout=10.0)
    async with connect(url, ping_interval=None) as ws:
        await ws.send(json.dumps({"v": 1, "type": "login", "id": 1, "auth": "password", "username": user, "password": user}))
        json.loads(await ws.recv())
        await ws.send(json.dumps({"v": 1, "type": "dial", "id": 2, "number": number, "sdp": await media.create_offer()}))
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") == "result" and frame.get("id") == 2:
                break
        await media.accept_answer(frame["sdp"])
        await media.wait_connected(10.0)
        print("connected", frame["call"]["call"], flush=True)
        async for _ in ws:
            pass


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
