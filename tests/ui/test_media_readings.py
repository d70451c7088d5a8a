"""What the operator sees of the audio: device levels in the status pane, "no audio for N s" on a card,
the device opened at login (before the first call), a silent device or microphone said plainly.

Real switch with real media (aiortc), a real client; only the sound card is virtual (a NullDevice whose
microphone is a tone, silence, or nothing).
"""

from __future__ import annotations

import asyncio
import re
from typing import Callable

import pytest

from console.core.enums import CALL_STATES
from console.media.devices import NullDevice
from console.media.tones import SILENT_FRAME, ToneGenerator
from console.persist import CallHistory, Config, SessionFile, Settings
from console.store import Controller, client_factory
from console.ui import build_app
from console.ui.widgets import CallCard, LoginStatus

from .conftest import TIMEOUT, Console, operator_plan
from .test_operator import logged_in, slot_state

WIDE = (120, 36)


@pytest.fixture
async def media_switch():
    from console.switch.demo import demo_config
    from console.switch.server import Switch

    sw = await Switch.start(demo_config(port=0))  # the aiortc media plane: tones, echo
    try:
        yield sw
    finally:
        await sw.aclose()


def media_console(dirs, switch, device) -> Console:
    store = Controller(client_factory(device=device), sessions=SessionFile(dirs), history=CallHistory(dirs), media=True)
    app = build_app(Settings(config=Config(), dirs=dirs), store, operator_plan(switch), cursor_blink=False)
    return Console(app, store)


async def shown(pilot, read: Callable[[], str], wanted: Callable[[str], bool], timeout: float = TIMEOUT) -> str:
    """The widget text once ``wanted`` holds (the screen redraws on its 0.5 s tick), or fail after ``timeout``."""
    text = read()
    try:
        async with asyncio.timeout(timeout):
            while not wanted(text):
                await pilot.pause(0.1)
                text = read()
    except TimeoutError:
        raise AssertionError(f"never shown; last text: {text!r}") from None
    return text


def status_text(console: Console) -> Callable[[], str]:
    return lambda: str(console.app.screen.query_one(LoginStatus).render())


def blackhole_inbound(media) -> None:
    """Nothing reaches this console's media any more (aioice internals: the test plays the network)."""
    for transceiver in media._pc.getTransceivers():  # noqa: SLF001
        for protocol in transceiver.sender.transport.transport._connection._protocols:  # noqa: SLF001
            protocol.datagram_received = lambda *args, **kwargs: None


async def test_levels_in_the_status_pane_and_no_audio_on_the_card(media_switch, dirs):
    device = NullDevice(mic=ToneGenerator(700.0, -12.0).frame)
    console = media_console(dirs, media_switch, device)
    async with console.app.run_test(size=WIDE) as pilot:
        await console.until(logged_in)
        hub = console.controller.client.hub
        assert hub is not None and hub.started and hub.device is device  # opened at login, before any call
        text = await shown(pilot, status_text(console), lambda t: "mic ▮" in t)
        assert "-12dB" in text and "spk ▯▯▯▯▯▯" in text  # the mic as captured; nothing played yet
        slot = console.controller.dial("9001")  # the 1 kHz tone service
        await console.until(lambda s: s.call_in(slot) is not None and s.call_in(slot).state is CALL_STATES.CONNECTED
                            and s.call_in(slot).audio)
        text = await shown(pilot, status_text(console), lambda t: "spk ▮▮" in t)
        card = lambda: str(console.app.screen.query_one(f"#slot-{slot}", CallCard).render())  # noqa: E731
        assert "no audio" not in card()
        (call,) = console.controller.client.calls
        blackhole_inbound(call.media)
        text = await shown(pilot, card, lambda t: "no audio for" in t, timeout=5.0)
        seconds = re.search(r"⚠ no audio for (\d+) s", text)
        assert seconds and int(seconds.group(1)) >= 2, text  # shown once the threshold is passed, not before
        # the grace period ends the call with MEDIA (the client's media health), the card says why
        await console.until(slot_state(slot, CALL_STATES.DISCONNECTED), timeout=15.0)
        assert "no audio for" not in card()
    await console.controller.aclose()


@pytest.mark.parametrize("case", ["muted", "silent_device"])
async def test_a_muted_microphone_or_the_silent_device_is_visible_before_a_call(media_switch, dirs, case):
    device = NullDevice(mic=lambda: SILENT_FRAME) if case == "muted" else "null"
    console = media_console(dirs, media_switch, device)
    async with console.app.run_test(size=WIDE) as pilot:
        await console.until(logged_in)
        wanted = "mic ⚠ silent" if case == "muted" else "∅ silent audio device"
        text = await shown(pilot, status_text(console), lambda t: wanted in t)
        assert text.count("silent") == 1, text  # said once, not once per meter
    await console.controller.aclose()


async def test_a_missing_device_at_login_is_one_line(media_switch, dirs):
    console = media_console(dirs, media_switch, "no-such-headset-7d1f")
    async with console.app.run_test(size=(80, 24)) as pilot:
        await console.until(logged_in)
        hub = console.controller.client.hub
        assert hub is not None and hub.started and hub.silent_device
        await pilot.pause()
        lines = [line.text for line in console.store.state.log if "device" in line.text.lower()]
        assert len(lines) == 1 and "silent virtual device" in lines[0], lines
        await shown(pilot, status_text(console), lambda t: "∅ no audio dev" in t)  # 80 columns: the short words
    await console.controller.aclose()
