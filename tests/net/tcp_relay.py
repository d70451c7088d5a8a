"""``python -m tests.net.tcp_relay LISTEN_HOST LISTEN_PORT TO_HOST TO_PORT [WAIT_HOST:WAIT_PORT]``: a TCP byte
relay (the WebSocket's own path between namespaces that have no route to each other; netlab.py). Prints
``{"event": "ready"}`` once it listens and WAIT_HOST:WAIT_PORT (coturn's TCP port) accepts a connection."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Callable


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
               delay: Callable[[], float] = lambda: 0.0) -> None:
    """Bytes from ``reader`` to ``writer``, each chunk ``delay()`` seconds late (in order) when it is set."""
    try:
        while data := await reader.read(65536):
            if wait := delay():
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def wait_for(address: str, timeout: float = 20.0) -> None:
    host, port = address.rsplit(":", 1)
    async with asyncio.timeout(timeout):
        while True:
            try:
                _, writer = await asyncio.open_connection(host, int(port))
            except OSError:
                await asyncio.sleep(0.05)  # coturn is still starting: it says so no other way
                continue
            writer.close()
            return


async def main(listen_host: str, listen_port: int, to_host: str, to_port: int, wait: str | None) -> None:
    if wait:
        await wait_for(wait)
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            far_reader, far_writer = await asyncio.open_connection(to_host, to_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, far_writer), pipe(far_reader, writer))

    server = await asyncio.start_server(serve, listen_host, listen_port)
    print(json.dumps({"event": "ready"}), flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    host, port, to_host, to_port = sys.argv[1:5]
    asyncio.run(main(host, int(port), to_host, int(to_port), sys.argv[5] if len(sys.argv) > 5 else None))
