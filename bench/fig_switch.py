"""Figure 6, the switch's capacity: consoles logged in at once, logins per second, relayed calls, memory.

The switch runs in its own process (bench/switch_proc.py); its memory is
its RSS from /proc, its CPU from /proc/PID/stat.

* Logins: raw websockets clients speaking the protocol (no console code)
  log in with JSON Web Tokens, each registering its own number, 50 at a time,
  in batches; every connection stays open, so at the end N consoles are
  logged in at once. Memory per console = RSS growth / N. Password logins
  (scrypt, N=16384, in a worker thread) are timed separately on a smaller
  sample: they cost what scrypt costs.
  Baseline: a bare websockets server (bench/bare_proc.py) that answers every
  frame with a small JSON result: the same connections and one request each.
* Relayed calls: pairs of consoles (real WebRtcInstance, virtual devices
  sending a tone) call each other through the switch, which relays the audio
  leg to leg. Ramp 1, 2, 4, 8, ... calls until a sink gets fewer than 48
  frames/s or a call drops. Memory per call = RSS growth while the calls of a
  step are set up (the consoles logged in before), over the calls.
  Baseline: the same ramp with bare peer connections here and a bare relay
  in another process (each leg sends the other's decoded frames as they come).
  The consoles (or bare peers) run in this process and share the machine's
  cores with the switch: the figure is the whole loopback system's.
* Relayed calls between light peers: the same ramp with peers that send Opus
  encoded once and count packets without decoding them (bench/encoded.py),
  driven by raw protocol clients, so the load generators cost a fraction of
  a console and the ramp ends where the relay does. Baseline: the bare
  decoding relay between the same light peers.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from console.media.devices import NullDevice
from console.media.tones import ToneGenerator
from console.webrtc import CALL_STATES

from .bare import BareFarEnds, BarePeer, PacedTrack
from .common import (
    Budget,
    CpuWindow,
    Figure,
    Scale,
    passes,
    settle,
    summary,
    wait_until,
    window_figures,
)
from .driver import BenchConsole, CountingSink, demo_token
from .switch_proc import SwitchProcess, raise_fd_limit

S = CALL_STATES
CONCURRENCY = 50
PASSWORD_USERS = ("operator", "alice", "bob", "carol")


# --- logins ---------------------------------------------------------------------------------


async def open_logged_in(url: str, body: dict[str, Any]) -> Any:
    from websockets.asyncio.client import connect

    ws = await connect(url, ping_interval=None, max_size=2**20, open_timeout=30)
    await ws.send(json.dumps({"v": 1, "type": "login", "id": 1, **body}))
    async with asyncio.timeout(30):
        reply = json.loads(await ws.recv())
    if reply.get("type") != "result":
        await ws.close()
        raise RuntimeError(f"login refused: {reply}")
    return ws


async def login_batches(url: str, bodies: list[dict[str, Any]], batch: int, budget: Budget) -> tuple[list[Any], list[float]]:
    """Log in every body (50 at a time); returns the open sockets and each batch's logins per second."""
    sockets: list[Any] = []
    rates: list[float] = []
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(body: dict[str, Any]) -> Any:
        async with gate:
            return await open_logged_in(url, body)

    for start in range(0, len(bodies), batch):
        if start and budget.expired():  # one batch at least, however slow the machine
            break
        began = time.perf_counter()
        results = await asyncio.gather(*(one(b) for b in bodies[start : start + batch]), return_exceptions=True)
        took = time.perf_counter() - began
        opened = [r for r in results if not isinstance(r, BaseException)]
        sockets.extend(opened)
        rates.append(len(opened) / took)
        if len(opened) < len(results):
            errors = [r for r in results if isinstance(r, BaseException)]
            raise RuntimeError(f"{len(errors)} logins failed, e.g. {errors[0]!r}")
    return sockets, rates


async def close_all(sockets: list[Any]) -> None:
    for start in range(0, len(sockets), 200):
        await asyncio.gather(*(ws.close() for ws in sockets[start : start + 200]), return_exceptions=True)


