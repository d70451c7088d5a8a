"""The attendant features over SIP (docs/SIP.md, "Attendant features over SIP") against real Kamailio with the
presence modules (docs/sip/kamailio-presence.cfg), rtpengine and baresip in its default configuration.

Lamps by the dialog event package (RFC 4235), pickup by the server's ``*8<ext>`` code, DND answered 486 and
forwarding answered 302 by the console itself.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from console_harness import Console
from sip_ws import SipWebSocket
from sipinfra import USERS
from test_calls import wait_for_calls
from test_register import OFFER

from console.core.client.sip_settings import SipDeskSettings
from console.core.directory import DirectoryEntry, PresenceState
from console.core.enums import DISC_REASON
from console.core.sip.agent import UserAgent
from console.core.sip.config import AgentConfig
from console.core.sip.message import parse
from console.core.sip.events import CallAnswered, CallEnded, CallProgress, IncomingCall, Registered
from console.media.devices import NullDevice
from console.webrtc import CALL_STATES, LOGIN_STATES

TIMEOUT = 15.0
P = PresenceState


def sip_url(kamailio) -> str:
    return f"sip+ws://127.0.0.1:{kamailio.ws_port}"


@pytest.fixture
async def desk(kamailio_presence):
    """A console (1003) with 1001 in its directory; closed at the end."""
    made: list[Console] = []

    async def make(user: str = "1003", settings: SipDeskSettings | None = None) -> Console:
        settings = settings or SipDeskSettings(directory=(DirectoryEntry("1001", "baresip"),))
        console = Console(sip_url(kamailio_presence), {"device": NullDevice(), "request_timeout": TIMEOUT,
                                                       "sip_desk": settings})
        made.append(console)
        console.lamps = []  # (monotonic time, number, state) as the presence handler got them

        def on_presence(states):
            console.lamps += [(time.monotonic(), number, state) for number, state in states.items()]
            console._poke()

        console.inst.set_presence_handler(on_presence)
        console.inst.login(console.url, False, False, user, USERS[user])
        await console.login_state(LOGIN_STATES.SUCCESS, TIMEOUT)
        return console

    yield make
    for console in made:
        await console.close()


class CallerAgent(UserAgent):
    """The caller's stack, keeping the Contact of each 302 it gets (its phone would follow it)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.redirects: dict[str, str] = {}

    def receive(self, data: bytes | str, now: float) -> None:
        raw = data.encode() if isinstance(data, str) else data
        if raw.startswith(b"SIP/2.0 302"):
            response = parse(raw)
            self.redirects[response.call_id] = str(response.contact[0].uri)
        super().receive(data, now)


@pytest.fixture
async def caller(kamailio_presence):
    """The sans-I/O stack registered as 1002 over WebSocket: the party that calls the extension."""
    opened: list[SipWebSocket] = []

    async def open_one(user: str = "1002", proxy=None) -> SipWebSocket:
        proxy = proxy or kamailio_presence
        config = AgentConfig(aor=f"sip:{user}@127.0.0.1", username=user, password=USERS[user],
                             instance_id=f"urn:uuid:{uuid.uuid4()}",
                             outbound_proxy=f"sip:127.0.0.1:{proxy.ws_port};transport=ws;lr",
                             contact_user=uuid.uuid4().hex[:8], expires=300)
        sip = SipWebSocket(CallerAgent(config), proxy.ws_url)
        await sip.connect()
        opened.append(sip)
        await sip.run(sip.agent.register)
        await sip.expect(Registered, TIMEOUT)
        return sip

    yield open_one
    for sip in opened:
        await sip.close()


async def lamp(console: Console, number: str, state: PresenceState, since: float) -> float:
    """When the lamp showed ``state`` (after ``since``)."""
    def seen():
        return next((t for t, n, s in console.lamps if n == number and s is state and t >= since), None)
    await console.until(lambda: seen() is not None, f"lamp {number} {state}; saw {console.lamps}", TIMEOUT)
    return seen()


@pytest.mark.parametrize("presence_phone", ["manual"], indirect=True)
async def test_a_lamp_follows_idle_ringing_busy_idle_within_a_second(desk, caller, presence_phone):
    """Issue 20: "lamps follow idle → ringing → busy → idle within 1 s" for an extension (baresip) called by another."""
    console = await desk()
    console.inst.request_directory()
    console.inst.subscribe_presence(True)
    await lamp(console, "1001", P.AVAILABLE, 0.0)
    assert [e.number for e in console.inst.get_directory()] == ["1001"]
    sip = await caller()
    call = await sip.run(sip.agent.calls.dial, "1001", OFFER)
    await sip.expect(CallProgress, TIMEOUT, lambda e: e.status == 180)
    rang = time.monotonic()
    assert await lamp(console, "1001", P.RINGING, 0.0) - rang < 1.0
    await asyncio.to_thread(presence_phone.command, "accept")
    await sip.expect(CallAnswered, TIMEOUT)
    answered = time.monotonic()
    assert await lamp(console, "1001", P.BUSY, rang) - answered < 1.0
    await sip.run(sip.agent.calls.hangup, call)
    await sip.expect(CallEnded, TIMEOUT)
    hung_up = time.monotonic()
    assert await lamp(console, "1001", P.AVAILABLE, answered) - hung_up < 1.0


