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


async def test_an_unplugged_headset_is_a_failed_then_restored_device_event_on_the_feed(pulse):
    """The console opens the headset and the ringer at login (in_use), the headset's sink vanishes (failed:
    the silent device stands in) and comes back (restored): one ``device`` event each, in that order."""
    from console.switch.demo import demo_config
    from console.switch.server import Switch

    switch = await Switch.start(demo_config(port=0, media=False))
    controller = Controller(client_factory(device=HEADSET, ringer=RINGER), media=True)
    service = EventService(controller, None)
    heard: asyncio.Queue[dict] = asyncio.Queue()
    service.feed.add_sink(lambda event: heard.put_nowait(event) if event["type"] == "device" else None)

    async def next_device(what: str) -> dict:
        try:
            return await asyncio.wait_for(heard.get(), TIMEOUT)
        except TimeoutError:
            raise AssertionError(f"no device event: {what}; last log: "
                                 f"{[line.text for line in controller.state.log[-6:]]}") from None

    try:
        controller.login(switch.url, "alice", "alice")
        opened = [await next_device("the devices opened at login") for _ in range(2)]
        assert [(e["kind"], e["state"], e["reason"], e["spec"]) for e in opened] == [
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
        assert heard.empty()
        assert [e["seq"] for e in (*opened, failed, restored)] == sorted(e["seq"] for e in (*opened, failed, restored))
    finally:
        await service.aclose()
        await controller.aclose()
        await switch.aclose()
