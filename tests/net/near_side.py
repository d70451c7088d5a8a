"""``python -m tests.net.near_side SERVER MODE [--policy all|relay] [--seconds S] [--own-turn URL] [--ca-file PEM]
[--ignore-switch-ice]``:
the console of netlab.py (namespace A), as a separate process.

MODE ``call``: alice (440 Hz microphone) dials bob (202), waits to hear his 660 Hz, prints ``heard``
(setup times, level, the selected ICE pair), then holds the call until a line ``hangup`` on stdin.
MODE ``echo``: the echo service (9000) with bench.fig_latency's chirp bursts for S seconds; prints
``echo`` (setup times, round trips in ms, the selected pair). MODE ``allocate`` (SERVER is a TURN URL):
one allocation, ``allocated`` with ``ok`` and the relayed address or the error. MODE ``bench``: ``call`` without
waiting for ``hangup``, then ``echo`` (bench/fig_turn.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from console.media.devices import NullDevice
from console.media.sinks import RecordingSink
from console.media.tones import ToneGenerator, level_dbfs, tone_present
from console.webrtc import CALL_STATES

from bench.driver import BenchConsole, CountingSink
from tests.net.netlab import SECRET
from tests.net.pairs import selected_pair

S = CALL_STATES
NEAR_HZ, BOB_HZ, RATE = 440.0, 660.0, 48000
TIMEOUT = 30.0


def say(event: str, **body: object) -> None:
    print(json.dumps({"event": event, **body}), flush=True)


def pair_of(console: BenchConsole, call) -> dict | None:
    """The call's selected ICE pair, with the types of every candidate its offer carried (``offered``)."""
    media = console.inst.media.get(call.ref)
    pc = getattr(media, "_pc", None)
    pair = selected_pair(pc) if pc is not None else None
    if pair is not None and pc.localDescription is not None:
        pair["offered"] = sorted({line.split(" typ ")[1].split()[0] for line in pc.localDescription.sdp.splitlines()
                                  if line.startswith("a=candidate:") and " typ " in line})
    return pair


async def first_tone(sink: RecordingSink, hz: float, timeout: float = TIMEOUT) -> float:
    async with asyncio.timeout(timeout):
        while True:
            await sink.wait_more(5, timeout)
            samples = sink.samples(0.3)
            if tone_present(samples, RATE, hz):
                return level_dbfs(samples)


async def stdin_lines() -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def call_bob(console: BenchConsole, wait: bool = True) -> None:
    sink = RecordingSink()
    began = time.perf_counter()
    call = console.dial("202", sink)
    connected = await console.state(call, S.CONNECTED, TIMEOUT)
    dbfs = await first_tone(sink, BOB_HZ)
    heard = time.perf_counter()
    say("heard", hz=BOB_HZ, dbfs=round(dbfs, 1), connected_ms=round(1000 * (connected - began), 1),
        audio_ms=round(1000 * (heard - began), 1), pair=pair_of(console, call))
    if wait:
        reader = await stdin_lines()
        while (await reader.readline()).decode().strip() not in ("hangup", ""):
            pass
    await console.hang_up(call)
    say("done")


async def echo(console: BenchConsole, device, seconds: float) -> None:
    from bench.fig_latency import first_bursts_dropped

    began = time.perf_counter()
    call = console.dial("9000", CountingSink())
    connected = await console.state(call, S.CONNECTED, TIMEOUT)
    start = len(device.bursts.sent)
    await asyncio.sleep(seconds)  # the measurement window: bursts go round while we wait
    sent = device.bursts.sent[start:]
    pair = pair_of(console, call)
    await console.hang_up(call)
    say("echo", connected_ms=round(1000 * (connected - began), 1), round_trips=first_bursts_dropped(device.ear.delays(sent[:-1])), pair=pair)


async def allocate(url: str) -> None:
    """One TURN allocation with aioice (as a call's gathering makes it), through the patched TLS hook."""
    from aioice import turn
    from aiortc.rtcicetransport import parse_stun_turn_uri

    from console.media import patches

    patches.apply()
    parsed = parse_stun_turn_uri(url)
    username, credential = own_credentials()
    try:
        transport, _ = await turn.create_turn_endpoint(
            asyncio.DatagramProtocol, server_addr=(parsed["host"], parsed["port"]), username=username,
            password=credential, ssl=parsed["scheme"] == "turns", transport=parsed["transport"])
    except Exception as exc:
        say("allocated", ok=False, error=f"{type(exc).__name__}: {exc}")
        return
    say("allocated", ok=True, relay=list(transport.get_extra_info("sockname")))
    transport.close()


async def main(args: argparse.Namespace) -> None:
    if args.ca_file:
        from console.media import patches

        patches.set_turn_ca_file(args.ca_file)
    if args.mode == "allocate":
        return await allocate(args.server)
    own = [{"urls": args.own_turn, **dict(zip(("username", "credential"), own_credentials()))}] if args.own_turn else []
    if args.mode in ("echo", "bench"):
        from bench.fig_latency import BurstDevice

        device = BurstDevice()
    else:
        device = NullDevice(mic=ToneGenerator(NEAR_HZ, -12).frame)
    console = BenchConsole(args.server, device=device, allow_cleartext=True, ice_servers=own, ice_policy=args.policy)
    if args.ignore_switch_ice:  # the baseline: no TURN at all, whatever the switch hands out
        console.inst.media.use_ice_servers = lambda servers: None
    try:
        await console.login("alice", "alice", timeout=TIMEOUT)
        say("logged_in", ice_servers=[s["urls"] for s in console.inst.media.ice_servers])
        if args.mode in ("bench", "call"):
            await call_bob(console, wait=args.mode == "call")
        if args.mode in ("bench", "echo"):
            await echo(console, device, args.seconds)
    except Exception as exc:  # the lab reads one line saying what went wrong
        say("error", message=f"{type(exc).__name__}: {exc}")
    finally:
        await console.close()
        say("finished")


def own_credentials() -> tuple[str, str]:
    from console.switch.turn import turn_credentials

    return turn_credentials(SECRET, "alice-own", time.time(), 600)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("mode", choices=("call", "echo", "bench", "allocate"))  # allocate: SERVER is a TURN URL
    parser.add_argument("--ca-file", help="CAs for turns: servers (the console's --ca-file)")
    parser.add_argument("--policy", default="all", choices=("all", "relay"))
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--own-turn", help="a TURN URL from the console's own configuration")
    parser.add_argument("--ignore-switch-ice", action="store_true")
    asyncio.run(main(parser.parse_args()))
