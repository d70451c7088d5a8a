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
