"""Figure "sip": call setup and mouth-to-ear over SIP, beside the bare-aiortc baseline (and the own-protocol figures).

The SIP lab of ``tests/sip`` is started on free loopback ports (rtpengine in
userspace, Kamailio with ``docs/sip/kamailio.cfg``, baresip as 1001 answering
at once and playing a tone); the consoles speak the seed API with
``sip+ws://`` (``console/core/client/sipwire.py``).

* setup console -> console: A (1000) dials B (1002), which answers in its
  incoming-call handler; dial() -> CONNECTED and -> the first audio frame at
  A's sink. Kamailio relays the signalling, rtpengine the media (WebRTC to
  WebRTC: ICE and DTLS-SRTP on both legs).
* setup console -> baresip: the same to 1001, a plain SIP phone on UDP/RTP
  (rtpengine bridges DTLS-SRTP/Opus-or-PCMU to plain RTP/PCMU).
* mouth-to-ear console A -> console B through rtpengine: the chirp bursts and
  cross-correlation of the latency figure (``fig_latency``).

baresip cannot send back what it hears (no loopback in ``baresip-core``) and
keeps no timestamps, so the console -> baresip path has setup figures only.
Skipped, with the reason, where the lab's binaries are missing.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

from console.media.devices import NullDevice
from console.media.tones import ToneGenerator
from console.webrtc import CALL_STATES

from .common import Budget, Figure, Scale, summary
from .driver import BenchConsole, CountingSink
from .fig_latency import BurstDevice, bare, first_bursts_dropped
from .fig_setup import bare_setups

S = CALL_STATES
LAB = Path(__file__).resolve().parents[1] / "tests" / "sip"
PASSWORDS = {"1000": "secret1000", "1001": "secret1001", "1002": "secret1002"}


def missing() -> list[str]:
    return [name for name in ("kamailio", "rtpengine", "baresip") if shutil.which(name) is None]


class Lab:
    """rtpengine, Kamailio and baresip from tests/sip/sipinfra.py, in a temporary folder."""

    async def __aenter__(self) -> Lab:
        if str(LAB) not in sys.path:
            sys.path.insert(0, str(LAB))
        import sipinfra  # noqa: PLC0415 - the tests' own process helpers

        self.tmp = tempfile.TemporaryDirectory(prefix="bench-sip-")
        root = Path(self.tmp.name)
        for name in ("rtpengine", "kamailio", "baresip"):
            (root / name).mkdir()
        self.procs: list = []
        self.rtpengine = sipinfra.Rtpengine(root / "rtpengine")
        await asyncio.to_thread(self._start, self.rtpengine)
        self.kamailio = sipinfra.Kamailio(root / "kamailio", self.rtpengine.ng_port)
        await asyncio.to_thread(self._start, self.kamailio)
        self.baresip = sipinfra.Baresip(root / "baresip", self.kamailio.sip_port)
        await asyncio.to_thread(self._start, self.baresip)
        self.url = f"sip+ws://127.0.0.1:{self.kamailio.ws_port}"
        return self

    def _start(self, part) -> None:
        self.procs.append(part)
        part.start()

    async def __aexit__(self, *exc) -> None:
        for part in reversed(self.procs):
            if part.proc is not None:
                await asyncio.to_thread(part.proc.stop)
        self.tmp.cleanup()


async def sip_console(lab: Lab, user: str, device=None) -> BenchConsole:
    console = BenchConsole(lab.url, device=device or NullDevice(mic=ToneGenerator(440, -20).frame),
                           request_timeout=15.0)
    await console.login(user, PASSWORDS[user], timeout=15.0)
    return console


async def answering(console: BenchConsole) -> None:
    """Answer every incoming call at once (as baresip's answermode=auto does)."""
    while True:
        call = await console.incoming.get()
        call.set_audio_element(CountingSink())
        call.answer()


async def setups(a: BenchConsole, number: str, repeats: int, budget: Budget) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"connected": [], "first_frame": []}
    for attempt in range(repeats + 1):  # the first call warms up: not counted
        if attempt > 1 and budget.expired():
            break
        sink = CountingSink()
        start = time.perf_counter()
        call = a.dial(number, sink)
        connected = await a.state(call, S.CONNECTED, 15.0)
        first = await sink.first()
        if attempt > 0:
            times["connected"].append(1000 * (connected - start))
            times["first_frame"].append(1000 * (first - start))
        await a.hang_up(call, 15.0)
    return times


