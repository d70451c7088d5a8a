"""``python -m tests.net.far_side HOST PORT [TURN_URL ...]``: the far side of netlab.py (namespace B).

The embedded switch (which terminates media) on HOST:PORT, handing consoles TURN_URLs with fresh
``use-auth-secret`` credentials, and bob (202) logged in beside it: he answers every call, sends a
660 Hz tone and reports when he hears 440 Hz (the near console's tone). JSON lines on stdout:
``ready``; ``bob_heard`` (level); ``switch_pair`` (the switch leg's selected ICE pair). Ends when
stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import sys

from console.media.devices import NullDevice
from console.media.sinks import RecordingSink
from console.media.tones import ToneGenerator, level_dbfs, tone_present
from console.switch.demo import demo_config
from console.switch.rtc_plane import RtcMediaPlane
from console.switch.server import Switch
from console.webrtc import CALL_STATES

from bench.driver import BenchConsole
from tests.net.netlab import SECRET
from tests.net.pairs import selected_pair

BOB_HZ, NEAR_HZ, RATE = 660.0, 440.0, 48000


def say(event: str, **body: object) -> None:
    print(json.dumps({"event": event, **body}), flush=True)


async def bob_answers(bob: BenchConsole) -> None:
    listening: set[asyncio.Task] = set()  # kept here: the loop holds tasks only weakly
    while True:
        call = await bob.incoming.get()
        sink = RecordingSink()
        call.set_audio_element(sink)
        call.answer()
        task = asyncio.get_running_loop().create_task(listen(call, sink))
        listening.add(task)
        task.add_done_callback(listening.discard)


async def listen(call, sink: RecordingSink) -> None:
    while call.get_state() is not CALL_STATES.DISCONNECTED:
        try:
            await sink.wait_more(25, 2.0)
        except TimeoutError:
            continue
        samples = sink.samples(0.3)
        if tone_present(samples, RATE, NEAR_HZ):
            say("bob_heard", hz=NEAR_HZ, dbfs=round(level_dbfs(samples), 1))
            return


async def main(host: str, port: int, turn_urls: list[str]) -> None:
    plane = RtcMediaPlane(connect_timeout=20.0)
    config = demo_config(host=host, port=port, turn_urls=tuple(turn_urls), turn_secret=SECRET if turn_urls else None,
                         session_lifetime=60.0, ring_timeout=30.0)
    switch = await Switch.start(config, media=plane)
    bob = BenchConsole(f"ws://{host}:{port}", device=NullDevice(mic=ToneGenerator(BOB_HZ, -12).frame),
                       allow_cleartext=True)
    try:
        await bob.login("bob", "bob")
        answering = asyncio.get_running_loop().create_task(bob_answers(bob))
        say("ready")
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := (await reader.readline()).decode().strip():
            if line == "pairs":  # the selected pair of each of the switch's legs
                say("switch_pairs", pairs=[selected_pair(leg.pc) for leg in list(plane._legs.values())])
        answering.cancel()
    finally:
        await bob.close()
        await switch.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3:]))