@pytest.mark.parametrize("presence_phone", ["manual"], indirect=True)
async def test_pickup_of_a_call_ringing_at_baresip_by_the_pickup_code(desk, caller, presence_phone):
    """Issue 20: pickup "a configurable pickup code ... the call arrives right after the code call is refused and
    must be taken automatically"."""
    console = await desk()
    sip = await caller()
    call = await sip.run(sip.agent.calls.dial, "1001", OFFER)
    await sip.expect(CallProgress, TIMEOUT, lambda e: e.status == 180)
    await wait_for_calls(presence_phone, 1)
    code_call = console.watch(console.inst.pickup_ringing("1001"))
    picked = await console.next_incoming(TIMEOUT)
    answered = await sip.expect(CallAnswered, TIMEOUT)  # the caller now talks to the console, not to baresip
    assert answered.call == call
    await console.call_state(picked, CALL_STATES.CONNECTED, TIMEOUT)
    assert "1002" in (picked.get_remote_number() or "")
    assert code_call.get_state() is CALL_STATES.DISCONNECTED
    await wait_for_calls(presence_phone, 0)  # its ringing was cancelled
    await sip.run(sip.agent.calls.hangup, call)
    await console.call_state(picked, CALL_STATES.DISCONNECTED, TIMEOUT)


async def test_dnd_answers_a_caller_486(desk, caller):
    """Issue 20: "DND answers 486 (or 480) locally": the caller's side sees 486 Busy Here."""
    console = await desk("1000")
    settings = []
    console.inst.set_setting_handler(settings.append)
    console.inst.set_dnd(True)
    await console.until(lambda: "dnd" in settings, "DND taken")
    sip = await caller()
    await sip.run(sip.agent.calls.dial, "1000", OFFER)
    ended = await sip.expect(CallEnded, TIMEOUT)
    assert (ended.status, ended.reason) == (486, DISC_REASON.BUSY)
    assert console.incoming.empty()
    console.inst.set_dnd(False)
    await console.until(lambda: settings.count("dnd") == 2, "DND off")
    call = await sip.run(sip.agent.calls.dial, "1000", OFFER)
    incoming = await console.next_incoming(TIMEOUT)
    incoming.decline()
    await sip.expect(CallEnded, TIMEOUT, lambda e: e.call == call)


async def test_forwarding_always_sends_the_caller_to_the_target(desk, caller, presence_phone):
    """Issue 20: "forwarding by 302 with a Contact": the caller gets 302 naming the target and reaches it there."""
    console = await desk("1000")
    settings = []
    console.inst.set_setting_handler(settings.append)
    console.inst.set_forwarding(always="1001")
    await console.until(lambda: "forwarding" in settings, "forwarding taken")
    sip = await caller()
    await sip.run(sip.agent.calls.dial, "1000", OFFER)
    ended = await sip.expect(CallEnded, TIMEOUT)
    assert (ended.status, ended.reason) == (302, DISC_REASON.REDIRECTED)
    assert sip.agent.redirects[ended.call] == "sip:1001@127.0.0.1"
    # the caller's phone follows the Contact (RFC 3261 8.1.3.4): baresip, at 1001, answers
    await sip.run(sip.agent.calls.dial, sip.agent.redirects[ended.call], OFFER)
    await sip.expect(CallAnswered, TIMEOUT)
    await wait_for_calls(presence_phone, 1)
    assert console.incoming.empty()


