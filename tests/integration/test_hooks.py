"""Screen pop and webhooks (issue 21): real local HTTP receivers, real processes, never blocking the caller.

Issue 21: "on ringing / answered / ended, open a configured URL template or run a configured command with the
caller's number and name (no shell injection: arguments, not a shell line); POST events to configured webhook
URLs with a timeout, retries and a bounded queue, never blocking the UI."
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import socket
import ssl
import sys
import textwrap
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

from console.integration.hooks import EVENT_HEADER, SIGNATURE_HEADER, ScreenPop, WebhookSink, signature, start_hooks
from console.persist import HooksConfig
from store_wait import polled
from store_wait import until as store_until

TIMEOUT = 10.0
HOSTILE = '"; rm -rf ~ $(touch pwned) `id` & echo {name}'
HOOKS_LOG = "console.integration.hooks"


# -- a real local HTTP receiver -----------------------------------------------------------------
@dataclass(frozen=True)
class Received:
    method: str
    target: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


class Receiver:
    """asyncio on 127.0.0.1 port 0. Records every request and answers with the next scripted status (else 200);
    while held it records but does not answer (a slow receiver; never released: one that never answers)."""

    def __init__(self) -> None:
        self.requests: asyncio.Queue[Received] = asyncio.Queue()
        self.statuses: deque[int] = deque()
        self._answer = asyncio.Event()
        self._answer.set()
        self._handlers: set[asyncio.Task[Any]] = set()
        self.server: asyncio.Server | None = None
        self.url = ""

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> Receiver:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=ssl_context)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}/hook?from=console"
        return self

    def hold(self) -> None:
        self._answer.clear()

    def release(self) -> None:
        self._answer.set()

    async def next(self, timeout: float = TIMEOUT) -> Received:
        async with asyncio.timeout(timeout):
            return await self.requests.get()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            request_line = (await reader.readline()).decode("latin-1").rstrip("\r\n")
            if not request_line:
                return
            method, target, _ = request_line.split(" ", 2)
            headers: dict[str, str] = {}
            while line := (await reader.readline()).decode("latin-1").rstrip("\r\n"):
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.put_nowait(Received(method, target, headers, body))
            await self._answer.wait()
            status = self.statuses.popleft() if self.statuses else 200
            writer.write(f"HTTP/1.1 {status} Scripted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()
            self._handlers.discard(task)

    async def aclose(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self.server is not None:
            await self.server.wait_closed()


def dead_url() -> str:
    """An http:// URL on 127.0.0.1 where nothing listens (a port just released): connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


@pytest.fixture
async def receivers():
    made: list[Receiver] = []

    async def make(**kwargs: Any) -> Receiver:
        receiver = await Receiver().start(**kwargs)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        await receiver.aclose()


@pytest.fixture
async def closing():
    """Sinks closed (their tasks ended, their processes killed) at the end of the test."""
    sinks: list[WebhookSink | ScreenPop] = []
    yield sinks.append
    for sink in sinks:
        sink.close()  # at once: what a test leaves queued is not given the close's grace
        await sink.aclose()


# -- helpers ------------------------------------------------------------------------------------
def call_event(kind: str, seq: int, number: str = "+4930123456", name: str = "Ada Lovelace", **extra: Any) -> dict:
    return {"v": 1, "seq": seq, "time": "2026-12-06T22:30:00.123Z", "type": kind, "call": "c1", "call_id": "sw-1",
            "direction": "in", "number": number, "name": name, "local_number": "200", "slot": 1, **extra}


async def until(predicate: Callable[[], bool], what: str, timeout: float = TIMEOUT, every: float = 0.02) -> None:
    """Poll something that posts no event (a log record, a file a process writes), bounded by ``timeout``."""
    await polled(predicate, what, timeout, every)


def messages(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == HOOKS_LOG and text in r.getMessage()]


