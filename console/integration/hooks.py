"""Screen pop and webhooks: two event sinks that never block the console (issue 21).

Both take one event dict of schema v1 (docs/EVENTS.md; the EventFeed calls its sinks
synchronously on the event loop) and return at once: a webhook event is queued for
its URL's delivery task, a screen pop is queued for a process slot. Every queue is
bounded (the oldest is dropped, and the drop is logged with a count), every POST and
every process has a timeout, and every task belongs to its sink, which ends them.

A screen pop never goes through a shell: a URL template's values are URL-quoted and
the URL is one argument of the opener; a command is an argv list whose placeholders
are replaced inside each argument, so a caller named ``"; rm -rf ~`` is one argument.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import signal
import ssl
from collections import deque
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterable, Mapping, Protocol
from urllib.parse import quote

from console.persist.hooks_config import ConfigError, HooksConfig, shown_url

from .http_post import HttpError, post

log = logging.getLogger(__name__)

Event = dict[str, Any]
Sink = Callable[[Event], None]
AddSink = Callable[[Sink], Callable[[], None]]
SIGNATURE_HEADER = "X-Anynode-Signature"
EVENT_HEADER = "X-Anynode-Event"
USER_AGENT = "anynode-console webhooks"
MAX_VALUE = 256  # characters of a caller's number or name put into a screen pop
MAX_WAITING_POPS = 16  # screen pops waiting for a free process slot; beyond this the oldest is dropped
CLOSE_GRACE = 5.0  # s: at most this long (and at most the webhook timeout) for the queues to drain at the close


class Poster(Protocol):
    def __call__(self, url: str, body: bytes, headers: Mapping[str, str], *, timeout: float,
                 ssl_context: ssl.SSLContext | None = None) -> Awaitable[int]: ...


def signature(secret: str, body: bytes) -> str:
    """The X-Anynode-Signature value: ``sha256=`` and the hex HMAC-SHA256 of the body under the shared secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class _Delivery:
    body: bytes
    event_type: str


class _UrlQueue:
    """One webhook URL: a bounded queue and the one task that POSTs from it, in order."""

    def __init__(self, url: str, sink: WebhookSink) -> None:
        self.url = url
        self.shown = shown_url(url)  # for the log: never the password
        self.sink = sink
        self.queue: deque[_Delivery] = deque()
        self.dropped = 0  # dropped since the worker last took an event: one log line per burst
        self.failing = False  # the last event was given up on: further give-ups are not logged each time
        self.lost = 0  # events given up on while failing
        self.counts = {"delivered": 0, "lost": 0, "dropped": 0}  # this run's totals
        self.wake = asyncio.Event()
        self.idle = asyncio.Event()  # nothing queued, nothing being delivered
        self.idle.set()
        self.delivering = False
        self.task: asyncio.Task[None] | None = None

    def put(self, delivery: _Delivery) -> None:
        if len(self.queue) >= self.sink.queue_size:
            self.queue.popleft()
            self.dropped += 1
            self.counts["dropped"] += 1
        self.queue.append(delivery)
        self.idle.clear()
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._run(), name=f"webhook {self.shown}")
        self.wake.set()

    def report_drops(self) -> None:
        if self.dropped:
            log.warning("webhook %s: queue full (%d events): dropped the %d oldest", self.shown, self.sink.queue_size,
                        self.dropped)
            self.dropped = 0

    async def _run(self) -> None:
        while True:
            while not self.queue:
                self.idle.set()
                self.wake.clear()
                await self.wake.wait()
            delivery = self.queue.popleft()
            self.report_drops()
            self.delivering = True
            try:
                problem = await self.sink._deliver(self.url, delivery)
            except Exception as exc:  # a surprise must not end this URL's sender for the rest of the run
                log.error("webhook %s: %s event not delivered: %s: %s", self.shown, delivery.event_type,
                          type(exc).__name__, exc, exc_info=True)
                self.counts["lost"] += 1
                continue
            finally:
                self.delivering = False
            self.counts["delivered" if problem is None else "lost"] += 1
            if problem is None:
                if self.failing:
                    log.warning("webhook %s: delivering again (%d events lost meanwhile)", self.shown, self.lost)
                self.failing, self.lost = False, 0
            elif self.failing:
                self.lost += 1
                log.debug("webhook %s: %s event lost: %s", self.shown, delivery.event_type, problem)
            else:
                self.failing, self.lost = True, 1
                log.warning("webhook %s: %s event lost: %s (further losses are counted until one gets through)",
                            self.shown, delivery.event_type, problem)


