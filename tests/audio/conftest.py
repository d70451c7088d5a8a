"""Real audio devices: a private PulseAudio server (bench/pulse_server.py) that PortAudio reaches through ALSA's ``pulse`` PCM.

Every test here gets its own server (so unplugging a sink cannot leak into the next test) and
``PULSE_SERVER`` pointing at it; the tests are skipped where pulseaudio or libasound2-plugins
are missing (CI installs both: .ci/run).
"""

from __future__ import annotations

import os

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
if str(ROOT) not in sys.path:  # bench/pulse_server.py serves the tests and the benchmark alike
    sys.path.insert(0, str(ROOT))

from bench.pulse_server import Monitor, PulseServer, available  # noqa: E402


@pytest.fixture
def pulse(tmp_path_factory, monkeypatch):
    if not available():
        missing = "pulseaudio, pactl, parec or ALSA's pulse plugin (libasound2-plugins) is not installed"
        if os.environ.get("CI"):
            pytest.fail(f"{missing}; CI must install it (.ci/run)")
        pytest.skip(missing)
    root = tmp_path_factory.mktemp("pulse")
    server = PulseServer.start(root)
    for name in ("PULSE_SINK", "PULSE_SOURCE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    yield server
    server.stop()


@pytest.fixture
def monitor(pulse):
    """``monitor("headset.monitor")`` records a source of the test server until the test ends."""
    made: list[Monitor] = []

    def make(source: str) -> Monitor:
        recorder = Monitor(pulse, source)
        made.append(recorder)
        return recorder

    yield make
    for recorder in made:
        recorder.stop()


@pytest.fixture
async def media_switch():
    """The real embedded switch with the aiortc media plane (echo 9000, tone 9001), on 127.0.0.1 port 0."""
    from console.switch.demo import demo_config
    from console.switch.rtc_plane import RtcMediaPlane
    from console.switch.server import Switch

    switch = await Switch.start(demo_config(ring_timeout=10.0, session_lifetime=30.0),
                                media=RtcMediaPlane(connect_timeout=10.0))
    yield switch
    await switch.aclose()
