"""``device`` events in memory: the store's device news in, schema-v1 events out (issue 21: the event stream
carries "every login state, call state with reason, transfer, park, recall, conference, presence and device
change"). No loop, no socket, no sound card: tests/audio/test_device_events.py unplugs a real one."""

from __future__ import annotations

import json

from console.core.device_change import DeviceChange, DeviceKind, DeviceReason, DeviceState
from console.store import Store
from console.store import events as ev

from .test_feed import fed, types

HEADSET = "pulse:sink=headset,source=mic"
AUDIO, RINGER = DeviceKind.AUDIO, DeviceKind.RINGER


def news(kind: DeviceKind, name: str, state: DeviceState, reason: DeviceReason | None = None,
         spec: str | None = None) -> ev.DeviceChanged:
    return ev.DeviceChanged(DeviceChange(kind, name, state, reason, spec))


def device_fields(got) -> list[tuple]:
    return [(e["kind"], e["name"], e["state"], e["reason"], e["spec"]) for e in got if e["type"] == "device"]


def test_the_headset_in_use_failed_and_restored_is_one_device_event_each():
    """The audio device opened, stopped working (the silent device stands in) and came back: three events,
    each with the device's name and spec, in the contract's words."""
    store, _, got = fed()
    store.dispatch(news(AUDIO, "headset / mic (PulseAudio)", DeviceState.IN_USE, DeviceReason.OPENED, HEADSET))
    store.dispatch(news(AUDIO, "headset / mic (PulseAudio)", DeviceState.FAILED, DeviceReason.STOPPED, HEADSET))
    store.dispatch(news(AUDIO, "headset / mic (PulseAudio)", DeviceState.RESTORED, None, HEADSET))
    assert types(got) == ["device", "device", "device"]
    assert got[0] == {"v": 1, "seq": 1, "time": got[0]["time"], "type": "device", "kind": "audio",
                      "name": "headset / mic (PulseAudio)", "state": "in_use", "reason": "opened", "spec": HEADSET}
    assert [(e["state"], e["reason"]) for e in got] == [("in_use", "opened"), ("failed", "stopped"),
                                                         ("restored", None)]
    assert json.loads(json.dumps(got)) == got


def test_a_ringer_missing_at_start_is_failed_then_in_use_when_it_appears():
    store, _, got = fed()
    store.dispatch(news(AUDIO, "silent virtual device", DeviceState.IN_USE, DeviceReason.OPENED))
    store.dispatch(news(RINGER, "pulse:sink=speaker", DeviceState.FAILED, DeviceReason.UNAVAILABLE,
                        "pulse:sink=speaker"))
    store.dispatch(news(RINGER, "speaker (PulseAudio)", DeviceState.IN_USE, DeviceReason.APPEARED,
                        "pulse:sink=speaker"))
    assert device_fields(got) == [
        ("audio", "silent virtual device", "in_use", "opened", None),
        ("ringer", "pulse:sink=speaker", "failed", "unavailable", "pulse:sink=speaker"),
        ("ringer", "speaker (PulseAudio)", "in_use", "appeared", "pulse:sink=speaker"),
    ]
    assert [(d.kind, d.state) for d in store.state.devices] == [(AUDIO, DeviceState.IN_USE),
                                                                 (RINGER, DeviceState.IN_USE)]


def test_a_device_chosen_in_the_picker_is_said_once_and_the_same_news_again_is_no_event():
    store, _, got = fed()
    store.dispatch(news(AUDIO, "headset / mic (PulseAudio)", DeviceState.IN_USE, DeviceReason.OPENED, HEADSET))
    store.dispatch(news(AUDIO, "headset / mic (PulseAudio)", DeviceState.IN_USE, DeviceReason.OPENED, HEADSET))
    store.dispatch(news(AUDIO, "pulse:sink=speaker,source=mic", DeviceState.CHOSEN, DeviceReason.PICKER,
                        "pulse:sink=speaker,source=mic"))
    store.dispatch(ev.LogAppended(1.0, ev.LogLevel.INFO, "console", "a log line is no device event"))
    assert device_fields(got) == [
        ("audio", "headset / mic (PulseAudio)", "in_use", "opened", HEADSET),
        ("audio", "pulse:sink=speaker,source=mic", "chosen", "picker", "pulse:sink=speaker,source=mic"),
    ]


def test_a_feed_started_late_does_not_replay_the_devices():
    store = Store()
    store.dispatch(news(AUDIO, "headset", DeviceState.IN_USE, DeviceReason.OPENED))
    store, _, got = fed(store)
    store.dispatch(news(AUDIO, "headset", DeviceState.FAILED, DeviceReason.STOPPED))
    assert device_fields(got) == [("audio", "headset", "failed", "stopped", None)]


def test_status_lists_the_devices_news_so_a_late_subscriber_starts_from_it():
    """``status`` (and ``subscribe``'s answer) is "where to start from": the latest news of each device, in the
    device event's fields, as the feed does not replay them."""
    from console.integration.control import ControlTable
    from console.store import Controller

    controller = Controller()  # display only: its store, no client
    control = ControlTable(controller)
    assert control.status()["devices"] == []
    controller.dispatch(news(AUDIO, "headset", DeviceState.FAILED, DeviceReason.STOPPED, HEADSET))
    controller.dispatch(news(RINGER, "speaker", DeviceState.IN_USE, DeviceReason.OPENED))
    assert control.status()["devices"] == [
        {"kind": "audio", "name": "headset", "state": "failed", "reason": "stopped", "spec": HEADSET},
        {"kind": "ringer", "name": "speaker", "state": "in_use", "reason": "opened", "spec": None}]
