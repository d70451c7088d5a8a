"""The audio devices' news in the store: what the client reports (opened, failed, back) arrives as
:class:`~console.store.events.DeviceChanged` through the controller; what the operator saves in the device
picker is said here, once per device whose choice changed (it is used from the next start)."""

from __future__ import annotations

from typing import Protocol

from console.core.device_change import DeviceChange, DeviceKind, DeviceReason, DeviceState

from .events import DeviceChanged


class DeviceChoice(Protocol):
    """The console's config (console.persist.Config) as far as devices go: specs, ``""`` for the default
    device (the ringer: none)."""

    @property
    def audio_device(self) -> str: ...

    @property
    def ringer_device(self) -> str: ...


def devices_chosen(before: DeviceChoice, after: DeviceChoice) -> list[DeviceChanged]:
    """The news for a picker's save: one event per device whose spec in config.toml changed."""
    pairs = ((DeviceKind.AUDIO, before.audio_device, after.audio_device),
             (DeviceKind.RINGER, before.ringer_device, after.ringer_device))
    return [DeviceChanged(DeviceChange(kind, spec, DeviceState.CHOSEN, DeviceReason.PICKER, spec or None))
            for kind, old, spec in pairs if spec != old]
