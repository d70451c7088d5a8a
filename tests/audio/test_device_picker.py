"""The device picker (F2) on a real PulseAudio server: names as the server gives them, a test tone measured
on the chosen sink, the microphone meter reading the virtual mic, the choice saved in config.toml."""

from __future__ import annotations

import asyncio
import tomllib

import pytest

from console.media.tones import dominant_frequency, level_dbfs, tone_present
from console.persist import AppDirs, CallHistory, Config, SessionFile, Settings
from console.store import LoginPlan, Controller, client_factory
from console.ui import build_app
from console.ui.screens.devices import DevicesScreen
from bench.pulse_server import MIC_DBFS

RATE = 48000
TIMEOUT = 15.0


async def until(pilot, predicate, what: str, timeout: float = TIMEOUT) -> None:
    """Poll UI or sound-card state (neither posts an event the test can await), bounded by ``timeout``."""
    try:
        async with asyncio.timeout(timeout):
            while not predicate():
                await pilot.pause(0.05)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for: {what}") from None


def carries(recorder, hz: float) -> bool:
    samples = recorder.samples(seconds=0.3)
    return len(samples) >= 13000 and tone_present(samples, RATE, hz, min_share=0.5)


async def test_pick_headset_microphone_and_ringer_with_tone_and_meter(pulse, monitor, tmp_path):
    dirs = AppDirs(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    store = Controller(client_factory(device=None), sessions=SessionFile(dirs), history=CallHistory(dirs), media=False)
    app = build_app(Settings(config=Config(), dirs=dirs), store, LoginPlan())
    headset, speaker = monitor("headset.monitor"), monitor("speaker.monitor")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, DevicesScreen) and app.screen.outputs, "the device lists")
        screen = app.screen
        outputs = [c.name for c in screen.outputs]
        inputs = [c.name for c in screen.inputs]
        assert outputs[:2] == ["headset", "speaker"] and "mic" in inputs and "headset.monitor" in inputs
        assert "Test-desk-speaker" in [c.description for c in screen.outputs]

        assert screen.chosen_output().name == "headset"
        await pilot.press("t")
        await until(pilot, lambda: carries(headset, 1000), "the test tone on the headset")
        assert dominant_frequency(headset.samples(seconds=0.3)) == pytest.approx(1000, abs=3)
        assert level_dbfs(speaker.samples(seconds=0.3)) < -80
        await pilot.press("t")

        await pilot.press("tab")
        assert screen.chosen_input().name == "mic"
        await until(pilot, lambda: screen.meter is not None and screen.meter.frames > 10
                    and abs(screen.meter.dbfs - MIC_DBFS) < 1.5, "the meter reads the virtual microphone")
        assert f"{MIC_DBFS:5.1f} dBFS".strip() in str(screen.query_one("#devices-meter").render())

        await pilot.press("tab", "down", "down")
        assert screen.chosen_ringer().name == "speaker"
        await pilot.press("t")
        await until(pilot, lambda: carries(speaker, 1000), "the test tone on the ringer")
        await pilot.press("t")

        await pilot.press("s")
        await until(pilot, lambda: not isinstance(app.screen, DevicesScreen), "the picker closes")
    saved = tomllib.loads(dirs.config_file.read_text())
    assert saved["audio_device"] == "pulse:sink=headset,source=mic"
    assert saved["ringer_device"] == "pulse:sink=speaker"
    chosen = [(d.kind.value, d.name, d.state.value, d.reason.value, d.spec) for d in store.state.devices]
    assert chosen == [("audio", "pulse:sink=headset,source=mic", "chosen", "picker", "pulse:sink=headset,source=mic"),
                      ("ringer", "pulse:sink=speaker", "chosen", "picker", "pulse:sink=speaker")]  # device events
    assert screen.meter is None and screen.tone is None  # the probes closed their devices


def test_the_devices_command_prints_the_same_names_and_specs(pulse):
    import os
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "-m", "console", "devices"], cwd=Path(__file__).parents[2],
                          capture_output=True, text=True, timeout=60, env={**os.environ, **pulse.env()})
    assert done.returncode == 0 and done.stderr == ""
    lines = done.stdout.splitlines()
    assert lines[0] == "Outputs (headset, ringer):"
    assert any("[headset]" in line and line.endswith("pulse:sink=headset") for line in lines)
    assert any("Test-desk-speaker [speaker]" in line and line.endswith("pulse:sink=speaker") for line in lines)
    assert any("[mic]" in line and line.endswith("pulse:source=mic") for line in lines)
    assert any("(monitor)" in line and line.endswith("pulse:source=headset.monitor") for line in lines)


async def test_without_an_audio_server_the_picker_offers_the_silent_device_and_esc_saves_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'no-server-here'}")  # never the machine's own server
    dirs = AppDirs(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    store = Controller(client_factory(device=None), sessions=SessionFile(dirs), history=CallHistory(dirs), media=False)
    app = build_app(Settings(config=Config(), dirs=dirs), store, LoginPlan())
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, DevicesScreen) and app.screen.outputs, "the device lists")
        screen = app.screen
        assert [c.spec for c in screen.outputs][-1] == "null" and [c.spec for c in screen.inputs][-1] == "null"
        await until(pilot, lambda: screen.meter is not None or "microphone:" in str(
            screen.query_one("#devices-status").render()), "the meter started or said why not")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, DevicesScreen), "the picker closes")
    assert not dirs.config_file.exists()
    assert store.state.devices == ()  # nothing chosen: no device event


def test_device_specs_of_every_kind_are_checked_against_the_server(pulse):
    """`--device pulse:sink=...,source=...` is checked by the server's names, not reported "not found"."""
    from console.cli import check_device

    assert check_device("pulse:sink=headset,source=mic") is None
    assert check_device("pulse:sink=speaker") is None and check_device("pulse:source=headset.monitor") is None
    assert check_device("pulse") is None  # PortAudio's own device for the server
    problem = check_device("pulse:sink=nosuchsink,source=mic")
    assert problem and "the server has no sink 'nosuchsink' (" in problem  # the source is there: not named
    assert "expected pulse:sink=NAME" in check_device("pulse:speaker")
    assert "use its pulse: spec" in check_device("Test-desk-speaker")  # the server's name, not PortAudio's
    pulse.unload_sink("headset")
    assert "sink 'headset'" in check_device("pulse:sink=headset")