@pytest.mark.parametrize("presence_phone", ["manual"], indirect=True)
@pytest.mark.parametrize("via", ["lamps", "search"])
async def test_switchboard_lamps_show_a_ringing_extension_and_enter_picks_its_call_up(kamailio_presence, caller,
                                                                                    presence_phone, tmp_path, via):
    """Issue 20: "The switchboard over SIP: lamps (`b`), search, pickup ... as on the embedded switch": the lamp
    screen (or the search, `/`) over SIP shows 1001 ringing, Enter on it picks the call up (the server's *8 code,
    the call then sent here answered at once)."""
    from test_switchboard import SIZE, logged_in

    from console.persist import AppDirs, CallHistory, Config, SessionFile, Settings
    from console.store import Controller, LoginPlan, client_factory
    from console.ui import build_app
    from console.ui.screens.lamps import LampsScreen
    from ui.conftest import Console as Board, until

    dirs = AppDirs(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    settings = SipDeskSettings(directory=(DirectoryEntry("1001", "baresip"),))
    store = Controller(client_factory(device="null", sip_desk=settings), sessions=SessionFile(dirs),
                       history=CallHistory(dirs), media=True)
    plan = LoginPlan(server=sip_url(kamailio_presence), username="1003", password=USERS["1003"], auto_login=True)
    board = Board(build_app(Settings(config=Config(), dirs=dirs), store, plan), store)
    async with board.app.run_test(size=SIZE) as pilot:
        await until(store, logged_in, TIMEOUT)
        await until(store, lambda s: s.desk.presence_of("1001") is P.AVAILABLE, TIMEOUT)
        if via == "lamps":
            await pilot.press("b")
            assert isinstance(board.app.screen, LampsScreen)
        sip = await caller()
        call = await sip.run(sip.agent.calls.dial, "1001", OFFER)
        await until(store, lambda s: s.desk.presence_of("1001") is P.RINGING, TIMEOUT)
        if via == "search":
            await pilot.press("slash", *"1001")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await sip.expect(CallAnswered, TIMEOUT, lambda e: e.call == call)
        state = await until(store, lambda s: any(c.state is CALL_STATES.CONNECTED and "1002" in c.remote_number
                                                 for c in s.calls), TIMEOUT)
        assert state.desk.presence_of("1001") is not P.RINGING
        await wait_for_calls(presence_phone, 0)
        await sip.run(sip.agent.calls.hangup, call)
    await store.aclose()


async def test_forwarding_on_no_answer_after_the_call_rang_here(desk, caller, presence_phone):
    """Issue 20: forwarding "(always/busy/noanswer), configurable": unanswered for ``after`` seconds, the call
    ringing at the console is answered 302 and the caller reaches the target."""
    console = await desk("1000")
    settings = []
    console.inst.set_setting_handler(settings.append)
    console.inst.set_forwarding(no_answer="1001", after=1.0)
    await console.until(lambda: "forwarding" in settings, "forwarding taken")
    sip = await caller()
    await sip.run(sip.agent.calls.dial, "1000", OFFER)
    ringing = await console.next_incoming(TIMEOUT)
    ended = await sip.expect(CallEnded, TIMEOUT)
    assert (ended.status, ended.reason) == (302, DISC_REASON.REDIRECTED)
    await console.call_state(ringing, CALL_STATES.DISCONNECTED, TIMEOUT)
    await sip.run(sip.agent.calls.dial, sip.agent.redirects[ended.call], OFFER)
    await sip.expect(CallAnswered, TIMEOUT)
    await wait_for_calls(presence_phone, 1)


@pytest.fixture
async def own_presence(tmp_path, rtpengine):
    """A presence Kamailio of this test alone: it is restarted."""
    from sipinfra import KamailioPresence

    proxy = KamailioPresence(tmp_path, rtpengine.ng_port)
    try:
        proxy.start()
        yield proxy
    finally:
        proxy.stop()


async def test_lamps_are_subscribed_again_after_the_server_restarts(own_presence, caller):
    """Issue 20: lamps "re-subscribed after restore and reconnect": Kamailio restarts and forgets every
    subscription; the switchboard's instance reconnects, registers again and subscribes again, so the lamp of
    1000 rings when 1002 calls it after the restart."""
    settings = SipDeskSettings(directory=(DirectoryEntry("1000", "console"),))
    console = Console(sip_url(own_presence), {"device": NullDevice(), "request_timeout": TIMEOUT, "sip_desk": settings,
                                              "auto_reconnect": True})
    console.lamps = []
    console.inst.set_presence_handler(lambda states: (console.lamps.extend((time.monotonic(), n, s) for n, s in states.items()),
                                                      console._poke()))
    try:
        console.inst.login(console.url, False, False, "1003", USERS["1003"])
        await console.login_state(LOGIN_STATES.SUCCESS, TIMEOUT)
        console.inst.subscribe_presence(True)
        await lamp(console, "1000", P.AVAILABLE, 0.0)
        await asyncio.to_thread(own_presence.restart)
        await console.until(lambda: LOGIN_STATES.CONNECTION_LOST in console.logins, "the loss", TIMEOUT)
        await console.login_state(LOGIN_STATES.SUCCESS, TIMEOUT * 2)
        callee = await caller("1000", own_presence)
        sip = await caller("1002", own_presence)
        since = time.monotonic()
        await sip.run(sip.agent.calls.dial, "1000", OFFER)
        incoming = await callee.expect(IncomingCall, TIMEOUT)
        await callee.run(callee.agent.calls.accept, incoming.call)
        await lamp(console, "1000", P.RINGING, since)
        await sip.run(sip.agent.calls.hangup, incoming.call)
        await lamp(console, "1000", P.AVAILABLE, since)
    finally:
        await console.close()
