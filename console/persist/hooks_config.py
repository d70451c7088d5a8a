"""config.toml's ``[hooks]`` section: webhooks and screen pop (issue 21).

Strict, unlike the rest of config.toml: these keys make the console send data
to other machines and run programs, so a typo must not pass silently (a
misspelt event type would simply never fire). A bad value raises
:class:`ConfigError` naming the key; nothing is configured by default.
"""

from __future__ import annotations

import json
import os
import re
import string
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit

from console.core.errors import PersistenceError

# the event types of schema v1 (docs/EVENTS.md); "*" in webhook_types means all of them, call.state included
EVENT_TYPES = frozenset({"call.state", "call.ringing", "call.answered", "call.ended", "login", "transfer", "park",
                         "recall", "conference", "presence", "device", "stats"})
POP_EVENTS = frozenset({"call.ringing", "call.answered", "call.ended"})
POP_DIRECTIONS = ("in", "out", "both")  # whose calls pop: callers' (in), the operator's own (out), or both
PLACEHOLDERS = frozenset({"number", "name", "call", "event", "direction"})
MAX_URLS = 16
MAX_ARGS = 64
# user:password@ at the start of an authority (after "//", or at the start of a scheme-less "user:pw@host" or of a
# quoted one in a repr); the password runs to the last "@" before the path, as urlsplit reads it
_USERINFO = re.compile(r"(^|//|')([^/?#@:'\s]*):[^/?#'\s]*@")


class ConfigError(PersistenceError, ValueError):
    """A value in config.toml cannot be used; the message names the section and the key.

    A PersistenceError: saving another setting over a file whose [hooks] went bad while the console ran is
    refused the same way as a file that cannot be written (the screen says so; the file is left as it is)."""


@dataclass(frozen=True)
class HooksConfig:
    """Where events go besides the screen. Empty ``webhook_urls`` and no screen pop: nothing leaves the console."""

    webhook_urls: tuple[str, ...] = ()
    webhook_types: tuple[str, ...] = ()  # empty: every type but call.state (the lifecycle events say it once)
    webhook_timeout: float = 5.0  # seconds for one POST (connect, send, status line)
    webhook_retries: int = 3  # further attempts after a connection error, a timeout or a 5xx
    webhook_queue: int = 100  # events waiting per URL; when full the oldest is dropped
    webhook_secret: str = ""  # "": no signature; else X-Anynode-Signature: sha256=<HMAC-SHA256 of the body>
    webhook_ca_file: str = ""  # PEM CA certificates an https:// receiver's must chain to; "": the system's
    screen_pop_url: str = ""  # a URL template, {number} {name} {call} {event} {direction}, values URL-quoted
    screen_pop_opener: tuple[str, ...] = ("xdg-open",)  # the program that opens the URL (the URL is its last arg)
    screen_pop_command: tuple[str, ...] = ()  # argv with placeholders per argument; never a shell line
    screen_pop_on: tuple[str, ...] = ("call.ringing",)
    screen_pop_direction: str = "in"  # "in": calls to the console; "out": calls it made; "both"
    screen_pop_timeout: float = 10.0  # a command still running after this is killed
    screen_pop_max: int = 4  # commands running at once

    @property
    def enabled(self) -> bool:
        return bool(self.webhook_urls or self.screen_pop_url or self.screen_pop_command)

    def webhook_wants(self, event_type: str) -> bool:
        if not self.webhook_types:
            return event_type != "call.state"
        return "*" in self.webhook_types or event_type in self.webhook_types

    @classmethod
    def from_toml(cls, data: Any) -> HooksConfig:
        """The ``[hooks]`` table (a dict from tomllib); raises :class:`ConfigError` on any bad or unknown key."""
        if not isinstance(data, Mapping):
            raise ConfigError("[hooks] must be a table")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"[hooks] {unknown[0]}: unknown key (known: {', '.join(sorted(known))})")
        defaults = cls()
        urls = _strings(data, "webhook_urls", MAX_URLS)
        for url in urls:
            _check_url("webhook_urls", url)
        types = _strings(data, "webhook_types", len(EVENT_TYPES) + 1)
        for name in types:
            if name != "*" and name not in EVENT_TYPES:
                raise ConfigError(f"[hooks] webhook_types: unknown event type {shown(name)} "
                                  f"(known: {', '.join(sorted(EVENT_TYPES))}, or \"*\" for all)")
        template = _text(data, "screen_pop_url")
        if template:
            _check_template("screen_pop_url", template)
            _check_url("screen_pop_url", template.replace("{", "").replace("}", ""))
        command = _strings(data, "screen_pop_command", MAX_ARGS)
        for arg in command:
            _check_template("screen_pop_command", arg)
        if template and command:
            raise ConfigError("[hooks] screen_pop_url and screen_pop_command: configure one of them, not both")
        opener = _strings(data, "screen_pop_opener", MAX_ARGS) if "screen_pop_opener" in data \
            else defaults.screen_pop_opener
        if not opener:
            raise ConfigError("[hooks] screen_pop_opener: must name a program, e.g. [\"xdg-open\"]")
        on = _strings(data, "screen_pop_on", len(POP_EVENTS)) if "screen_pop_on" in data else defaults.screen_pop_on
        for name in on:
            if name not in POP_EVENTS:
                raise ConfigError(f"[hooks] screen_pop_on: {shown(name)} is not one of {', '.join(sorted(POP_EVENTS))}")
        direction = _text(data, "screen_pop_direction") if "screen_pop_direction" in data \
            else defaults.screen_pop_direction
        if direction not in POP_DIRECTIONS:
            raise ConfigError(f"[hooks] screen_pop_direction: {shown(direction)} is not one of "
                              f"{', '.join(POP_DIRECTIONS)}")
        return cls(
            webhook_urls=urls, webhook_types=types,
            webhook_timeout=_number(data, "webhook_timeout", defaults.webhook_timeout, 0.1, 120.0),
            webhook_retries=int(_number(data, "webhook_retries", defaults.webhook_retries, 0, 10, whole=True)),
            webhook_queue=int(_number(data, "webhook_queue", defaults.webhook_queue, 1, 10000, whole=True)),
            webhook_secret=_text(data, "webhook_secret"), webhook_ca_file=_file(data, "webhook_ca_file"),
            screen_pop_url=template, screen_pop_opener=opener, screen_pop_command=command, screen_pop_on=on,
            screen_pop_direction=direction,
            screen_pop_timeout=_number(data, "screen_pop_timeout", defaults.screen_pop_timeout, 0.1, 600.0),
            screen_pop_max=int(_number(data, "screen_pop_max", defaults.screen_pop_max, 1, 32, whole=True)),
        )

    def to_toml(self) -> list[str]:
        """The section's lines for config.toml (update_config rewrites the file: the hooks must survive it)."""
        def strings(values: tuple[str, ...]) -> str:
            return "[" + ", ".join(json.dumps(value, ensure_ascii=False) for value in values) + "]"

        return [
            "[hooks]  # README, \"Screen pop and webhooks\"; nothing is sent or run unless configured",
            f"webhook_urls = {strings(self.webhook_urls)}  # http:// or https:// (certificates verified)",
            f"webhook_types = {strings(self.webhook_types)}  # empty: every event type but call.state; \"*\": all",
            f"webhook_timeout = {self.webhook_timeout:g}  # seconds per POST",
            f"webhook_retries = {self.webhook_retries}  # after a connection error, a timeout or a 5xx",
            f"webhook_queue = {self.webhook_queue}  # events waiting per URL; when full the oldest are dropped",
            f"webhook_secret = {json.dumps(self.webhook_secret)}  # X-Anynode-Signature: sha256=HMAC of the body",
            f"webhook_ca_file = {json.dumps(self.webhook_ca_file, ensure_ascii=False)}  "
            "# CA certificates (PEM) for https:// receivers; empty: the system's",
            f"screen_pop_url = {json.dumps(self.screen_pop_url, ensure_ascii=False)}  "
            "# e.g. \"https://crm.example/search?phone={number}&name={name}\"",
            f"screen_pop_opener = {strings(self.screen_pop_opener)}  # opens screen_pop_url",
            f"screen_pop_command = {strings(self.screen_pop_command)}  # or run this argv: [\"crm\", \"{{number}}\"]",
            f"screen_pop_on = {strings(self.screen_pop_on)}  # call.ringing, call.answered, call.ended",
            f"screen_pop_direction = {json.dumps(self.screen_pop_direction)}  # in, out (calls made here) or both",
            f"screen_pop_timeout = {self.screen_pop_timeout:g}  # a command still running after this is killed",
            f"screen_pop_max = {self.screen_pop_max}  # commands running at once",
        ]


