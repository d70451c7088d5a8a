"""A browser client written from docs/PROTOCOL.md alone, against the real switch, in headless Chromium.

The page (``client.html``) logs in, dials the IVR 9002 with Chromium's own offer, sends digits
with RTCDTMFSender (RFC 4733), holds and retrieves by re-offer, drops its socket, restores the
session on a new one and re-attaches media on a new peer connection, sends a digit again and
hangs up. It reports each step, over a WebSocket to this test, with the IVR's ``dtmf`` events
for its call. That proves the document is enough to write a client (JSON SDP, no trickle ICE,
ice_servers, the codecs answered, hold/restore directions) and that the switch understands a
browser's DTMF.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import tempfile
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlencode

import pytest
from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Response

from console.switch.demo import demo_config
from console.switch.rtc_plane import RtcMediaPlane
from console.switch.server import Switch

PAGE = Path(__file__).with_name("client.html")
CANDIDATES = ("chromium-headless-shell", "chromium", "chromium-browser")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    # loopback only: let WebRTC use 127.0.0.1 and show it instead of an mDNS name
    "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
)
DIGITS = "159#*0"


def browser() -> str | None:
    for name in CANDIDATES:
        path = shutil.which(name) or (f"/usr/bin/{name}" if os.access(f"/usr/bin/{name}", os.X_OK) else None)
        if path:
            return path
    return None


@pytest.fixture
def chromium() -> str:
    path = browser()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have headless Chromium (apt package chromium-headless-shell)")
        pytest.skip("no Chromium binary on this machine (install chromium-headless-shell)")
    return path


@pytest.fixture
async def media_switch():
    switch = await Switch.start(demo_config(), media=RtcMediaPlane(connect_timeout=10.0))
    yield switch
    await switch.aclose()


class PageServer:
    """Serves client.html over HTTP and takes the page's report lines over a WebSocket, on one port."""

    def __init__(self) -> None:
        self.lines: asyncio.Queue[dict] = asyncio.Queue()
        self.url = ""

    def _http(self, connection, request):
        if request.path.startswith("/client.html"):
            body = PAGE.read_bytes()
            headers = Headers([("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
            return Response(HTTPStatus.OK, "OK", headers, body)
        if request.path != "/report":
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        return None

    async def _report(self, ws) -> None:
        async for text in ws:
            await self.lines.put(json.loads(text))

    async def next(self, timeout: float) -> dict:
        async with asyncio.timeout(timeout):
            return await self.lines.get()


async def test_browser_client_from_the_document_dials_the_ivr_and_its_dtmf_is_reported(chromium, media_switch):
    pages = PageServer()
    async with serve(pages._report, "127.0.0.1", 0, process_request=pages._http) as server:
        port = server.sockets[0].getsockname()[1]
        query = urlencode({
            "switch": media_switch.url, "user": "alice", "password": "alice", "number": "9002",
            "digits": DIGITS, "report": f"ws://127.0.0.1:{port}/report",
        })
        with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
            proc = await asyncio.create_subprocess_exec(
                chromium, *FLAGS, f"--user-data-dir={profile}", f"http://127.0.0.1:{port}/client.html?{query}",
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, start_new_session=True,
            )
            steps: dict[str, dict] = {}
            try:
                while "done" not in steps and "failed" not in steps:
                    line = await pages.next(timeout=60)
                    steps[line["kind"]] = line["data"]
            finally:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                await proc.wait()

    assert "failed" not in steps, f"the page failed: {steps['failed']} (steps: {list(steps)})"
    assert steps["login"]["ice_servers"] == []
    assert steps["dialed"]["call"]["state"] == "DIALING" and steps["dialed"]["has_answer"]
    answer = steps["answer"]["sdp"]
    assert "opus/48000" in answer and "telephone-event/48000" in answer
    assert steps["ivr_report"]["digits"] == DIGITS  # every digit once, in order
    assert steps["hold"] == {"state": "HELD", "answer_direction": "inactive"}
    assert steps["retrieve"] == {"state": "CONNECTED", "answer_direction": "sendrecv"}
    assert steps["restored"] == {"calls": 1, "state": "CONNECTED", "ice_servers": []}
    assert steps["ivr_report_after_restore"]["digits"] == "2"
    assert steps["disconnected"]["reason"] == "USERTERMINATED"