class Ticker:
    """Counts the event loop's turns: while it advances, nothing blocks the loop."""

    def __init__(self) -> None:
        self.ticks = 0
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.005)
            self.ticks += 1

    async def advances(self, by: int = 10) -> None:
        start = self.ticks
        await until(lambda: self.ticks >= start + by, f"the loop to turn {by} more times", every=0.005)

    async def aclose(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


# -- webhooks -----------------------------------------------------------------------------------
async def test_events_are_posted_as_json_with_an_hmac_signature(receivers, closing):
    """The receiver gets each lifecycle event as the JSON body of a POST, signed with the shared secret;
    call.state is left out by default (the lifecycle events say the same once)."""
    receiver = await receivers()
    sink = WebhookSink([receiver.url], secret="s3cret", timeout=TIMEOUT)
    closing(sink)
    events = [call_event("call.ringing", 1), call_event("call.state", 2, state="CONNECTED"),
              call_event("call.answered", 3), call_event("call.ended", 4, reason="USERTERMINATED", talk=12.5)]
    for event in events:
        sink(event)
    for expected in (events[0], events[2], events[3]):
        got = await receiver.next()
        assert (got.method, got.target) == ("POST", "/hook?from=console")
        assert got.headers["content-type"] == "application/json"
        assert got.event == expected
        assert got.headers[EVENT_HEADER.lower()] == expected["type"]
        mac = hmac.new(b"s3cret", got.body, "sha256").hexdigest()
        assert hmac.compare_digest(got.headers[SIGNATURE_HEADER.lower()], f"sha256={mac}")
        assert got.headers[SIGNATURE_HEADER.lower()] == signature("s3cret", got.body)
    assert receiver.requests.empty()


async def test_a_500_is_retried_with_backoff_until_it_succeeds_and_a_404_is_not(receivers, closing, caplog):
    receiver = await receivers()
    receiver.statuses.extend([500, 503, 200, 404])
    sink = WebhookSink([receiver.url], retries=3, backoff=0.01, timeout=TIMEOUT)
    closing(sink)
    sink(call_event("call.ringing", 1))
    sink(call_event("call.answered", 2))
    sink(call_event("call.ended", 3))
    seen = [(await receiver.next()).event["seq"] for _ in range(5)]
    assert seen == [1, 1, 1, 2, 3]  # two 5xx and the 200 for 1; 2 was refused (404): not sent again
    await until(lambda: messages(caplog, "HTTP 404 (not retried)"), "the refusal in the log")
    assert receiver.requests.empty()


async def test_a_slow_receiver_never_delays_the_caller_and_its_queue_keeps_the_newest(receivers, closing, caplog):
    """The sink returns before any I/O; while a POST hangs the loop keeps turning; the bounded queue drops the
    oldest events and says so once, with the count."""
    caplog.set_level(logging.WARNING, logger=HOOKS_LOG)
    receiver = await receivers()
    receiver.hold()
    sink = WebhookSink([receiver.url], queue_size=3, retries=0, timeout=60.0)
    closing(sink)
    ticker = Ticker()
    try:
        sink(call_event("call.ringing", 1))
        assert receiver.requests.empty() and sink.pending(receiver.url) == 1  # queued; nothing sent yet
        first = await receiver.next()
        assert first.event["seq"] == 1
        await ticker.advances()  # the POST is still unanswered and the loop serves everyone else
        for seq in range(2, 11):
            sink(call_event("call.ended", seq))
        assert sink.pending(receiver.url) == 3  # bounded: 8, 9 and 10 wait; 2 to 7 were dropped
        await ticker.advances()
        receiver.release()
        assert [(await receiver.next()).event["seq"] for _ in range(3)] == [8, 9, 10]
        await until(lambda: sink.counts(receiver.url)["delivered"] == 4, "the four kept events delivered")
        assert sink.counts(receiver.url) == {"delivered": 4, "lost": 0, "dropped": 6}
    finally:
        await ticker.aclose()
    assert messages(caplog, "dropped") == [f"webhook {receiver.url}: queue full (3 events): dropped the 6 oldest"]


async def test_a_dead_and_a_silent_receiver_do_not_hold_up_a_live_one(receivers, closing, caplog):
    """One task per URL: while a POST to the silent receiver hangs unanswered and the dead one refuses (retried,
    given up on, logged once), the live receiver gets every event in order."""
    caplog.set_level(logging.WARNING, logger=HOOKS_LOG)
    live, silent = await receivers(), await receivers()
    silent.hold()
    dead = dead_url()
    sink = WebhookSink([dead, silent.url, live.url], retries=1, backoff=0.01, timeout=60.0)
    closing(sink)
    ticker = Ticker()
    try:
        for seq in (1, 2, 3):
            sink(call_event("call.ringing", seq))
        assert [(await live.next()).event["seq"] for _ in range(3)] == [1, 2, 3]
        assert (await silent.next()).event["seq"] == 1
        await until(lambda: sink.counts(dead)["lost"] == 3, "the dead URL given up on for each event")
        await ticker.advances()
        assert silent.requests.empty() and sink.pending(silent.url) == 2  # still the first, unanswered
        assert sink.counts(live.url) == {"delivered": 3, "lost": 0, "dropped": 0}
    finally:
        await ticker.aclose()
    [lost] = messages(caplog, f"webhook {dead}: ")  # once: the next losses are counted, not logged each
    assert "call.ringing event lost: ConnectionRefusedError" in lost and "after 2 attempts" in lost


async def test_a_post_that_is_never_answered_times_out_is_retried_and_the_next_event_goes(receivers, closing,
                                                                                          caplog):
    caplog.set_level(logging.WARNING, logger=HOOKS_LOG)
    silent = await receivers()
    silent.hold()
    sink = WebhookSink([silent.url], retries=1, backoff=0.01, timeout=2.0)
    closing(sink)
    sink(call_event("call.ringing", 1))
    sink(call_event("call.ended", 2))
    assert (await silent.next()).event["seq"] == 1
    assert (await silent.next()).event["seq"] == 1  # no answer in 2 s: tried once more
    await until(lambda: messages(caplog, "no answer within 2 s after 2 attempts"), "the event given up on")
    silent.release()
    assert (await silent.next()).event["seq"] == 2


async def test_https_verifies_the_certificate(receivers, closing, caplog, tmp_path):
    """An https:// webhook is verified: an untrusted certificate is refused (not retried); trusted, it delivers."""
    cert, key = self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    receiver = await receivers(ssl_context=server_context)
    untrusting = WebhookSink([receiver.url], retries=3, backoff=0.01)
    trusting = WebhookSink.from_config(HooksConfig(webhook_urls=(receiver.url,), webhook_ca_file=cert))
    closing(untrusting)
    closing(trusting)
    untrusting(call_event("call.ringing", 1))
    await until(lambda: messages(caplog, "certificate not trusted"), "the refused certificate in the log")
    trusting(call_event("call.ringing", 2))
    assert (await receiver.next()).event["seq"] == 2
    assert receiver.requests.empty()


def test_a_ca_file_that_is_not_certificates_is_a_config_error(tmp_path):
    from console.persist import ConfigError

    (tmp_path / "ca.pem").write_text("not a certificate\n")
    with pytest.raises(ConfigError, match="webhook_ca_file: .*ca.pem: "):
        WebhookSink.from_config(HooksConfig(webhook_urls=("https://tools.example/x",),
                                            webhook_ca_file=str(tmp_path / "ca.pem")))


def self_signed(tmp_path: Path) -> tuple[str, str]:
    """As tests/e2e/test_tls.py makes it: a certificate for 127.0.0.1 and its key."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


# -- screen pop ---------------------------------------------------------------------------------
RECORD_ARGV = textwrap.dedent("""\
    import json, os, sys
    out = sys.argv[1]
    with open(out + ".tmp", "w") as f:
        json.dump(sys.argv[2:], f)
    os.replace(out + ".tmp", out)
""")
APPEND_ARG = textwrap.dedent("""\
    import sys
    with open(sys.argv[1], "a") as f:
        f.write(sys.argv[2] + "\\n")
""")
HANG = textwrap.dedent("""\
    import os, subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(f"{os.getpid()} {child.pid}")
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])
    time.sleep(600)
