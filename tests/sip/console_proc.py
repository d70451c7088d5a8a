"""A console in its own process for the restart test: the seed API over SIP, reporting as JSON lines on stdout.

``console_proc.py URL login USER PASSWORD DIAL HZ``: log in, dial DIAL, print every identifier.
``console_proc.py URL restore IDENTIFIER HZ``: try_restore_login, print the restored calls' states and the
tone they hear. The microphone plays HZ. Killed by the test (SIGKILL: no logout, no BYE).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, as under pytest

from console.media.devices import NullDevice
from console.media.sinks import RecordingSink
from console.media.tones import ToneGenerator, dominant_frequency, level_dbfs
from console.webrtc import LOGIN_STATES, WebRtcInstance


def say(**what) -> None:
    print(json.dumps(what), flush=True)


async def main(argv: list[str]) -> None:
    url, mode = argv[0], argv[1]
    hz = int(argv[-1])
    sinks: list[RecordingSink] = []
    identifiers: list[str] = []

    def on_login(state: LOGIN_STATES) -> None:
        say(login=str(state))

    def watch(call) -> None:
        sink = RecordingSink(seconds=5)
        sinks.append(sink)
        call.set_audio_element(sink)
        call.set_call_state_handler(lambda c, s: say(call=str(s), reason=str(c.get_disconnect_reason())))

    inst = WebRtcInstance(on_login, None, "restart test", device=NullDevice(mic=ToneGenerator(hz, -12).frame),
                          request_timeout=15.0)
    if mode == "login":
        inst.login(url, False, False, argv[2], argv[3])
    else:
        inst.try_restore_login(url, False, False, argv[2], watch)
    dialled = False
    while True:
        await asyncio.sleep(0.1)
        if mode == "login" and not dialled and inst.login_state is LOGIN_STATES.SUCCESS:
            call = inst.create_outgoing_call()
            watch(call)
            call.dial(argv[4])
            dialled = True
        identifier = inst.get_login_identifier()
        if identifier and identifier not in identifiers:
            identifiers.append(identifier)
            say(identifier=identifier, calls=len(inst.calls))
        for sink in sinks:
            if sink.frames >= 50 and sink.frames % 25 < 5:
                samples = sink.samples(0.5)
                say(heard=dominant_frequency(samples), level=level_dbfs(samples))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