class WebhookSink:
    """POSTs events as JSON to each URL: a queue and a task per URL, retries with backoff, never blocking the caller.

    Connection errors, timeouts and 5xx answers are retried ``retries`` times, waiting ``backoff`` seconds and
    doubling (at most ``max_backoff``); any other answer but 2xx is logged and not retried, and neither is a
    certificate that fails verification.
    """

    def __init__(self, urls: Iterable[str], *, wants: Callable[[str], bool] = lambda kind: kind != "call.state",
                 timeout: float = 5.0, retries: int = 3, queue_size: int = 100, secret: str = "",
                 backoff: float = 0.5, max_backoff: float = 30.0, ssl_context: ssl.SSLContext | None = None,
                 poster: Poster = post) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self.queue_size = queue_size
        self._wants = wants
        self._timeout = timeout
        self._retries = retries
        self._secret = secret
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._post = poster
        self._urls = {url: _UrlQueue(url, self) for url in urls}
        if ssl_context is None and any(url.startswith("https:") for url in self._urls):
            ssl_context = ssl.create_default_context()  # once: loading the trust store takes the loop's time
        self._ssl_context = ssl_context
        self._closed = False  # no more events are taken
        self._stopped = False  # the senders are cancelled

    @classmethod
    def from_config(cls, config: HooksConfig, **kwargs: Any) -> WebhookSink:
        """The configured sink; a ``webhook_ca_file`` that is not PEM certificates raises ConfigError."""
        if config.webhook_ca_file and "ssl_context" not in kwargs:
            try:
                kwargs["ssl_context"] = ssl.create_default_context(cafile=os.path.expanduser(config.webhook_ca_file))
            except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
                raise ConfigError(f"[hooks] webhook_ca_file: {shown_url(config.webhook_ca_file)}: {exc}") from None
        return cls(config.webhook_urls, wants=config.webhook_wants, timeout=config.webhook_timeout,
                   retries=config.webhook_retries, queue_size=config.webhook_queue, secret=config.webhook_secret,
                   **kwargs)

    def __call__(self, event: Event) -> None:
        """Queue the event for every URL and return; called on the event loop (it starts the delivery tasks)."""
        kind = str(event.get("type", ""))
        if self._closed or not self._wants(kind):
            return
        delivery = _Delivery(json.dumps(event, ensure_ascii=False, separators=(",", ":"), default=str).encode(), kind)
        for target in self._urls.values():
            target.put(delivery)

    def pending(self, url: str) -> int:
        """Events waiting for ``url`` (not counting the one being delivered)."""
        return len(self._urls[url].queue)

    def counts(self, url: str) -> dict[str, int]:
        """This run's events for ``url``: delivered, lost (given up on) and dropped (the queue was full)."""
        return dict(self._urls[url].counts)

    async def _deliver(self, url: str, delivery: _Delivery) -> str | None:
        """POST one event, with retries; None when it got through, else what went wrong last."""
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, EVENT_HEADER: delivery.event_type}
        if self._secret:
            headers[SIGNATURE_HEADER] = signature(self._secret, delivery.body)
        problem = ""
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(min(self._max_backoff, self._backoff * 2 ** (attempt - 1)))
            try:
                status = await self._post(url, delivery.body, headers, timeout=self._timeout,
                                          ssl_context=self._ssl_context)
            except ssl.SSLCertVerificationError as exc:
                return f"certificate not trusted: {exc.verify_message or exc}"
            except TimeoutError:
                problem = f"no answer within {self._timeout:g} s"
                continue
            except (OSError, asyncio.IncompleteReadError, HttpError) as exc:
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                continue
            if 200 <= status < 300:
                return None
            problem = f"HTTP {status}"
            if status < 500:
                return f"{problem} (not retried)"
        attempts = self._retries + 1
        return f"{problem} after {attempts} attempt{'s' if attempts > 1 else ''}"

    def close(self, grace: float = 0.0) -> None:
        """Stop delivering at once: the workers are cancelled, what waits (and a POST under way) is dropped,
        one log line per URL with the count (``grace``: how long it was given, for that line). Once only."""
        if self._stopped:
            return
        self._closed = self._stopped = True
        for target in self._urls.values():
            undelivered = len(target.queue) + target.delivering
            target.counts["dropped"] += undelivered
            target.queue.clear()
            target.report_drops()  # a full queue's drops not logged yet
            if undelivered:
                log.warning("webhook %s: closing: %d event%s not delivered within %g s: dropped", target.shown,
                            undelivered, "" if undelivered == 1 else "s", grace)
            if target.task is not None:
                target.task.cancel()

    async def aclose(self, grace: float | None = None) -> None:
        """Stop taking events; what is queued (and the POST under way) has ``grace`` seconds to go out (default:
        the webhook timeout, at most :data:`CLOSE_GRACE`, so the console's exit is never held longer), then the
        rest is dropped and counted in the log. After :meth:`close` there is no grace."""
        grace = min(self._timeout, CLOSE_GRACE) if grace is None else grace
        busy = [target.idle for target in self._urls.values() if not target.idle.is_set()]
        try:
            if busy and not self._closed and grace > 0:
                self._closed = True
                async with asyncio.timeout(grace):
                    await asyncio.gather(*(idle.wait() for idle in busy))
        except TimeoutError:
            pass
        finally:  # cancelled meanwhile (a second Ctrl-C): the workers end all the same
            self.close(grace)
        tasks = [target.task for target in self._urls.values() if target.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)