""")


def script(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def gone(pid: int) -> bool:
    """No such process, or only its zombie (killed, not yet reaped by its new parent)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state == "Z"


async def test_a_screen_pop_command_gets_the_number_and_a_hostile_name_as_separate_arguments(tmp_path, closing):
    out = tmp_path / "argv.json"
    pop = ScreenPop(command=[sys.executable, script(tmp_path, "record.py", RECORD_ARGV), str(out),
                             "--number", "{number}", "--name={name}", "{direction}", "{event}", "{call}"],
                    on=["call.ringing"])
    closing(pop)
    pop(call_event("call.answered", 1))  # not configured: nothing runs
    assert pop.running == 0
    pop(call_event("call.ringing", 2, number="+49 30 123", name=HOSTILE + "\0\n"))
    await until(out.exists, "the command's record of its arguments")
    assert json.loads(out.read_text()) == ["--number", "+49 30 123", f"--name={HOSTILE}", "in", "call.ringing", "c1"]
    assert not (Path.cwd() / "pwned").exists() and not (tmp_path / "pwned").exists()


async def test_a_screen_pop_url_is_quoted_and_given_to_the_opener_as_one_argument(tmp_path, closing):
    out = tmp_path / "argv.json"
    pop = ScreenPop(url_template="https://crm.example/search?phone={number}&name={name}",
                    opener=[sys.executable, script(tmp_path, "record.py", RECORD_ARGV), str(out)],
                    on=["call.answered"])
    closing(pop)
    pop(call_event("call.answered", 1, number="+4930123", name="Müller & Co; rm -rf ~"))
    await until(out.exists, "the opener's record of its arguments")
    assert json.loads(out.read_text()) == [
        "https://crm.example/search?phone=%2B4930123&name=M%C3%BCller%20%26%20Co%3B%20rm%20-rf%20~"]