async def relay_latency(lab: Lab, seconds: float) -> list[float]:
    talker, listener = BurstDevice(), BurstDevice()
    a = await sip_console(lab, "1000", talker)
    b = await sip_console(lab, "1002", listener)
    try:
        call = a.dial("1002", CountingSink())
        incoming = await b.next_incoming(15.0)
        incoming.set_audio_element(CountingSink())
        incoming.answer()
        await a.state(call, S.CONNECTED, 15.0)
        await b.state(incoming, S.CONNECTED, 15.0)
        start = len(talker.bursts.sent)
        await asyncio.sleep(seconds)  # the measurement window
        sent = talker.bursts.sent[start:]
        await a.hang_up(call, 15.0)
    finally:
        await a.close()
        await b.close()
    return first_bursts_dropped(listener.ear.delays(sent[:-1]))


async def run(scale: Scale) -> Figure:
    figure = Figure("sip", "SIP over WebSocket (Kamailio + rtpengine; baresip as a SIP phone)")
    absent = missing()
    if absent:
        figure.skipped = f"{', '.join(absent)} not installed (Debian: kamailio kamailio-websocket-modules " \
                         "kamailio-extra-modules rtpengine-daemon baresip-core)"
        return figure
    repeats = scale.pick(3, 10)
    seconds = scale.pick(1.6, 4.2)
    async with Lab() as lab:
        a = await sip_console(lab, "1000")
        b = await sip_console(lab, "1002")
        answer = asyncio.get_running_loop().create_task(answering(b))
        try:
            to_console = await setups(a, "1002", repeats, Budget(scale.pick(10, 25)))
            to_baresip = await setups(a, "1001", repeats, Budget(scale.pick(10, 25)))
        finally:
            answer.cancel()
            await asyncio.gather(answer, return_exceptions=True)
            await a.close()
            await b.close()
        latency = await relay_latency(lab, seconds)
    bare_setup = await bare_setups(repeats, Budget(scale.pick(5, 15)))
    bare_two = await bare(seconds, echo=True)
    connected, first = summary(bare_setup["connected"], 1), summary(bare_setup["first_frame"], 1)
    figure.add("sip_console_to_console_connected", "SIP console -> Kamailio -> console: dial() -> CONNECTED", "ms",
               summary(to_console["connected"], 1), connected, "bare pair: offer -> connected",
               note="INVITE through Kamailio, the far console's answer (its media answers the offer), 200, ACK")
    figure.add("sip_console_to_console_first_frame", "SIP console -> console: dial() -> first audio frame", "ms",
               summary(to_console["first_frame"], 1), first, "bare pair: offer -> first decoded frame")
    figure.add("sip_console_to_baresip_connected", "SIP console -> baresip (rtpengine): dial() -> CONNECTED", "ms",
               summary(to_baresip["connected"], 1), connected, "bare pair: offer -> connected")
    figure.add("sip_console_to_baresip_first_frame", "SIP console -> baresip: dial() -> first audio frame", "ms",
               summary(to_baresip["first_frame"], 1), first, "bare pair: offer -> first decoded frame")
    figure.add("sip_relay_a_to_b", "SIP console A -> rtpengine -> console B, mouth-to-ear (2 hops)", "ms",
               summary(latency, 1), summary(bare_two, 1), "bare pair, 2 hops")
    figure.details = {"console_to_console_ms": to_console, "console_to_baresip_ms": to_baresip,
                      "relay_ms": latency, "bare_setup_ms": bare_setup, "bare_two_hops_ms": bare_two}
    figure.notes.append("Compare with the setup and latency figures (our own protocol through the embedded "
                        "switch) in the same run; baresip has setup figures only (it cannot send back what it hears).")
    return figure
