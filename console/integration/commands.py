"""The command line of the event stream: ``--headless``, ``anynode-console events`` and ``anynode-console ctl``.

``register`` adds the options and subcommands to the CLI's parser; ``run`` runs them. The console itself
(settings, login plan, controller, embedded switch) is built by the CLI's own ``prepare`` function, handed in,
so a headless console is the same console as the one with a screen.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Awaitable, Callable

from console.persist import AppDirs, CallRecords, Config, Settings
from console.persist.config import load_config

from .headless import run_headless
from .service import EventService, StdoutSink
from .stream import SocketBusyError, StreamLimits, default_socket_path

PASSWORD_ENV = "ANYNODE_PASSWORD"  # the headless console's password (there is no login screen to type it in)
ANSWER_TIMEOUT = 10.0
Prepare = Callable[[argparse.Namespace], Awaitable[tuple[Any, Any, Any, Any, list[str]]]]


def register(parser: argparse.ArgumentParser, sub: Any) -> None:
    parser.add_argument("--headless", action="store_true",
                        help="run without a screen: log in, serve the event socket and print the events on stdout "
                             f"(JSON lines) until Ctrl-C; the password, if any, from {PASSWORD_ENV}")
    parser.add_argument("--socket", metavar="PATH",
                        help=f"the event and control socket (default: config.toml's [events] socket, else "
                             f"{default_socket_path()}; \"off\": none)")
    events = sub.add_parser("events", help="print a running console's events (JSON lines) until Ctrl-C")
    events.add_argument("--socket", dest="client_socket", metavar="PATH", help="the console's socket")
    ctl = sub.add_parser("ctl", help="send one command to a running console: ctl dial number=201")
    ctl.add_argument("--socket", dest="client_socket", metavar="PATH", help="the console's socket")
    ctl.add_argument("cmd", help="dial, answer, decline, hold, retrieve, transfer, park, pickup, hangup, dnd, "
                                 "forward, dtmf, status (docs/EVENTS.md)")
    ctl.add_argument("args", nargs="*", metavar="KEY=VALUE", help="the command's arguments, e.g. number=201 slot=2")


def socket_path(args: argparse.Namespace, config: Config | None = None) -> Path | None:
    """--socket, else config.toml's ``[events] socket``, else the default; None for "off" (no socket)."""
    if config is None:
        config = load_config(AppDirs.default(args.config_dir, args.data_dir))
    chosen = getattr(args, "client_socket", None) or getattr(args, "socket", None) or config.events_socket
    if chosen == "off":
        return None
    return Path(chosen).expanduser() if chosen else default_socket_path()


def limits(config: Config) -> StreamLimits:
    return StreamLimits(max_clients=config.events_max_clients, client_lines=config.events_client_lines,
                        client_bytes=config.events_client_bytes)


def run(args: argparse.Namespace, prepare: Prepare) -> int:
    if args.command in ("events", "ctl") and socket_path(args) is None:
        print(f"anynode-console {args.command}: config.toml says [events] socket = \"off\"; give --socket",
              file=sys.stderr)
        return 2
    if args.command == "events":
        return tail(socket_path(args))  # type: ignore[arg-type]
    if args.command == "ctl":
        try:
            command_args = parse_pairs(args.args)
        except ValueError as exc:
            print(f"anynode-console ctl: {exc}", file=sys.stderr)
            return 2
        return send(socket_path(args), args.cmd, command_args)  # type: ignore[arg-type]
    try:
        return asyncio.run(headless(args, prepare))
    except KeyboardInterrupt:
        return 0