@pytest.mark.parametrize(("direction", "popped"), [(None, ["in"]), ("in", ["in"]), ("out", ["out"]),
                                                   ("both", ["out", "in"])])
async def test_screen_pop_direction_chooses_incoming_outgoing_or_both_calls(tmp_path, closing, direction, popped):
    """Review finding: call.answered also fires for outgoing calls; screen_pop_direction ("in" by default) says
    whose calls pop."""
    out = tmp_path / "pops"
    section = {"screen_pop_command": [sys.executable, script(tmp_path, "append.py", APPEND_ARG), str(out),
                                      "{direction}"], "screen_pop_on": ["call.answered"], "screen_pop_max": 1}
    if direction is not None:
        section["screen_pop_direction"] = direction
    pop = ScreenPop.from_config(HooksConfig.from_toml(section))
    closing(pop)
    pop(call_event("call.answered", 1, direction="out", call="dialled"))
    pop(call_event("call.answered", 2, direction="in", call="answered"))
    assert pop.running == 1  # one at a time: a pop waiting for the slot starts when this one ends
    await until(lambda: pop.running == 0, "the pops to finish")
    assert out.read_text().split() == popped


async def test_a_hung_command_is_killed_with_its_children_at_its_timeout_and_the_next_one_runs(
        tmp_path, closing, caplog):
    """One process at a time here: the second pop waits for the slot the hung one holds until it is killed."""
    caplog.set_level(logging.WARNING, logger=HOOKS_LOG)
    hang = script(tmp_path, "hang.py", HANG)
    pop = ScreenPop(command=[sys.executable, hang, str(tmp_path / "{call}.pids")], timeout=3.0, max_running=1)
    closing(pop)
    ticker = Ticker()
    try:
        pop(call_event("call.ringing", 1, call="first"))
        pop(call_event("call.ringing", 2, call="second"))
        first = tmp_path / "first.pids"
        await until(first.exists, "the first command to start")
        assert pop.running == 1 and not (tmp_path / "second.pids").exists()
        await ticker.advances()  # the caller and the loop go on while it hangs
        await until((tmp_path / "second.pids").exists, "the second command, once the first is killed")
        pids = [int(pid) for pid in first.read_text().split()]
        assert all(gone(pid) for pid in pids), pids
        assert messages(caplog, "still running after 3 s: killed")
    finally:
        await ticker.aclose()


# -- wiring -------------------------------------------------------------------------------------
async def test_start_hooks_adds_the_configured_sinks_and_its_result_removes_them(receivers):
    feed: list[Callable[[dict], None]] = []

    def add_sink(sink: Callable[[dict], None]) -> Callable[[], None]:
        feed.append(sink)
        return lambda: feed.remove(sink)

    assert start_hooks(HooksConfig(), add_sink).sinks == [] and feed == []
    receiver = await receivers()
    hooks = start_hooks(HooksConfig(webhook_urls=(receiver.url,), screen_pop_command=("true",)), add_sink)
    assert [type(sink) for sink in feed] == [WebhookSink, ScreenPop]
    for sink in feed:
        sink(call_event("call.ringing", 1))
    assert (await receiver.next()).event["type"] == "call.ringing"
    await hooks.aclose()
    assert feed == []


