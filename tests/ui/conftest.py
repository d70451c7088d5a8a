"""Pilot-test helpers: the real embedded switch on 127.0.0.1 port 0, a real client, the real app.

Nothing is faked: the controller owns a real ``WebRtcInstance`` talking websockets
to a real ``Switch``. Media is off (signaling-only calls) to keep the tests
quick; the media layer has its own tests. Waiting is always for a store state,
with a timeout, never a sleep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest

from console.persist import AppDirs, CallHistory, Config, SessionFile, Settings
from console.store import AppState, Controller, LoginPlan, Store, client_factory
from console.ui import SwitchboardApp, build_app

from store_wait import TIMEOUT, until  # noqa: F401 - the tests import until from here



@pytest.fixture
def dirs(tmp_path) -> AppDirs:
    return AppDirs(config_dir=tmp_path / "config", data_dir=tmp_path / "data")


@dataclass
class Console:
    app: SwitchboardApp
    controller: Controller

    @property
    def store(self) -> Store:
        return self.controller.store

    async def until(self, predicate: Callable[[AppState], bool], timeout: float = TIMEOUT) -> AppState:
        return await until(self.store, predicate, timeout)


def make_console(dirs: AppDirs, plan: LoginPlan, config: Config | None = None, linger: float = 5.0,
                 **store_options) -> Console:
    from console.persist import BoardFile

    config = config or Config()
    controller = Controller(client_factory(device=None), sessions=SessionFile(dirs), history=CallHistory(dirs),
                            media=False, linger=linger, board=BoardFile(dirs), auto_accept=config.auto_accept,
                            **store_options)
    settings = Settings(config=config, dirs=dirs)
    return Console(build_app(settings, controller, plan, cursor_blink=False), controller)


async def far_end(switch, username: str) -> Controller:
    """A headless test console logged in as ``username``: the far end of a call (caller or callee)."""
    controller = Controller(client_factory(device=None), media=False)
    controller.login(switch.url, username, username)
    await until(controller, lambda s: s.login.logged_in)
    return controller


def operator_plan(switch, **changes) -> LoginPlan:
    """The embedded default: log in as the operator (200) automatically, with a demo caller."""
    from console.switch.media import ServiceKind

    async def demo_call() -> str:
        call_id = await switch.originate("201", "Alice", "200", ServiceKind.TONE)
        return f"demo call {call_id} from 201 Alice"

    values = dict(server=switch.url, username="operator", password="operator", auto_login=True, embedded=True,
                  demo_call=demo_call, directory=(("201", "Alice"), ("202", "Bob"), ("9001", "Tone 1 kHz")))
    values.update(changes)
    return LoginPlan(**values)