class ScreenPop:
    """Opens a URL (``url_template`` through ``opener``) or runs ``command`` for the configured call events.

    At most ``max_running`` processes at once; the next wait (at most :data:`MAX_WAITING_POPS`, the oldest
    dropped); a process still running after ``timeout`` seconds is killed with its process group.
    """

    def __init__(self, *, url_template: str = "", opener: Iterable[str] = ("xdg-open",), command: Iterable[str] = (),
                 on: Iterable[str] = ("call.ringing",), direction: str = "in", timeout: float = 10.0,
                 max_running: int = 4) -> None:
        self._template = url_template
        self._opener = tuple(opener)
        self._command = tuple(command)
        if bool(self._template) == bool(self._command):
            raise ValueError("a screen pop has a URL template or a command (one of them)")
        self._on = frozenset(on)
        self._directions = frozenset(("in", "out") if direction == "both" else (direction,))
        self._timeout = timeout
        self._max_running = max(1, max_running)
        self._waiting: deque[list[str]] = deque()
        self._dropped = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._processes: set[asyncio.subprocess.Process] = set()
        self._closed = False

    @classmethod
    def from_config(cls, config: HooksConfig) -> ScreenPop:
        return cls(url_template=config.screen_pop_url, opener=config.screen_pop_opener,
                   command=config.screen_pop_command, on=config.screen_pop_on,
                   direction=config.screen_pop_direction, timeout=config.screen_pop_timeout,
                   max_running=config.screen_pop_max)

    def argv_for(self, event: Event) -> list[str]:
        """The program and its arguments for one event (no shell ever sees them)."""
        values = {"number": event.get("number"), "name": event.get("name"), "call": event.get("call"),
                  "event": event.get("type"), "direction": event.get("direction")}
        clean = {key: _clean(value) for key, value in values.items()}
        if self._template:
            return [*self._opener, self._template.format_map({k: quote(v, safe="") for k, v in clean.items()})]
        return [arg.format_map(clean) for arg in self._command]

    def __call__(self, event: Event) -> None:
        """Queue a pop for the event if its type is one of ``on`` and its call's direction one of ``direction``
        (call.answered also fires for calls the operator made); returns at once (called on the event loop)."""
        if self._closed or event.get("type") not in self._on or event.get("direction") not in self._directions:
            return
        if len(self._waiting) >= MAX_WAITING_POPS:
            self._waiting.popleft()
            self._dropped += 1
        self._waiting.append(self.argv_for(event))
        self._start_next()

    @property
    def running(self) -> int:
        return len(self._tasks)

    def _start_next(self) -> None:
        if self._dropped and len(self._tasks) < self._max_running:
            log.warning("screen pop: every process slot (%d) was busy: dropped the %d oldest waiting pops",
                        self._max_running, self._dropped)
            self._dropped = 0
        loop = asyncio.get_running_loop()
        while self._waiting and len(self._tasks) < self._max_running and not self._closed:
            task = loop.create_task(self._run(self._waiting.popleft()), name="screen pop")
            self._tasks.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not self._closed:
            self._start_next()

    async def _run(self, argv: list[str]) -> None:
        try:
            process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL, start_new_session=True)  # its own group: a kill takes its children
        except (OSError, ValueError) as exc:
            log.warning("screen pop: cannot run %s: %s", argv[0], exc)
            return
        self._processes.add(process)
        try:
            async with asyncio.timeout(self._timeout):
                status = await process.wait()
        except TimeoutError:
            _kill(process)
            await process.wait()
            log.warning("screen pop: %s still running after %g s: killed", argv[0], self._timeout)
            return
        finally:
            self._processes.discard(process)
        if status:
            log.warning("screen pop: %s exited with status %d", argv[0], status)

    def close(self) -> None:
        """Drop what waits, kill what runs."""
        self._closed = True
        self._waiting.clear()
        for process in list(self._processes):
            _kill(process)
        for task in list(self._tasks):
            task.cancel()

    async def aclose(self) -> None:
        tasks = list(self._tasks)
        processes = list(self._processes)
        self.close()
        await asyncio.gather(*tasks, return_exceptions=True)
        for process in processes:
            await process.wait()


