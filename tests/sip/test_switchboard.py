"""The switchboard over SIP: the same app, screen and keys against Kamailio, with baresip as the far end."""

from __future__ import annotations

import asyncio
import json

from test_calls import wait_for_calls

from console.core.enums import CALL_STATES, DISC_REASON, LOGIN_STATES
from console.persist import AppDirs, CallHistory, Config, SessionFile, Settings
from console.store import LoginPlan, Controller, client_factory
from console.ui import build_app
from console.ui.widgets import LoginStatus
from ui.conftest import Console, until  # the UI tests' helpers (tests/ is on sys.path)

SIZE = (130, 32)
TIMEOUT = 15.0


def logged_in(state) -> bool:
    return state.login.state is LOGIN_STATES.SUCCESS


def slot_state(slot: int, state: CALL_STATES):
    return lambda s: s.call_in(slot) is not None and s.call_in(slot).state is state


async def test_switchboard_logs_in_over_sip_dials_holds_and_hangs_up(kamailio, baresip, tmp_path):
    dirs = AppDirs(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    server = f"sip+ws://127.0.0.1:{kamailio.ws_port}"
    store = Controller(client_factory(device="null"), sessions=SessionFile(dirs), history=CallHistory(dirs), media=True)
    plan = LoginPlan(server=server, username="1000", password="secret1000", auto_login=True)
    console = Console(build_app(Settings(config=Config(), dirs=dirs), store, plan), store)
    async with console.app.run_test(size=SIZE) as pilot:
        await until(store, logged_in, TIMEOUT)
        await pilot.pause(0.6)  # a tick of the app's clock refreshes the link details
        status = str(console.app.screen.query_one(LoginStatus).render())
        assert "AOR sip:1000@127.0.0.1" in status and "registration expires in" in status, status
        assert "transport ws, keep-alive" in status, status

        await pilot.press("d", *"1001", "enter")
        state = await until(store, lambda s: any(c.state is CALL_STATES.CONNECTED for c in s.calls), TIMEOUT)
        slot = next(c.slot for c in state.calls if c.state is CALL_STATES.CONNECTED)
        saved = SessionFile(dirs).get(server)
        assert saved and saved.startswith("sip1.")
        await pilot.press("h")
        await until(store, slot_state(slot, CALL_STATES.HELD), TIMEOUT)
        await pilot.press("u")
        await until(store, slot_state(slot, CALL_STATES.CONNECTED), TIMEOUT)
        await pilot.press("e")
        await until(store, lambda s: s.call_in(slot) is None or s.call_in(slot).state is CALL_STATES.DISCONNECTED,
                    TIMEOUT)
        await wait_for_calls(baresip, 0)
        # the switchboard asks SIP for nothing it cannot carry (no presence subscription refused at login)
        assert not [line.text for line in store.state.log if "not supported" in line.text], store.state.log
        history = json.loads((dirs.data_dir / "history.json").read_text()) if (dirs.data_dir / "history.json").exists() else None
        assert history is None or str(DISC_REASON.USERTERMINATED) in json.dumps(history)
    await store.aclose()


async def test_switchboard_answers_baresip_and_a_restarted_switchboard_gets_the_call_back(kamailio, baresip, tmp_path):
    dirs = AppDirs(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    server = f"sip+ws://127.0.0.1:{kamailio.ws_port}"

    def console(plan: LoginPlan) -> Console:
        store = Controller(client_factory(device="null"), sessions=SessionFile(dirs), history=CallHistory(dirs), media=True)
        return Console(build_app(Settings(config=Config(), dirs=dirs), store, plan), store)

    first = console(LoginPlan(server=server, username="1000", password="secret1000", auto_login=True))
    async with first.app.run_test(size=SIZE) as pilot:
        await until(first.store, logged_in, TIMEOUT)
        await asyncio.to_thread(baresip.command, "dial", f"sip:1000@127.0.0.1:{baresip.kamailio_port}")
        state = await until(first.store, lambda s: any(c.state is CALL_STATES.OFFERING for c in s.calls), TIMEOUT)
        slot = next(c.slot for c in state.calls if c.state is CALL_STATES.OFFERING)
        await pilot.press("a")
        await until(first.store, slot_state(slot, CALL_STATES.CONNECTED), TIMEOUT)
        await until(first.store, lambda s: '"calls":[{' in _decoded(SessionFile(dirs).get(server)), TIMEOUT)
    await first.controller.aclose()  # the app ends without logging out: the call stays up at baresip

    second = console(LoginPlan(server=server, username="1000", password="", auto_login=False))
    async with second.app.run_test(size=SIZE):
        state = await until(second.store, lambda s: logged_in(s) and any(c.state is CALL_STATES.CONNECTED
                                                                            for c in s.calls), TIMEOUT)
        call = next(c for c in state.calls if c.state is CALL_STATES.CONNECTED)
        assert call.restored
        await asyncio.to_thread(baresip.command, "hangup")
        await until(second.store, lambda s: s.call_in(call.slot) is None
                    or s.call_in(call.slot).state is CALL_STATES.DISCONNECTED, TIMEOUT)
    await second.controller.aclose()


def _decoded(identifier: str | None) -> str:
    from console.core.client.sipmap import decode_identifier

    data = decode_identifier(identifier or "")
    return json.dumps(data, separators=(",", ":")) if data else ""


async def test_switchboard_parks_a_sip_call_on_the_strip_and_g_picks_it_up(kamailio, baresip, tmp_path):
    """Issue 20: the park strip over SIP as on the embedded switch. A bare Kamailio keeps no calls, so `p` parks
    locally (held here with music, on orbit 701): the strip shows it; `g` takes it off hold."""
    from console.ui.widgets.parkstrip import ParkStrip

    dirs = AppDirs(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    server = f"sip+ws://127.0.0.1:{kamailio.ws_port}"
    store = Controller(client_factory(device="null"), sessions=SessionFile(dirs), history=CallHistory(dirs), media=True)
    plan = LoginPlan(server=server, username="1000", password="secret1000", auto_login=True)
    console = Console(build_app(Settings(config=Config(), dirs=dirs), store, plan), store)
    async with console.app.run_test(size=SIZE) as pilot:
        await until(store, logged_in, TIMEOUT)
        await pilot.press("d", *"1001", "enter")
        state = await until(store, lambda s: any(c.state is CALL_STATES.CONNECTED for c in s.calls), TIMEOUT)
        slot = next(c.slot for c in state.calls if c.state is CALL_STATES.CONNECTED)
        await pilot.press("p")
        await until(store, lambda s: any(o.orbit == "701" and o.occupied for o in s.desk.orbits), TIMEOUT)
        await until(store, slot_state(slot, CALL_STATES.HELD), TIMEOUT)
        await pilot.pause()
        strip = str(console.app.screen.query_one(ParkStrip).render())
        assert "701" in strip and "1001" in strip, strip
        await pilot.press("g")
        await until(store, slot_state(slot, CALL_STATES.CONNECTED), TIMEOUT)
        await until(store, lambda s: not any(o.occupied for o in s.desk.orbits), TIMEOUT)
        assert len([c for c in store.state.calls if not c.ended]) == 1  # picked up, not dialled again
        await pilot.press("e")
        await wait_for_calls(baresip, 0)
    await store.aclose()