def shown_url(url: str) -> str:
    """The URL as a message or the log shows it: a password in it is replaced by ``***``.

    Also for what is not a well-formed URL (no scheme, a password with an ``@``): errors about such a value
    must not carry the password either."""
    return _USERINFO.sub(r"\1\2:***@", url)


def shown(value: Any) -> str:
    """``repr(value)`` for an error message, every ``user:password@`` in it masked (see :func:`shown_url`)."""
    return shown_url(repr(value))


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        what = "" if key == "webhook_secret" else f", not {shown(value)}"  # a secret is never repeated
        raise ConfigError(f"[hooks] {key}: must be a string{what}")
    return value.strip()


def _file(data: Mapping[str, Any], key: str) -> str:
    path = _text(data, key)
    if path and not os.path.isfile(os.path.expanduser(path)):
        raise ConfigError(f"[hooks] {key}: no such file: {shown_url(path)}")
    return path


def _strings(data: Mapping[str, Any], key: str, limit: int) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ConfigError(f"[hooks] {key}: must be a list of non-empty strings, not {shown(value)}")
    if len(value) > limit:
        raise ConfigError(f"[hooks] {key}: at most {limit} entries")
    if any(ch in item for item in value for ch in "\0\r\n"):
        raise ConfigError(f"[hooks] {key}: no control characters (NUL, CR, LF)")
    return tuple(value)


def _number(data: Mapping[str, Any], key: str, default: float, low: float, high: float, *,
            whole: bool = False) -> float:
    value = data.get(key, default)
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        what = "a whole number" if whole else "a number"
        raise ConfigError(f"[hooks] {key}: must be {what} from {low:g} to {high:g}, not {shown(value)}")
    return float(value)


def _check_url(key: str, url: str) -> None:
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed [IPv6 literal
        usable = False
    if not usable:
        raise ConfigError(f"[hooks] {key}: {shown(url)} is not an http:// or https:// URL")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        raise ConfigError(f"[hooks] {key}: {shown(url)} has spaces or control characters (quote them: %20)")


def _check_template(key: str, template: str) -> None:
    """Only bare ``{name}`` fields of :data:`PLACEHOLDERS` (no ``{name.attr}``, ``{name!r}`` or format specs)."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(template)
                  if name is not None]
    except ValueError as exc:
        raise ConfigError(f"[hooks] {key}: {shown(template)}: {exc} (write {{{{ and }}}} for literal braces)") from None
    for name, spec, conversion in fields:
        if name not in PLACEHOLDERS or spec or conversion:
            raise ConfigError(f"[hooks] {key}: {shown(template)}: unknown placeholder {{{name}}} "
                              f"(known: {', '.join('{' + p + '}' for p in sorted(PLACEHOLDERS))})")
