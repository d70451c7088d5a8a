"""``device`` events from a real sound card: a console on a private PulseAudio server, its headset sink
unloaded and loaded again, the event feed (console.integration) hearing it through the store. Issue 21: the
event stream carries "every login state, call state with reason, transfer, park, recall, conference, presence
and device change"."""

from __future__ import annotations

import asyncio


from console.core.device_change import DeviceKind, DeviceState
from console.integration.service import EventService
from console.store import Controller, client_factory

HEADSET = "pulse:sink=headset,source=mic"
RINGER = "pulse:sink=speaker"
TIMEOUT = 20.0  # the watch looks for the sink every second; a loaded machine may be slow to open a stream


class Console:
    """A console (Controller with media) logged in to the embedded switch, its feed's ``device`` events queued."""

    def __init__(self, device: str, ringer: str) -> None:
        self.controller = Controller(client_factory(device=device, ringer=ringer), media=True)
        self.service = EventService(self.controller, None)
        self.heard: asyncio.Queue[dict] = asyncio.Queue()
        self.service.feed.add_sink(lambda event: self.heard.put_nowait(event) if event["type"] == "device" else None)

    async def next_device(self, what: str) -> dict:
        try:
            return await asyncio.wait_for(self.heard.get(), TIMEOUT)
        except TimeoutError:
            raise AssertionError(f"no device event: {what}; last log: "
                                 f"{[line.text for line in self.controller.state.log[-6:]]}") from None

    async def aclose(self) -> None:
        await self.service.aclose()
        await self.controller.aclose()



def fields(event: dict) -> tuple:
    return event["kind"], event["state"], event["reason"], event["spec"]


async def test_an_unplugged_headset_is_a_failed_then_restored_device_event_on_the_feed(pulse, switch):
    """The console opens the headset and the ringer at login (in_use), the headset's sink vanishes (failed:
    the silent device stands in) and comes back (restored): one ``device`` event each, in that order."""
    console = Console(HEADSET, RINGER)
    controller, heard, next_device = console.controller, console.heard, console.next_device
    try:
        controller.login(switch.url, "alice", "alice")
        opened = [await next_device("the devices opened at login") for _ in range(2)]
        assert [fields(e) for e in opened] == [
            ("audio", "in_use", "opened", HEADSET), ("ringer", "in_use", "opened", RINGER)]
        name = opened[0]["name"]
        assert "headset" in name

        pulse.unload_sink("headset")
        failed = await next_device("the headset's sink vanished")
        assert {k: failed[k] for k in ("kind", "name", "state", "reason", "spec")} == {
            "kind": "audio", "name": name, "state": "failed", "reason": "stopped", "spec": HEADSET}
        assert controller.state.device(DeviceKind.AUDIO).state is DeviceState.FAILED
        assert controller.client.hub.degraded

        pulse.load_sink("headset")
        restored = await next_device("the headset's sink is back")
        assert {k: restored[k] for k in ("kind", "name", "state", "reason", "spec")} == {
            "kind": "audio", "name": name, "state": "restored", "reason": None, "spec": HEADSET}
        assert controller.state.device(DeviceKind.RINGER).state is DeviceState.IN_USE  # the ringer never failed
        assert heard.empty()  # one event each: the notices the operator reads are not events of their own
    finally:
        await console.aclose()


async def test_a_ringer_missing_at_start_is_failed_then_in_use_when_its_sink_appears(pulse, switch):
    """A ringer named in the config whose sink is not there at login: ``failed`` (``unavailable``), the silent
    device stands in; the sink is loaded: ``in_use`` (``appeared``). The headset is in use all along."""
    console = Console(HEADSET, "pulse:sink=late")
    try:
        console.controller.login(switch.url, "alice", "alice")
        opened = [await console.next_device("the devices at login") for _ in range(2)]
        assert [fields(e) for e in opened] == [("audio", "in_use", "opened", HEADSET),
                                               ("ringer", "failed", "unavailable", "pulse:sink=late")]
        pulse.load_sink("late")
        appeared = await console.next_device("the ringer's sink appeared")
        assert fields(appeared) == ("ringer", "in_use", "appeared", "pulse:sink=late")
        assert "late" in appeared["name"]
        assert console.controller.state.device(DeviceKind.AUDIO).state is DeviceState.IN_USE
    finally:
        await console.aclose()
