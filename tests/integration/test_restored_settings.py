"""After a crash of the console (kill -9) and a restart, what an outside program hears of the desk: the restored
DND, forwarding and queue pause, on the event stream and in ``ctl status``, against the real embedded switch."""

from __future__ import annotations

import pytest

from console.integration import EventFeed
from console.integration.control import ControlTable
from console.persist.paths import AppDirs
from console.store import Controller
from demo_switch import running_switch
from store_wait import log_in_with_files, with_files

from .conftest import until


@pytest.fixture
async def switch():
    from console.switch.queue_config import QueueConfig

    async with running_switch(queues=(QueueConfig("100", "Reception", ("operator",)),)) as sw:
        yield sw


async def test_a_restart_says_the_restored_settings_once_and_as_the_switch_has_them(switch, tmp_path):
    """docs/EVENTS.md: ``settings`` "DND, forwarding or the queue pause changed" and ``ctl status`` gives "its desk
    settings". Found driving the switchboard: after a kill -9 the switch kept DND, forwarding and the pause while
    the restarted console showed none of them. A restored console says them once, in one ``settings`` event with
    what the switch has (not one partial event per setting as the switch confirms each), and status agrees."""
    dirs = AppDirs(config_dir=tmp_path / "config", data_dir=tmp_path / "data")

    def console() -> Controller:
        return with_files(dirs)

    first = await log_in_with_files(switch.url, dirs)
    assert first.desk.set_dnd(True) and first.desk.set_forwarding(busy="201") and first.desk.queues.toggle_pause()
    await until(first, lambda s: s.desk.dnd and s.desk.forwarding and s.desk.queue_paused)
    await first.aclose()  # kill -9: no logout, the session lives on at the switch

    second = console()
    feed = EventFeed(second.store)
    got: list[dict] = []
    feed.add_sink(got.append)
    try:
        assert second.restore(switch.url)
        said = ("do not disturb on", "forwarding: busy → 201", "paused in queue 100")  # the switch took each again
        await until(second, lambda s: all(any(line.text == t for line in s.log) for t in said))
        settings = [e for e in got if e["type"] == "settings"]
        assert [(e["dnd"], e["forwarding"], e["queue_paused"]) for e in settings] == [(True, "busy → 201", True)]
        status = ControlTable(second).status()
        assert (status["dnd"], status["forwarding"], status["queue_paused"]) == (True, "busy → 201", True)
        prefs = switch.exchange.prefs["200"]
        assert prefs.dnd and prefs.busy == "201" and switch.exchange.queues["100"].paused == {"200"}
    finally:
        feed.close()
        await second.aclose()