async def test_the_last_event_of_a_session_is_delivered_when_the_console_closes_right_after_it(receivers, caplog):
    """Review finding: events still queued when the console stopped were dropped. The call.ended of the session's
    last call is queued, the console closes at once: closing gives the queue its grace and the receiver gets it."""
    caplog.set_level(logging.WARNING, logger=HOOKS_LOG)
    feed: list[Callable[[dict], None]] = []

    def add_sink(sink: Callable[[dict], None]) -> Callable[[], None]:
        feed.append(sink)
        return lambda: feed.remove(sink)

    receiver = await receivers()
    hooks = start_hooks(HooksConfig(webhook_urls=(receiver.url,)), add_sink)
    [sink] = feed
    sink(call_event("call.answered", 1))
    assert (await receiver.next()).event["type"] == "call.answered"
    sink(call_event("call.ended", 2))
    await hooks.aclose()
    assert not receiver.requests.empty(), "the last call.ended was dropped at the close"
    assert receiver.requests.get_nowait().event["type"] == "call.ended"
    assert not messages(caplog, "webhook")


async def test_a_silent_receiver_holds_the_close_no_longer_than_its_bound_and_the_drop_is_counted(receivers,
                                                                                                caplog):
    """A receiver that takes the POSTs and never answers (each would be retried): closing waits at most the
    webhook timeout for the queue, then drops what is left, with one log line saying how many."""
    caplog.set_level(logging.WARNING, logger=HOOKS_LOG)
    receiver = await receivers()
    receiver.hold()
    sink = WebhookSink([receiver.url], timeout=2.0, retries=3)  # undrained: 3 x (4 x 2 s + 3.5 s backoff)
    for seq in range(1, 4):
        sink(call_event("call.ended", seq, call=f"c{seq}"))
    await receiver.next()  # the first POST is under way
    async with asyncio.timeout(2.0 + TIMEOUT):  # the bound (the 2 s timeout) with room for a loaded machine
        await sink.aclose()
    assert messages(caplog, "closing") == [f"webhook {receiver.url}: closing: 3 events not delivered within 2 s: "
                                           "dropped"]
    assert sink.counts(receiver.url)["dropped"] == 3


# -- end to end: the real switch, a real console with its event service, a caller --------------------------
async def test_a_call_to_the_switchboard_pops_the_callers_number_and_posts_its_life(receivers, tmp_path):
    """Issue 21, done when: "a local HTTP receiver gets the webhook POSTs" and "a screen-pop command receives the
    caller's number as an argument" -- alice (201) calls the operator (200) through the real switch."""
    from console.core.enums import LOGIN_STATES
    from console.integration.service import EventService
    from console.store import Controller, client_factory
    from console.switch.demo import demo_config
    from console.switch.media import NullMediaPlane
    from console.switch.server import Switch
    from console_harness import Console

    switch = await Switch.start(demo_config(ring_timeout=30.0), media=NullMediaPlane())
    controller = Controller(client_factory(device=None, auto_reconnect=False))
    receiver = await receivers()
    out = tmp_path / "argv.json"
    service = await EventService(controller, None, hooks=HooksConfig(webhook_urls=(receiver.url,), screen_pop_command=(
        sys.executable, script(tmp_path, "record.py", RECORD_ARGV), str(out), "{number}", "{name}", "{event}"))).start()
    caller = Console(switch.url)
    try:
        controller.login(switch.url, "operator", "operator", "200")
        await store_until(controller, lambda state: state.login.state is LOGIN_STATES.SUCCESS)
        await caller.login("alice", "alice")
        call = caller.dial("200")
        ringing = await next_call_event(receiver)  # the feed's login event came first: every type is posted
        assert (ringing["type"], ringing["number"], ringing["direction"]) == ("call.ringing", "201", "in")
        await until(out.exists, "the screen pop on ringing")
        assert json.loads(out.read_text()) == ["201", "Alice", "call.ringing"]  # separate arguments
        assert controller.answer(ringing["slot"])
        answered = await next_call_event(receiver)
        assert (answered["type"], answered["call"], answered["number"]) == ("call.answered", ringing["call"], "201")
        call.disconnect()
        ended = await next_call_event(receiver)
        assert (ended["type"], ended["call"]) == ("call.ended", ringing["call"])
        assert receiver.requests.empty()
    finally:
        await service.aclose()
        await caller.close()
        await controller.aclose()
        await switch.aclose()


