"""The audio devices an operator can pick, by the names the audio server gives them.

With a PulseAudio server (or PipeWire's), its sinks are the outputs (headset,
desk speaker) and its sources the inputs (microphones; a sink's monitor is
listed last and marked). Without one, PortAudio's own devices are listed. The
silent virtual device is always there. ``spec`` is what goes in config.toml
(``audio_device``, ``audio_input``, ``ringer_device``) and what open_device takes.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import pulse

NULL_SPEC = "null"


@dataclass(frozen=True)
class AudioChoice:
    kind: str  # "output" or "input"
    name: str  # as the server names it
    description: str
    spec: str
    monitor: bool = False

    @property
    def label(self) -> str:
        extra = " (monitor)" if self.monitor else ""
        return f"{self.description} [{self.name}]{extra}" if self.description != self.name else f"{self.name}{extra}"


def list_choices() -> list[AudioChoice]:
    """Outputs, then inputs; never raises (no server and no card: only the silent device)."""
    choices: list[AudioChoice] = []
    for device in pulse.list_pulse_devices():
        choices.append(AudioChoice(device.kind, device.name, device.description, device.spec, device.monitor))
    if not choices:
        from .portaudio import list_devices

        for info in list_devices():
            if info.outputs:
                choices.append(AudioChoice("output", info.name, info.name, info.name))
            if info.inputs:
                choices.append(AudioChoice("input", info.name, info.name, info.name))
    choices.sort(key=lambda c: (c.kind != "output", c.monitor))
    for kind in ("output", "input"):
        choices.append(AudioChoice(kind, NULL_SPEC, "silent virtual device", NULL_SPEC))
    return choices


def headset_spec(output: AudioChoice | None, microphone: AudioChoice | None) -> str:
    """The one device spec for a chosen output and microphone."""
    if output is None and microphone is None:
        return ""
    if (output and output.spec == NULL_SPEC) or (microphone and microphone.spec == NULL_SPEC):
        return NULL_SPEC
    if all(c is None or pulse.is_pulse_spec(c.spec) for c in (output, microphone)):
        return pulse.PulseRoute(sink=output.name if output else None, source=microphone.name if microphone else None).spec
    return (output or microphone).spec  # type: ignore[union-attr]  # PortAudio: one device for both


def describe(choices: list[AudioChoice]) -> list[str]:
    """The listing ``anynode-console devices`` prints."""
    lines = []
    for kind, title in (("output", "Outputs (headset, ringer)"), ("input", "Inputs (microphone)")):
        lines.append(f"{title}:")
        for choice in (c for c in choices if c.kind == kind):
            lines.append(f"  {choice.label:<50}  {choice.spec}")
    return lines


def check_spec(spec: str | int | None) -> str | None:
    """One line saying why the device ``spec`` cannot be used as given, or None if it can (or means a default).

    Every kind open_device takes: a default (``auto``, empty), the silent device, a WAV path,
    ``pulse:sink=...,source=...`` (each name must exist on the server), a PortAudio index, or part
    of a device's name (as PortAudio or the audio server calls it). Never raises.
    """
    text = str(spec if spec is not None else "").strip()
    if text.lower() in ("auto", "", NULL_SPEC, "none", "silent"):
        return None
    if text.lower().endswith(".wav"):
        from pathlib import Path

        return None if Path(text).is_file() else f"audio device: no such WAV file {text!r}; using the silent device"
    if pulse.is_pulse_spec(text):
        return _check_pulse(text)
    from .portaudio import list_devices

    devices = list_devices()  # an index or a name is PortAudio's (a server's sink and source go by pulse:)
    if text.isdigit():
        if any(dev.index == int(text) for dev in devices):
            return None
        return (f"audio device {text!r}: no device with that index ({len(devices)} devices; "
                "`anynode-console devices` lists them); using the fallback device")
    if any(text.lower() in dev.name.lower() for dev in devices):
        return None
    hint = ""
    if any(text.lower() in f"{c.name} {c.description}".lower() for c in list_choices() if c.spec != NULL_SPEC):
        hint = "; the audio server has it: use its pulse: spec from `anynode-console devices`"
    return (f"audio device {text!r} not found ({len(devices)} devices; `anynode-console devices` lists them"
            f"{hint}); using the fallback device")


def _check_pulse(spec: str) -> str | None:
    try:
        route = pulse.parse(spec)
    except pulse.PulseSpecError as exc:
        return f"audio device: {exc}; using the fallback device"
    devices = pulse.list_pulse_devices()
    if not devices:
        return f"audio device {spec!r}: no PulseAudio server answers; using the fallback device"
    missing = [f"{kind} {name!r}" for kind, name, names in (
        ("sink", route.sink, {d.name for d in devices if d.kind == "output"}),
        ("source", route.source, {d.name for d in devices if d.kind == "input"}),
    ) if name and name not in names]
    if not missing:
        return None
    return (f"audio device {spec!r}: the server has no {' and no '.join(missing)} "
            "(`anynode-console devices` lists them); using the fallback device")
