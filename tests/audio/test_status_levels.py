"""The status pane's levels come from the real device streams (PyAudio through a real PulseAudio server):
the test server's ``mic`` source (a sine at MIC_DBFS) shows on the microphone meter from the moment the
operator logs in (the device opens at login), the far end's tone on the speaker meter during a call, and
a microphone muted at the server shows as silent before any call.
"""

from __future__ import annotations

import asyncio
import re
from typing import Callable

from console.persist import AppDirs, CallHistory, Config, Settings
from console.store import LoginPlan, Controller, client_factory
from console.ui import build_app
from console.ui.widgets import LoginStatus
from bench.pulse_server import MIC_DBFS

HEADSET = "pulse:sink=headset,source=mic"
TIMEOUT = 15.0


async def shown(pilot, read: Callable[[], str], wanted: Callable[[str], bool], timeout: float = TIMEOUT) -> str:
    text = read()
    try:
        async with asyncio.timeout(timeout):
            while not wanted(text):
                await pilot.pause(0.1)
                text = read()
    except TimeoutError:
        raise AssertionError(f"never shown; last text: {text!r}") from None
    return text


def level(text: str, meter: str) -> float | None:
    found = re.search(rf"{meter} [▮▯]+ (-?\d+)dB", text)
    return float(found.group(1)) if found else None


async def test_mic_and_speaker_levels_from_the_pulse_device(pulse, media_switch, tmp_path):
    dirs = AppDirs(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    store = Controller(client_factory(device=HEADSET), history=CallHistory(dirs), media=True)
    plan = LoginPlan(server=media_switch.url, username="operator", password="operator", auto_login=True,
                     restore=False, embedded=True)
    app = build_app(Settings(config=Config(), dirs=dirs), store, plan, cursor_blink=False)
    status = lambda: str(app.screen.query_one(LoginStatus).render())  # noqa: E731
    async with app.run_test(size=(120, 36)) as pilot:
        text = await shown(pilot, status, lambda t: (level(t, "mic") or -99) > MIC_DBFS - 4)
        assert "silent" not in text
        assert store.state.calls == ()  # levels before the first call: the device opened at login
        slot = store.dial("9001")  # the switch's tone
        await shown(pilot, status, lambda t: (level(t, "spk") or -99) > -40)
        assert store.state.call_in(slot) is not None
        store.hangup(slot)
        pulse.pactl("set-source-mute", "mic", "1")  # the operator's microphone is muted at the server
        await shown(pilot, status, lambda t: "mic ⚠ silent" in t)
    await store.aclose()
