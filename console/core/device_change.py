"""What happened to one of the console's audio devices, as a value the layers pass up unchanged.

The media layer says it (the hub's watch: a card failed, came back), the client forwards it, the store keeps the
latest one of each kind, and the event stream tells it (a ``device`` event, docs/EVENTS.md). Plain data: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DeviceKind(StrEnum):
    AUDIO = "audio"  # the headset: the calls' speaker and microphone
    RINGER = "ringer"  # where incoming calls ring (a desk speaker), if one is set


class DeviceState(StrEnum):
    IN_USE = "in_use"  # the console uses this device now
    FAILED = "failed"  # it stopped working or cannot be opened: the silent device stands in, calls go on
    RESTORED = "restored"  # the failed device works again and is back in use
    CHOSEN = "chosen"  # the operator saved it in the device picker: used from the next start


class DeviceReason(StrEnum):
    OPENED = "opened"  # in_use: opened when the console's audio started (its config, or the default device)
    APPEARED = "appeared"  # in_use: a named device that was missing at start appeared
    STOPPED = "stopped"  # failed: while in use (its stream ended, its callbacks stopped, its sink or source went)
    UNAVAILABLE = "unavailable"  # failed: a named device missing or busy at start (it is taken when it appears)
    PICKER = "picker"  # chosen: in the device picker (F3)


@dataclass(frozen=True)
class DeviceChange:
    """``name``: the device as the console names it (the silent device: ``silent virtual device``);
    ``spec``: how it was asked for (``pulse:sink=headset,source=mic``, an index, a part of a name), None for
    the default device or the silent one."""

    kind: DeviceKind
    name: str
    state: DeviceState
    reason: DeviceReason | None = None
    spec: str | None = None
