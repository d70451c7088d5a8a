"""Media helpers for the e2e tests: a console with a tone for a microphone, a dialled call with a recording
sink, waiting for a tone. (A module of its own: tests/sip has a test_media module too, so tests import these
from here, never from a test module.)"""

from __future__ import annotations

import asyncio

import numpy as np

from console.media.devices import NullDevice
from console.media.sinks import RecordingSink
from console.media.tones import ToneGenerator, tone_present
from console_harness import Console
from store_wait import until

RATE = 48000


async def media_console(switch, user, mic_hz=None, **kwargs):
    device = NullDevice(mic=ToneGenerator(mic_hz, -12).frame if mic_hz else None)
    console = Console(switch.url, {"device": device, **kwargs})
    await console.login(user, user)
    return console, device


def media_dial(console, number):
    call = console.inst.create_outgoing_call()
    console.watch(call)
    sink = RecordingSink()
    call.set_audio_element(sink)
    call.dial(number)
    return call, sink


async def hears(sink: RecordingSink, hz: float, what: str, frames: int = 25, timeout: float = 5.0) -> np.ndarray:
    """Wait until the last 0.3 s the sink received is dominated by ``hz``."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await sink.wait_more(frames, timeout)
                samples = sink.samples(0.3)
                if tone_present(samples, RATE, hz):
                    return samples
    except TimeoutError:
        raise AssertionError(what) from None


async def store_until(controller, predicate, what: str = "the awaited state", timeout: float = 15.0):
    """The first state of ``controller``'s store that satisfies ``predicate`` (now or later), or fail after
    ``timeout`` naming ``what`` and the store's last log lines."""
    return await until(controller, predicate, timeout, what)

