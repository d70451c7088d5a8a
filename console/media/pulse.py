"""PulseAudio (and PipeWire's PulseAudio server) devices by the names the audio server gives them.

PortAudio sees a PulseAudio server as one ALSA device, ``pulse`` (libasound2-plugins). Which
sink (speaker, headset) and which source (microphone) a stream of that device uses is decided by
libpulse when the stream is opened: it reads ``PULSE_SINK`` and ``PULSE_SOURCE`` from the
environment. ``route()`` sets those two (under a lock, restored afterwards) around the open, so
one process can hold a headset stream and a ringer stream on different sinks, and with them
``PULSE_LATENCY_MSEC``, the server buffering the stream asks for (latency.py).

A device spec for the server: ``pulse:sink=NAME,source=NAME`` (either part may be left out:
the server's default). ``list_pulse_devices()`` asks ``pactl`` for the sinks and sources; it
returns an empty list when there is no server or no pactl (never raises).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from typing import Iterator

PREFIX = "pulse:"
PACTL_TIMEOUT = 3.0

_env_lock = threading.Lock()


class PulseSpecError(ValueError):
    """A ``pulse:`` device spec that cannot be read (the message says why)."""


@dataclass(frozen=True)
class PulseRoute:
    """Which sink and source of the server a stream uses (None: the server's default)."""

    sink: str | None = None
    source: str | None = None

    @property
    def spec(self) -> str:
        parts = [f"sink={self.sink}"] if self.sink else []
        parts += [f"source={self.source}"] if self.source else []
        return PREFIX + ",".join(parts)

    @property
    def label(self) -> str:
        return " / ".join(part for part in (self.sink, self.source) if part) or "PulseAudio default"


def is_pulse_spec(spec: object) -> bool:
    return isinstance(spec, str) and spec.strip().lower().startswith(PREFIX)


def parse(spec: str) -> PulseRoute:
    """``pulse:sink=headset,source=mic`` -> PulseRoute; raises PulseSpecError."""
    body = spec.strip()[len(PREFIX):]
    values: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in body.split(","))):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep or key not in ("sink", "source") or not value.strip():
            raise PulseSpecError(f"{spec!r}: expected pulse:sink=NAME,source=NAME")
        values[key] = value.strip()
    return PulseRoute(sink=values.get("sink"), source=values.get("source"))


@contextlib.contextmanager
def route(target: PulseRoute | None, latency_ms: int | None = None) -> Iterator[None]:
    """Point libpulse's next streams at ``target`` (``PULSE_SINK``/``PULSE_SOURCE``; None: leave them as
    they are) and ask for ``latency_ms`` of server buffering (``PULSE_LATENCY_MSEC``, see latency.py), then restore."""
    wanted: dict[str, str | None] = {}
    if target is not None:
        wanted.update(PULSE_SINK=target.sink, PULSE_SOURCE=target.source)
    if latency_ms is not None:
        wanted["PULSE_LATENCY_MSEC"] = str(latency_ms)
    with _env_lock:
        saved = {name: os.environ.get(name) for name in wanted}
        for name, value in wanted.items():
            if value:
                os.environ[name] = value
            else:
                os.environ.pop(name, None)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


@dataclass(frozen=True)
class PulseDevice:
    """A sink (``output``) or source (``input``) as the server names and describes it."""

    kind: str  # "output" or "input"
    name: str
    description: str
    monitor: bool = False  # a sink's monitor (what the sink plays), not a microphone

    @property
    def spec(self) -> str:
        return PulseRoute(sink=self.name).spec if self.kind == "output" else PulseRoute(source=self.name).spec


def _pactl_list(kind: str) -> list[dict[str, object]] | None:
    """The server's ``sinks`` or ``sources``; None when it could not be asked (no pactl, no answer in time)."""
    if shutil.which("pactl") is None:
        return None
    try:
        done = subprocess.run(["pactl", "--format=json", "list", kind], capture_output=True, text=True,
                              timeout=PACTL_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    try:
        items = json.loads(done.stdout or "[]")
    except ValueError:
        return None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else None


def list_pulse_devices() -> list[PulseDevice]:
    """The server's sinks (outputs) and sources (inputs), in its order; [] without a server."""
    devices = [PulseDevice("output", str(item.get("name", "")), str(item.get("description") or item.get("name", "")))
               for item in _pactl_list("sinks") or []]
    for item in _pactl_list("sources") or []:
        properties = item.get("properties")
        monitor = isinstance(properties, dict) and properties.get("device.class") == "monitor"
        devices.append(PulseDevice("input", str(item.get("name", "")),
                                   str(item.get("description") or item.get("name", "")), monitor=monitor))
    return [device for device in devices if device.name]


def present(target: PulseRoute, unknown: bool = False) -> bool:
    """Every sink and source ``target`` names exists on the server (the defaults always do).

    Asks only for the kinds the route names (one ``pactl`` run each, about 3 ms of CPU).
    When the server cannot be asked (``pactl`` failed or gave no answer within
    PACTL_TIMEOUT: a busy machine), the answer is ``unknown``: the hub's watch
    passes True, so a slow server is not taken for a vanished headset.
    """
    for kind, name in (("sinks", target.sink), ("sources", target.source)):
        if not name:
            continue
        items = _pactl_list(kind)
        if items is None:
            return unknown
        if name not in {str(item.get("name")) for item in items}:
            return False
    return True