class Hooks:
    """What :func:`start_hooks` started: call it (or ``await aclose()``) to remove the sinks and end their work."""

    def __init__(self, sinks: list[WebhookSink | ScreenPop], removers: list[Callable[[], None]]) -> None:
        self.sinks = sinks
        self._removers = removers

    def __call__(self) -> None:
        for remove in self._removers:
            remove()
        self._removers = []
        for sink in self.sinks:
            sink.close()

    async def aclose(self) -> None:
        """Remove the sinks, then end them together: queued webhook events get their bounded grace."""
        for remove in self._removers:
            remove()
        self._removers = []
        await asyncio.gather(*(sink.aclose() for sink in self.sinks))


def start_hooks(config: HooksConfig, add_sink: AddSink, **webhook_options: Any) -> Hooks:
    """Add the configured sinks to an event feed (``EventFeed.add_sink``); the result stops them.

    ``webhook_options`` go to :class:`WebhookSink` (``ssl_context``, ``backoff``, ...). With nothing configured
    no sink is added.
    """
    sinks: list[WebhookSink | ScreenPop] = []
    if config.webhook_urls:
        sinks.append(WebhookSink.from_config(config, **webhook_options))
    if config.screen_pop_url or config.screen_pop_command:
        sinks.append(ScreenPop.from_config(config))
    return Hooks(sinks, [add_sink(sink) for sink in sinks])


def _clean(value: Any) -> str:
    """A caller-supplied value as text: no control characters (a NUL cannot be in an argument), bounded length."""
    text = "" if value is None else str(value)
    return "".join(ch for ch in text if ch.isprintable())[:MAX_VALUE]


def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)  # start_new_session: its group id is its pid
    except (ProcessLookupError, PermissionError):
        try:
            process.kill()
        except ProcessLookupError:
            pass