async def next_call_event(receiver: Any) -> dict:
    """The next call.* event the receiver got (the feed also posts login, settings, stats, ...)."""
    while not (event := (await receiver.next()).event)["type"].startswith("call."):
        pass
    return event


async def test_pops_waiting_for_a_busy_slot_are_bounded_and_the_oldest_is_dropped(tmp_path, closing, caplog):
    """One slot, held by a hung command: of the pops that wait, the newest 16 are kept, and the drop is logged
    once with its count when the slot frees."""
    caplog.set_level(logging.WARNING, logger=HOOKS_LOG)
    pop = ScreenPop(command=[sys.executable, script(tmp_path, "hang.py", HANG), str(tmp_path / "{call}.pids")],
                    timeout=3.0, max_running=1)
    closing(pop)
    for seq in range(1, 20):  # 1 runs; 2 to 19 wait: 18 for 16 places
        pop(call_event("call.ringing", seq, call=f"c{seq}"))
    assert pop.running == 1
    await until((tmp_path / "c4.pids").exists, "the first kept waiting pop to run once the slot is free")
    assert not (tmp_path / "c2.pids").exists() and not (tmp_path / "c3.pids").exists()
    assert messages(caplog, "dropped") == ["screen pop: every process slot (1) was busy: dropped the 2 oldest "
                                           "waiting pops"]


async def test_an_unexpected_error_in_a_delivery_is_logged_and_the_url_keeps_delivering(closing, caplog):
    """A bug or a surprise in one POST must not end the URL's sender for the rest of the run."""
    posted: asyncio.Queue[int] = asyncio.Queue()

    async def poster(url: str, body: bytes, headers: Any, *, timeout: float, ssl_context: Any = None) -> int:
        seq = json.loads(body)["seq"]
        if seq == 1:
            raise RuntimeError("a surprise")
        posted.put_nowait(seq)
        return 204

    sink = WebhookSink(["http://127.0.0.1:9/hook"], poster=poster)
    closing(sink)
    sink(call_event("call.ringing", 1))
    sink(call_event("call.ended", 2))
    async with asyncio.timeout(TIMEOUT):
        assert await posted.get() == 2
    assert messages(caplog, "call.ringing event not delivered: RuntimeError: a surprise")


async def test_a_failing_url_is_logged_once_and_again_when_it_recovers_with_the_count(closing, caplog):
    caplog.set_level(logging.WARNING, logger=HOOKS_LOG)

    async def poster(url: str, body: bytes, headers: Any, *, timeout: float, ssl_context: Any = None) -> int:
        return 503 if json.loads(body)["seq"] < 4 else 204

    sink = WebhookSink(["http://127.0.0.1:9/hook"], poster=poster, retries=0)
    closing(sink)
    for seq in range(1, 5):
        sink(call_event("call.ringing", seq))
    await until(lambda: sink.counts("http://127.0.0.1:9/hook")["delivered"] == 1, "the fourth event delivered")
    assert [m.split(": ", 1)[1] for m in messages(caplog, "webhook")] == [
        "call.ringing event lost: HTTP 503 after 1 attempt (further losses are counted until one gets through)",
        "delivering again (3 events lost meanwhile)"]


async def test_a_urls_user_and_password_become_basic_authentication(receivers, closing):
    import base64

    receiver = await receivers()
    url = receiver.url.replace("http://", "http://hook%20user:p%40ss@")
    sink = WebhookSink([url])
    closing(sink)
    sink(call_event("call.ringing", 1))
    got = await receiver.next()
    assert got.headers["authorization"] == "Basic " + base64.b64encode(b"hook user:p@ss").decode()
    assert got.headers["host"] == receiver.url.split("/")[2] and got.target == "/hook?from=console"


async def test_the_log_never_shows_a_urls_password(closing, caplog):
    caplog.set_level(logging.WARNING, logger=HOOKS_LOG)
    url = dead_url().replace("http://", "http://user:s3cret@")
    sink = WebhookSink([url], retries=0)
    closing(sink)
    sink(call_event("call.ringing", 1))
    await until(lambda: sink.counts(url)["lost"] == 1, "the event given up on")
    [lost] = messages(caplog, "event lost")
    assert "s3cret" not in lost and lost.startswith("webhook http://user:***@127.0.0.1:")