async def switch_logins(count: int, passwords: int, budget: Budget) -> dict[str, Any]:
    bodies = [{"auth": "token", "token": demo_token(str(700000 + i))} for i in range(count)]
    async with SwitchProcess(media=False) as switch:
        warm, _ = await login_batches(switch.url, [{"auth": "token", "token": demo_token("699999")}], 1, budget)
        rss0 = switch.rss_kib()
        sockets, rates = await login_batches(switch.url, bodies, max(1, count // 10), budget)
        stats = await switch.stats()
        rss1 = switch.rss_kib()
        password_bodies = [{"auth": "password", "username": u, "password": u}
                           for u in (PASSWORD_USERS * passwords)[:passwords]]
        began = time.perf_counter()
        extra, _ = await login_batches(switch.url, password_bodies, len(password_bodies), budget)
        password_rate = len(extra) / (time.perf_counter() - began)
        await close_all(sockets + extra + warm)
    return {
        "logged_in": len(sockets), "sessions_reported": stats["sessions"] - 1, "rates": rates,
        "kib_per_console": (rss1 - rss0) / max(1, len(sockets)), "rss_kib": [rss0, rss1],
        "password_logins_per_s": password_rate, "password_logins": len(extra),
    }


async def bare_logins(count: int, budget: Budget) -> dict[str, Any]:
    async with BareFarEnds() as far:
        url = await far.websocket_server()
        warm, _ = await login_batches(url, [{"auth": "token", "token": "x"}], 1, budget)
        rss0 = far.rss_kib()
        sockets, rates = await login_batches(url, [{"auth": "token", "token": "x"} for _ in range(count)],
                                             max(1, count // 10), budget)
        stats = await far.stats()
        rss1 = far.rss_kib()
        await close_all(sockets + warm)
    return {"logged_in": len(sockets), "connections_reported": stats["ws_connections"] - 1, "rates": rates,
            "kib_per_console": (rss1 - rss0) / max(1, len(sockets)), "rss_kib": [rss0, rss1]}


async def scrypt_rate(count: int) -> float:
    """Password checks per second with nothing around them: the floor under password logins."""
    from console.switch.config import hash_password, verify_password

    stored = hash_password("operator")
    began = time.perf_counter()
    await asyncio.gather(*(asyncio.to_thread(verify_password, "operator", stored) for _ in range(count)))
    return count / (time.perf_counter() - began)


# --- relayed calls -------------------------------------------------------------------------------


class ConsolePairs:
    name = "console"

    def __init__(self) -> None:
        self.switch = SwitchProcess(max_media=1000, max_calls=2000)
        self.pairs: list[tuple[Any, ...]] = []
        self.consoles: list[BenchConsole] = []

    async def start(self) -> None:
        await self.switch.start()

    @property
    def pid(self) -> int:
        return self.switch.pid

    async def login(self, count: int) -> None:
        """Log in the consoles of the next ``count`` calls."""
        for _ in range(count):
            index = len(self.consoles) // 2
            for side, hz in (("61", 440), ("62", 660)):
                console = BenchConsole(self.switch.url, device=NullDevice(mic=ToneGenerator(hz, -20).frame))
                self.consoles.append(console)
                await console.login_token(demo_token(f"{side}{index:04d}"))

    async def connect(self) -> None:
        """Connect every logged-in pair that has no call yet."""
        while len(self.pairs) * 2 < len(self.consoles):
            a, b = self.consoles[2 * len(self.pairs) : 2 * len(self.pairs) + 2]
            a_sink, b_sink = CountingSink(), CountingSink()
            call = a.dial(b.inst.get_local_dial_string(), a_sink)
            incoming = await b.next_incoming(timeout=30)
            incoming.set_audio_element(b_sink)
            incoming.answer()
            await a.state(call, S.CONNECTED, timeout=30)
            await b.state(incoming, S.CONNECTED, timeout=30)
            await a_sink.first(timeout=30)
            await b_sink.first(timeout=30)
            self.pairs.append((call, incoming, a_sink, b_sink))

    def meters(self) -> list[Any]:
        return [sink for pair in self.pairs for sink in pair[2:]]

    def alive(self) -> bool:
        return all(c.get_state() is S.CONNECTED for pair in self.pairs for c in pair[:2])

    def rss_kib(self) -> int:
        return self.switch.rss_kib()

    async def close(self) -> None:
        try:
            for console in self.consoles:
                await console.close()
        finally:
            await self.switch.stop()


def peers_of(pairs: list[tuple[Any, Any]]) -> list[Any]:
    """The peers of ``(a, b)`` pairs of peer connections (bare or light peers), as the ramp meters them."""
    return [peer for pair in pairs for peer in pair]


def all_connected(pairs: list[tuple[Any, Any]]) -> bool:
    return all(peer.pc.connectionState == "connected" for peer in peers_of(pairs))


async def close_peers(pairs: list[tuple[Any, Any]]) -> None:
    for peer in peers_of(pairs):
        await peer.close()


class BarePairs:
    name = "bare"

    def __init__(self) -> None:
        self.far = BareFarEnds()
        self.pairs: list[tuple[BarePeer, BarePeer]] = []

    async def start(self) -> None:
        await self.far.start()

    @property
    def pid(self) -> int:
        return self.far.pid

    async def login(self, count: int) -> None:
        self._wanted = len(self.pairs) + count

    async def connect(self) -> None:
        while len(self.pairs) < self._wanted:
            index = len(self.pairs)
            a = BarePeer(track=PacedTrack(ToneGenerator(440, -20).frame))
            b = BarePeer(track=PacedTrack(ToneGenerator(660, -20).frame))
            await self.far.call(a, f"a{index}", mode="relay", relay_to=f"b{index}")
            await self.far.call(b, f"b{index}", mode="relay", relay_to=f"a{index}")
            async with asyncio.timeout(30):
                await a.connected.wait()
                await b.connected.wait()
            await wait_until(lambda a=a, b=b: a.frames > 0 and b.frames > 0, timeout=30)
            self.pairs.append((a, b))

    def meters(self) -> list[Any]:
        return peers_of(self.pairs)

    def alive(self) -> bool:
        return all_connected(self.pairs)

    def rss_kib(self) -> int:
        return self.far.rss_kib()

    async def close(self) -> None:
        try:
            await close_peers(self.pairs)
        finally:
            await self.far.stop()


class EncodedSwitchPairs:
    """Relayed calls through the switch between light peers (bench/encoded.py): no codec on either end."""

    name = "switch, light peers"

    def __init__(self) -> None:
        self.switch = SwitchProcess(max_media=1000, max_calls=2000)
        self.consoles: list[Any] = []
        self.pairs: list[tuple[Any, Any]] = []
        self._payloads: list[bytes] = []

    async def start(self) -> None:
        from .encoded import encoded_tone

        self._payloads = encoded_tone(440)
        await self.switch.start()

    @property
    def pid(self) -> int:
        return self.switch.pid

    async def login(self, count: int) -> None:
        from .encoded import RawConsole

        for _ in range(count):
            index = len(self.consoles) // 2
            for side in ("71", "72"):
                console = RawConsole()
                self.consoles.append(console)
                await console.login(self.switch.url, demo_token(f"{side}{index:04d}"))

    async def connect(self) -> None:
        from .encoded import EncodedPeer, wait_flowing

        while len(self.pairs) * 2 < len(self.consoles):
            a, b = self.consoles[2 * len(self.pairs) : 2 * len(self.pairs) + 2]
            a_peer, b_peer = EncodedPeer(self._payloads), EncodedPeer(self._payloads)
            self.pairs.append((a_peer, b_peer))  # closed with the others even if the call fails
            dialled = await a.request("dial", number=b.number, sdp=await a_peer.offer())
            await a_peer.accept(dialled["sdp"])
            call = await b.next_incoming()
            answered = await b.request("answer", call=call, sdp=await b_peer.offer())
            await b_peer.accept(answered["sdp"])
            await b.until_state(call, "CONNECTED")
            await wait_flowing([a_peer, b_peer])

    def meters(self) -> list[Any]:
        return peers_of(self.pairs)

    def alive(self) -> bool:
        return all_connected(self.pairs)

    def rss_kib(self) -> int:
        return self.switch.rss_kib()

    async def close(self) -> None:
        try:
            await close_peers(self.pairs)
            for console in self.consoles:
                await console.close()
        finally:
            await self.switch.stop()


class EncodedBarePairs(BarePairs):
    """The bare decoding relay (bench/bare_proc.py) between the same light peers."""

    name = "bare relay, light peers"

    async def start(self) -> None:
        from .encoded import encoded_tone

        self._payloads = encoded_tone(440)
        await super().start()

    async def connect(self) -> None:
        from .encoded import EncodedPeer, wait_flowing

        while len(self.pairs) < self._wanted:
            index = len(self.pairs)
            a, b = EncodedPeer(self._payloads), EncodedPeer(self._payloads)
            self.pairs.append((a, b))
            await self.far.call(a, f"a{index}", mode="relay", relay_to=f"b{index}")
            await self.far.call(b, f"b{index}", mode="relay", relay_to=f"a{index}")
            await wait_flowing([a, b])


async def relay_ramp(pairs: Any, steps: tuple[int, ...], window: float, budget: Budget) -> dict[str, Any]:
    results: dict[int, dict[str, Any]] = {}
    call_kib: list[float] = []
    passed: int | None = None
    stop = "every step passed"
    limited = False
    await pairs.start()
    try:
        for target in steps:
            if budget.expired(reserve=window + 2):
                stop = f"time budget reached before {target} calls"
                limited = True
                break
            try:
                await pairs.login(target - len(pairs.pairs))
                before = pairs.rss_kib()
                added = target - len(pairs.pairs)
                await pairs.connect()
            except (TimeoutError, RuntimeError) as error:
                stop = f"could not set up call {len(pairs.pairs) + 1}: {error}"
                break
            await settle(1.0)
            if target > steps[0]:  # the first call also pays for one-time allocations (codecs, threads)
                call_kib.append((pairs.rss_kib() - before) / max(1, added))
            meters = pairs.meters()
            before = [m.snapshot() for m in meters]
            with CpuWindow([pairs.pid]) as cpu:
                await asyncio.sleep(window)
            sinks = [window_figures(then, m.snapshot(), cpu.wall) for m, then in zip(meters, before)]
            worst = min(sinks, key=lambda f: (f["delivered"], f["fps"]))
            results[target] = {"worst_fps": worst["fps"], "worst_delivered": worst["delivered"],
                               "median_fps": sorted(f["fps"] for f in sinks)[len(sinks) // 2],
                               "cpu_here": cpu.own, "cpu_switch": cpu.others[pairs.pid],
                               "switch_cpu_per_call": cpu.others[pairs.pid] / target, "rss_kib": pairs.rss_kib()}
            if not all(passes(f) for f in sinks) or not pairs.alive():
                stop = (f"at {target} calls a sink got {worst['fps']:.1f} frames/s, {100 * worst['delivered']:.1f} % "
                        "of those sent") + ("" if pairs.alive() else "; a call dropped")
                break
            passed = target
    finally:
        await pairs.close()
    if passed == steps[-1]:
        limited = True  # every step passed: the limit is above the ramp
    return {"steps": results, "passed": passed, "stop": stop, "kib_per_call": call_kib, "lower_bound": limited}


async def run(scale: Scale) -> Figure:
    raise_fd_limit()
    count, passwords = scale.pick((20, 4), (1000, 24))
    steps = scale.pick((1, 2), (1, 2, 4, 6, 8, 10, 12, 16, 24), (1, 2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 32, 40, 48))
    window = scale.pick(1.0, 2.5)
    figure = Figure("switch", "Switch capacity (switch in its own process)")
    ours = await switch_logins(count, passwords, Budget(scale.pick(20, 45)))
    bare = await bare_logins(count, Budget(scale.pick(20, 30)))
    figure.add("consoles_logged_in", "consoles logged in at once", "consoles", summary([ours["logged_in"]], 0),
               summary([bare["logged_in"]], 0), "bare websockets server: connections open at once", better="higher",
               note=f"target {count}; the switch reported {ours['sessions_reported']} sessions")
    figure.add("logins_per_s", "token (JWT) logins per second, 50 in flight", "logins/s", summary(ours["rates"], 0),
               summary(bare["rates"], 0), "bare websockets server: connect + 1 request/s", better="higher",
               note="median/min/max over 10 batches")
    scrypt = await scrypt_rate(passwords)
    figure.add("password_logins_per_s", "password (scrypt) logins per second", "logins/s",
               summary([ours["password_logins_per_s"]], 1), summary([scrypt], 1),
               "scrypt alone (same parameters, same concurrency, worker threads)", better="higher",
               note=f"{ours['password_logins']} logins at once; each checks an scrypt hash (N=16384, r=8)")
    figure.add("kib_per_console", "switch memory per logged-in console", "KiB", summary([ours["kib_per_console"]], 1),
               summary([bare["kib_per_console"]], 1), "bare websockets server, per connection")

    relay = await relay_ramp(ConsolePairs(), steps, window, Budget(scale.pick(25, 40, 400)))
    bare_relay = await relay_ramp(BarePairs(), steps, window, Budget(scale.pick(20, 30, 400)))
    figure.add("relayed_calls", "relayed audio calls at once, every sink >= 48 of 50 frames/s", "calls",
               summary([relay["passed"]] if relay["passed"] else [], 0),
               summary([bare_relay["passed"]] if bare_relay["passed"] else [], 0),
               "bare relay process, bare peers here", better="higher",
               note=f"switch: {relay['stop']}; bare: {bare_relay['stop']}",
               value_bound=relay["lower_bound"], baseline_bound=bare_relay["lower_bound"])
    figure.add("kib_per_call", "switch memory per relayed call (2 media legs)", "KiB", summary(relay["kib_per_call"], 0),
               summary(bare_relay["kib_per_call"], 0), "bare relay process, per call (2 peer connections)",
               note="median/min/max over the ramp's steps after the first")
    per_call = [step["switch_cpu_per_call"] for step in relay["steps"].values()]
    bare_per_call = [step["switch_cpu_per_call"] for step in bare_relay["steps"].values()]
    figure.add("switch_cpu_per_call", "switch CPU per relayed call", "% core", summary(per_call, 1),
               summary(bare_per_call, 1), "bare relay process, per call", note="median/min/max over the ramp's steps")
    ours_med = sorted(per_call)[len(per_call) // 2] if per_call else 0
    bare_med = sorted(bare_per_call)[len(bare_per_call) // 2] if bare_per_call else 0
    if ours_med > 0 and bare_med > 0:
        figure.add("relayed_calls_per_core", "relayed calls one core of the switch carries (estimate)", "calls",
                   summary([100.0 / ours_med], 0), summary([100.0 / bare_med], 0),
                   "bare decoding relay process: 100 % / its CPU per call", better="higher",
                   note="100 % of a core / the median switch CPU per relayed call; an estimate, not a ramp: "
                        "the ramp above is bounded by the consoles sharing the 2 cores")
    light_steps = scale.pick((1, 2), (1, 8, 16, 24, 32, 40, 48, 56, 64, 72),
                             (1, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 96, 112, 128))
    light_bare_steps = scale.pick((1, 2), (1, 4, 6, 8, 10, 12, 16, 20), (1, 4, 6, 8, 10, 12, 14, 16, 20, 24, 32))
    light = await relay_ramp(EncodedSwitchPairs(), light_steps, window, Budget(scale.pick(20, 75, 400)))
    light_bare = await relay_ramp(EncodedBarePairs(), light_bare_steps, window, Budget(scale.pick(20, 45, 400)))
    figure.add("relayed_calls_light", "relayed audio calls at once, light peers (no codec at the ends)", "calls",
               summary([light["passed"]] if light["passed"] else [], 0),
               summary([light_bare["passed"]] if light_bare["passed"] else [], 0),
               "bare decoding relay process, the same light peers", better="higher",
               note=f"switch: {light['stop']}; bare: {light_bare['stop']}. The peers send Opus encoded once and count "
                    "packets without decoding (bench/encoded.py), so the ramp ends at the relay, not at the load",
               value_bound=light["lower_bound"], baseline_bound=light_bare["lower_bound"])
    light_cpu = [step["switch_cpu_per_call"] for step in light["steps"].values()]
    light_bare_cpu = [step["switch_cpu_per_call"] for step in light_bare["steps"].values()]
    figure.add("switch_cpu_per_call_light", "switch CPU per relayed call, light peers", "% core", summary(light_cpu, 1),
               summary(light_bare_cpu, 1), "bare decoding relay process, per call",
               note="median/min/max over the ramp's steps")
    figure.notes.append("Relayed calls: the consoles (or bare peers) of every call run in this process and share the "
                        "machine's cores with the switch; the ramp stops where the whole loopback system drops frames.")
    figure.details = {"logins": ours, "bare_logins": bare, "relay": relay, "bare_relay": bare_relay,
                      "relay_light": light, "bare_relay_light": light_bare}
    return figure
