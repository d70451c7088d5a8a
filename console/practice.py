"""Practice callers: ring N callers at a number on a running switch, for training and load
(``anynode-console practice``).

Each caller is a client of its own through the public client API (``console.webrtc``: one WebRtcInstance, one
login, one call), not hand-made protocol frames: it takes the login, SDP and aiortc media path every console
takes, so it works against any server the console itself can log in to and needs no wire code of its own to keep
in step with docs/PROTOCOL.md. The F5 demo caller cannot be reused here: it is ``Switch.originate`` inside the
console's own process, and a standalone switch is another process.

Who calls: the switch routes a call from the number its session registered, so each caller logs in with its own
number (``+4930555001``, ``+4930555002``, ...: the switch must let consoles register numbers nobody owns, as the
demo directory's ``open_numbers`` does; ``own_numbers`` logs in with the users' own numbers instead) and dials with
its own display name ("Caller 01", ...). The logins take turns over ``users`` (the demo's alice, bob and carol:
the directory's users who may call the operator; the guest may dial only 9*). Each caller plays music on hold
(the switch's own arpeggio) as its microphone and keeps its call up until the far end ends it, the call fails, or
the command stops (unanswered within the switch's ring timeout, it calls again); then it hangs up and logs out,
so the switch keeps nothing of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from typing import Callable

from console.media.devices import NullDevice
from console.switch.media import MUSIC_HZ
from console.switch.services import Arpeggio
from console.webrtc import CALL_STATES, DISC_REASON, LOGIN_STATES, WebRtcCall, WebRtcInstance

MAX_CALLERS = 64  # the switch's default connections per address (max_connections_per_address)
DEMO_USERS = ("alice", "bob", "carol")
NUMBER_PREFIX = "+4930555"
LOGIN_TIMEOUT = 20.0
HANGUP_TIMEOUT = 5.0
# A call nobody answered within the switch's ring timeout rings again (as a caller calls back), so the board stays
# full until the operator ends the calls; one that ended sooner than this (nobody there) does not, so never in a loop
REDIAL_AFTER = 5.0

# This process's own event loop carries every caller's media: 50 RTP packets a second each way per caller, and
# asyncio reads one datagram per socket per turn of the loop. Once its wake-ups come this late, packets queue in
# the sockets (seen: up to 1.3 s of audio on one socket with a median of 50-110 ms) and the callers' audio (and
# their ICE consent answers) arrive late: the tool says so, once.
LOOP_LATE = 0.05  # s: the median lateness of the loop's wake-ups over LOOP_WINDOW that is reported
LOOP_EVERY = 0.5  # s between samples
LOOP_WINDOW = 10  # samples (5 s)

log = logging.getLogger("console.practice")


class LoopLag:
    """Sans-I/O: how late this process's event loop wakes up (fed each sample's lateness in seconds).

    :meth:`sample` returns the window's median once it reaches ``limit`` (one report per episode: it
    re-arms when the median is back under half the limit), else None."""

    def __init__(self, limit: float = LOOP_LATE, window: int = LOOP_WINDOW) -> None:
        if limit <= 0 or window < 1:
            raise ValueError(f"loop lag: limit > 0 and window >= 1, not {limit!r}, {window!r}")
        self.limit = limit
        self._window: deque[float] = deque(maxlen=window)
        self._reported = False

    def sample(self, late: float) -> float | None:
        self._window.append(max(0.0, late))
        if len(self._window) < (self._window.maxlen or 1):
            return None
        median = sorted(self._window)[len(self._window) // 2]
        if median < self.limit / 2:
            self._reported = False
        if median < self.limit or self._reported:
            return None
        self._reported = True
        return median


async def watch_loop(report: Callable[[str], None], callers: int, every: float = LOOP_EVERY) -> None:
    """Say when this process falls behind its callers' media (see LOOP_LATE); runs until cancelled."""
    loop = asyncio.get_running_loop()
    lag = LoopLag()
    while True:
        start = loop.time()
        await asyncio.sleep(every)
        late = lag.sample(loop.time() - start - every)
        if late is not None:
            report(f"this process wakes up {late * 1000:.0f} ms late for its {callers} callers' media (a busy "
                   f"machine, or too many callers for one process): their audio arrives late; run fewer --callers "
                   f"per process (several processes if need be)")


@dataclass(frozen=True)
class PracticeCaller:
    index: int
    username: str
    number: str | None  # None: the user's own number
    name: str


def plan_callers(count: int, users: tuple[str, ...] = DEMO_USERS, *, own_numbers: bool = False,
                 prefix: str = NUMBER_PREFIX) -> list[PracticeCaller]:
    """``count`` callers with distinct numbers and names, their logins taking turns over ``users``."""
    if not 1 <= count <= MAX_CALLERS:
        raise ValueError(f"practice callers: 1 to {MAX_CALLERS}, not {count}")
    if not users:
        raise ValueError("practice callers need a user to log in as")
    return [PracticeCaller(i, users[(i - 1) % len(users)], None if own_numbers else f"{prefix}{i:03d}",
                           f"Caller {i:02d}") for i in range(1, count + 1)]


class _Sink:
    """Where a caller's received audio goes: nowhere (``set_audio_element`` needs one to start media)."""

    def write(self, frame: object) -> None:
        pass