def parse_pairs(pairs: list[str]) -> dict[str, Any]:
    """``number=201 on=true`` -> {"number": "201", "on": True}; anything without "=" is refused."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"{pair!r} is not KEY=VALUE")
        out[key] = {"true": True, "false": False}.get(value.lower(), value)
    return out


# -- the clients -----------------------------------------------------------------------------------------
def _connect(path: Path, what: str) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except OSError as exc:
        sock.close()
        print(f"anynode-console {what}: no console listens on {path} ({exc.strerror or exc}); start one "
              "(anynode-console, or anynode-console --headless), or give --socket", file=sys.stderr)
        return None
    return sock


def send(path: Path, cmd: str, command_args: dict[str, Any]) -> int:
    """Send one command, print its answer (one JSON line); 0 if it went through, 1 if refused, 2 if no console."""
    sock = _connect(path, "ctl")
    if sock is None:
        return 2
    with sock:
        sock.settimeout(ANSWER_TIMEOUT)
        sock.sendall((json.dumps({"id": 1, "cmd": cmd, "args": command_args}) + "\n").encode())
        reader = sock.makefile("rb")
        try:
            line = reader.readline()
        except TimeoutError:
            print(f"anynode-console ctl: no answer within {ANSWER_TIMEOUT:g} s", file=sys.stderr)
            return 2
    if not line:
        print("anynode-console ctl: the console closed the connection without an answer", file=sys.stderr)
        return 2
    sys.stdout.write(line.decode("utf-8", "replace"))
    sys.stdout.flush()
    try:
        return 0 if json.loads(line).get("ok") else 1
    except ValueError:
        return 1


def tail(path: Path) -> int:
    """Subscribe and print every event line as it comes, until Ctrl-C or the console goes away."""
    sock = _connect(path, "events")
    if sock is None:
        return 2
    out = sys.stdout.buffer
    with sock:
        sock.sendall(b'{"id":"events","cmd":"subscribe"}\n')
        reader = sock.makefile("rb")
        try:
            first = json.loads(reader.readline() or b"{}")
            if not first.get("ok"):
                print(f"anynode-console events: refused: {first.get('error') or 'the console closed the connection'}",
                      file=sys.stderr)
                return 1
            for line in reader:
                out.write(line)
                out.flush()
        except KeyboardInterrupt:
            return 0
        except BrokenPipeError:  # `events | head`: the reader has what it wanted
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), out.fileno())
            return 0
        except (OSError, ValueError) as exc:
            print(f"anynode-console events: {exc}", file=sys.stderr)
            return 1
    print("anynode-console events: the console closed the stream", file=sys.stderr)
    return 1


def stats_source(settings: Settings) -> tuple[CallRecords | None, float]:
    """The call records today's ``stats`` events are figured from (none without a home), and the service level."""
    dirs = settings.dirs
    config = settings.config
    records = CallRecords(dirs, config.records_file_bytes, config.records_files) if dirs is not None else None
    return records, config.service_level


def event_service(controller: Any, path: Path | None, settings: Settings) -> EventService:
    """``controller``'s event service as ``settings`` ask: the socket at ``path`` (None: none), the ``stats``
    events from the call records, and the configured hooks."""
    config = settings.config
    return EventService(controller, path, limits(config), *stats_source(settings),
                        hooks=config.hooks if config.hooks.enabled else None)


# -- the headless console ------------------------------------------------------------------------------
async def headless(args: argparse.Namespace, prepare: Prepare) -> int:
    settings, plan, controller, switch, notes = await prepare(args)
    for note in notes:
        print(f"anynode-console --headless: {note}", file=sys.stderr)
    if not plan.token and not plan.embedded and os.environ.get(PASSWORD_ENV):
        plan = replace(plan, password=os.environ[PASSWORD_ENV], auto_login=True)
    service = event_service(controller, socket_path(args, settings.config), settings)
    stdout = None
    try:
        try:
            await service.start()
        except (SocketBusyError, OSError) as exc:
            print(f"anynode-console --headless: {exc}", file=sys.stderr)
            return 2
        stdout = await StdoutSink().start()
        return await run_headless(controller, plan, service, stdout=stdout)
    finally:
        await service.aclose()
        if stdout is not None:
            stdout.close()
        await controller.aclose()
        if switch is not None:
            await switch.aclose()


async def serve_beside_screen(controller: Any, args: argparse.Namespace,
                              settings: Settings) -> tuple[EventService | None, list[str]]:
    """The event service of a console with a screen: the socket, the ``stats`` events and the configured hooks.

    The socket is started if it can be (the log says where); if not, the reason is a start-up problem the
    screen shows and the hooks run without it. None and no reason with ``[events] socket = "off"`` and no
    hooks configured."""
    path = socket_path(args, settings.config)
    hooks = settings.config.hooks.enabled
    if path is None and not hooks:
        return None, []
    service = event_service(controller, path, settings)
    try:
        await service.start(to_log_pane=True)
    except (SocketBusyError, OSError) as exc:
        await service.aclose()
        if not hooks:
            return None, [f"no event socket: {exc}"]
        return await event_service(controller, None, settings).start(to_log_pane=True), [f"no event socket: {exc}"]
    if path is not None:
        controller.note(f"events and commands on {path} (anynode-console events)")
    return service, []
