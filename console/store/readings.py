"""Live readings the screens poll (levels, silence): they change every frame, so they stay out of AppState.

Pure data and pure functions; the controller fills them from its client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from console.core.errors import ConsoleError

NO_AUDIO_AFTER = 2.0  # s of missing audio on a connected call before its card says "no audio for N s"
MIC_SILENT_DBFS = -80.0  # a microphone this quiet sends digital silence: muted, unplugged or a dead source


@dataclass(frozen=True)
class DeviceReading:
    """The audio device as the status pane shows it."""

    mic_dbfs: float  # the microphone as captured, the last 20 ms
    out_dbfs: float  # the speaker as played (the floor when no call has the device)
    silent_device: bool  # the silent virtual device stands in: nothing heard, nothing recorded
    name: str = ""

    @property
    def mic_silent(self) -> bool:
        """A real microphone that sends nothing: worth saying before the far end complains."""
        return not self.silent_device and self.mic_dbfs <= MIC_SILENT_DBFS


def read_hub(hub: Any) -> DeviceReading | None:
    """The reading of a console.media DeviceHub (None: no hub yet, or not started)."""
    if hub is None or not getattr(hub, "started", False):
        return None
    device = getattr(hub, "device", None)
    return DeviceReading(mic_dbfs=float(hub.mic_dbfs), out_dbfs=float(hub.out_dbfs),
                         silent_device=bool(hub.silent_device), name=str(getattr(device, "name", "")))


def sink_level(sink: Any) -> float | None:
    """A call's level meter (console.media.sinks.LevelMeterSink) in dBFS; None without one."""
    if sink is None:
        return None
    for name in ("peak", "dbfs", "level"):  # the decaying peak reads best on a meter
        value = getattr(sink, name, None)
        if isinstance(value, (int, float)):
            return float(value)
    return None


def silence(call: Any) -> float:
    """Seconds a call (that should have audio) has had none; 0 without a call or when it cannot say."""
    if call is None:
        return 0.0
    try:
        return max(0.0, float(call.seconds_without_audio()))
    except ConsoleError:
        return 0.0