class _Line:
    """One practice caller: its client, its call, and futures for what the caller waits on."""

    def __init__(self, caller: PracticeCaller, report: Callable[[str], None], ca_file: str | None) -> None:
        self.caller = caller
        self.report = report
        loop = asyncio.get_running_loop()
        self.logged_in: asyncio.Future[LOGIN_STATES] = loop.create_future()
        self.logged_out = asyncio.Event()
        self.ended = asyncio.Event()
        self.call: WebRtcCall | None = None
        self.target = ""
        self.closing = False
        self._dialed_at = 0.0
        device = NullDevice(mic=Arpeggio(MUSIC_HZ).frame)
        self.inst = WebRtcInstance(self._on_login, self._on_incoming, "anynode-console practice", device=device,
                                   ca_file=ca_file, diagnostics_to_stderr=False)
        self.inst.set_error_handler(lambda call, message: log.info("caller %s: %s", caller.index, message))

    def _on_login(self, state: LOGIN_STATES) -> None:
        if not self.logged_in.done() and state is not LOGIN_STATES.CONNECTING:
            self.logged_in.set_result(state)
        if state is not LOGIN_STATES.SUCCESS and state is not LOGIN_STATES.CONNECTING:
            self.logged_out.set()
            self.ended.set()  # a lost login ends the caller's call with it

    def _on_incoming(self, call: WebRtcCall) -> None:
        call.decline()  # a practice caller only calls

    def _on_state(self, call: WebRtcCall, state: CALL_STATES) -> None:
        if state is not CALL_STATES.DISCONNECTED or call is not self.call or self.ended.is_set():
            return
        reason = call.get_disconnect_reason()
        loop = asyncio.get_running_loop()
        if reason is DISC_REASON.NOTRESPONDING and not self.closing and loop.time() - self._dialed_at >= REDIAL_AFTER:
            self.report(f"{self.label} was not answered: calls again")
            loop.call_soon(self.dial, self.target)
            return
        self.ended.set()
        self.report(f"{self.label} ended ({reason.name if reason else 'no reason'})")

    @property
    def label(self) -> str:
        return f"{self.caller.name} {self.caller.number or '(' + self.caller.username + ')'}"

    async def login(self, server: str, password: str) -> LOGIN_STATES | None:
        secure = not server.strip().lower().startswith("ws://")
        self.inst.login(server, secure, False, self.caller.username, password, self.caller.number)
        try:
            state = await asyncio.wait_for(asyncio.shield(self.logged_in), LOGIN_TIMEOUT)
        except TimeoutError:
            state = None
        if state is not LOGIN_STATES.SUCCESS:
            self.report(f"{self.label}: login as {self.caller.username} failed ({state.name if state else 'no answer'})")
        return state

    def dial(self, target: str) -> None:
        if self.closing:
            return
        self.target = target
        self._dialed_at = asyncio.get_running_loop().time()
        call = self.inst.create_outgoing_call()
        self.call = call
        call.set_call_state_handler(self._on_state)
        call.set_audio_element(_Sink())  # starts media: the arpeggio is what the far end hears
        call.dial(target, self.caller.name)

    async def close(self) -> None:
        """Hang up and log out (the switch would otherwise keep the session and its call for their lifetime)."""
        self.closing = True
        try:
            if self.call is not None and self.call.get_state() is CALL_STATES.DISCONNECTED:
                self.ended.set()  # a call-again was due: it is not placed
            if self.call is not None and not self.ended.is_set():
                self.call.disconnect()
                await _wait(self.ended, HANGUP_TIMEOUT)
            if self.inst.login_state is LOGIN_STATES.SUCCESS:
                self.inst.logout()
                await _wait(self.logged_out, HANGUP_TIMEOUT)
        finally:
            await self.inst.aclose()


async def _wait(event: asyncio.Event, timeout: float) -> None:
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except TimeoutError:
        pass


async def ring_practice_callers(server: str, callers: list[PracticeCaller], target: str,
                                password_for: Callable[[str], str], *, report: Callable[[str], None] = print,
                                ca_file: str | None = None) -> int:
    """Log each caller in (one after another: password checks queue at the switch), dial ``target``, and
    keep the calls up until every one has ended or this is cancelled (Ctrl-C); then hang up and log out.

    Returns how many callers rang (0: none could log in)."""
    lines: list[_Line] = []
    try:
        for caller in callers:
            line = _Line(caller, report, ca_file)
            lines.append(line)
            state = await line.login(server, password_for(caller.username))
            if state is LOGIN_STATES.SUCCESS:
                line.dial(target)
                report(f"{line.label} is calling {target}")
                continue
            line.ended.set()
            if state is LOGIN_STATES.SERVER_ACCESS:  # no switch there: the others would fail the same way
                break
        rang = sum(1 for line in lines if line.call is not None)
        if rang:
            report(f"{rang} practice caller(s) up until their calls end; Ctrl-C hangs them all up")
            watch = asyncio.get_running_loop().create_task(watch_loop(report, rang), name="practice loop lag")
            try:
                await asyncio.gather(*(line.ended.wait() for line in lines))
            finally:
                watch.cancel()
        return rang
    finally:
        await asyncio.shield(asyncio.gather(*(line.close() for line in lines), return_exceptions=True))
