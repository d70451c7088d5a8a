"""The ``anynode-console`` command: the switchboard, the switch alone, or the list of audio devices."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import ssl
import sys
from dataclasses import replace
from typing import Sequence
from urllib.parse import urlsplit

from console.core.transport import cleartext_host
from console.integration import cdr
from console.persist import AppDirs, BoardFile, CallHistory, CallRecords, Config, RecordingFolder, SessionFile, Settings
from console.persist import ConfigError as ConsoleConfigError
from console.store import Controller, LoginPlan, client_factory, is_secure
from console.store.effects import RecordKeeper

DESCRIPTION = """\
A keyboard-driven switchboard for WebRTC telephony.

Ways to run it:

  anynode-console
      With no server configured, starts the embedded demo switch on 127.0.0.1
      (users operator/alice/bob/carol/guest, password = user name; services
      9000 echo, 9001 tone, 9002 IVR, 9003 music, 9004 busy, 9005 no answer,
      9006 reject, 9007 congestion), logs you in as the operator (number 200)
      and offers a demo caller on F5.

  anynode-console --server wss://host:port --user NAME [--number N] [--token-file FILE]
      Logs in to a real server: the password is asked for on the login screen
      and never stored. A saved session for that server is restored first, with
      the calls it still has. --token-file (or the ANYNODE_TOKEN environment
      variable) logs in with a JSON Web Token instead; never put a token on the
      command line, where every user of the machine can read it.
      ws:// (or sip+ws://) to anything but this machine sends the password in clear: it needs --insecure.

  anynode-console --server sip+wss://pbx.example:8443/ws --user 1000
      The same over SIP (RFC 7118 SIP over WebSocket; sip+ws:// without TLS):
      registers sip:1000@pbx.example with Kamailio, Asterisk, FreeSWITCH or an
      SBC. README "Connecting to a SIP server".

Other commands:
  anynode-console switch --config FILE    run the switch alone (no FILE: the demo directory) on
                                          ws://127.0.0.1:8765 (--host, --port or the file's [switch] change it)
  anynode-console practice --callers 30 [--server ws://127.0.0.1:8765] [--to 200]
                                          ring practice callers (numbers, names, music on hold)
                                          at a console on a running switch, until their calls end
                                          or Ctrl-C; README "Practice callers"
  anynode-console devices                 list the audio devices
  anynode-console cdr --since 24h --format csv [--file PATH]
                                          export the call records (README "Call records")
  anynode-console --headless              the console with no screen: events on stdout and on the socket
  anynode-console events                  print a running console's events (JSON lines; docs/EVENTS.md)
  anynode-console ctl dial number=201     send one command to a running console

Keys: F1 or ? shows them all; ctrl+p finds every action by name; ctrl+q quits.
"""

TOKEN_ENV = "ANYNODE_TOKEN"
PASSWORD_ENV = "ANYNODE_PASSWORD"  # the practice callers' users' password (default: the demo's, the user name)
DEFAULT_SWITCH_PORT = 8765  # console.switch.config.DEFAULT_PORT (tests/switch/test_switch_run.py keeps them equal)


class UsageError(Exception):
    """The command line cannot be used as given; the message says what to do instead."""


def read_token(args: argparse.Namespace, environ: dict[str, str]) -> str:
    """The token from --token-file or ANYNODE_TOKEN ("" if neither); --token is refused (visible in ps)."""
    if args.token:
        raise UsageError(f"--token would show the token to every user of this machine (ps, /proc); "
                         f"use --token-file FILE or the {TOKEN_ENV} environment variable")
    if args.token_file:
        try:
            with open(args.token_file, encoding="utf-8") as handle:
                token = handle.read().strip()
        except OSError as exc:
            raise UsageError(f"cannot read the token file {args.token_file}: {exc.strerror or exc}") from None
        if not token:
            raise UsageError(f"the token file {args.token_file} is empty")
        return token
    return environ.get(TOKEN_ENV, "").strip()


def check_transport(server: str, insecure: bool) -> str | None:
    """ws:// (or sip+ws://) to a host other than loopback needs --insecure; returns the one-line warning to
    show, if any. Over SIP the password itself stays a digest, but the signalling, the digest (open to offline
    guessing) and the SDP's DTLS fingerprints would travel unprotected. The rule is
    ``console.core.transport.cleartext_host``, the same the login screen and the API apply."""
    host = cleartext_host(server, is_secure(server))
    if host is None:
        return None
    scheme = urlsplit(server.strip()).scheme.lower()
    if not insecure:
        raise UsageError(f"{server} is {scheme}:// (no TLS): the login would go to {host} in clear; "
                         "use wss:// (sip+wss://), or --insecure if you mean it")
    return f"warning: --insecure: credentials go to {host} in clear ({scheme}://)"


def trusted_ca(option: str | None, configured: str) -> str | None:
    """The CA file servers' TLS certificates are verified with: ``--ca-file``, else config.toml ``ca_file``, else
    None (the system's trust store). One that cannot be used is a UsageError now, not a failed login later."""
    path, where = (option, "--ca-file") if option else (configured, "config.toml ca_file")
    if not path:
        return None
    path = os.path.expanduser(path)
    try:
        ssl.create_default_context(cafile=path)
    except FileNotFoundError:
        raise UsageError(f"{where} {path}: no such file") from None
    except ssl.SSLError:
        raise UsageError(f"{where} {path}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)") from None
    except OSError as exc:
        raise UsageError(f"{where} {path}: cannot read: {exc.strerror or exc}") from None
    return path


DEMO_CALLERS = (("201", "Alice"), ("202", "Bob"), ("203", "Carol"), ("+4930555010", "Outside caller"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="anynode-console", description=DESCRIPTION, allow_abbrev=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", help="wss://host:port of the switch, or sip+wss://host:port/path of a SIP server "
                                         "(default: config.toml's, else embedded)")
    parser.add_argument("--user", help="username to log in with")
    parser.add_argument("--number", help="the number to register, if the server wants one from the console")
    # --- secrets (issue 13): tokens never on the command line; clear text only when asked for
    parser.add_argument("--token", help=argparse.SUPPRESS)  # refused: see main()
    parser.add_argument("--token-file", metavar="FILE",
                        help=f"log in with the JSON Web Token in FILE instead of a password (or set {TOKEN_ENV})")
    parser.add_argument("--insecure", action="store_true",
                        help="allow ws:// or sip+ws:// (no TLS) to a host other than this machine: the password "
                             "travels in clear")
    # --- end secrets
    parser.add_argument("--ca-file", help="CA certificates (PEM) the server's TLS certificate must chain to, for "
                                          "wss:// and sip+wss:// (default: config.toml's ca_file, else the system's)")
    parser.add_argument("--device", help="audio device: index, part of its name, 'null' or a .wav path")
    parser.add_argument("--jitter-frames", type=int, metavar="N", choices=range(1, 9),
                        help="20 ms audio frames the console's receive jitter buffer holds back (1-8; default 1: "
                             "lowest delay; raise it on a jittery network; the embedded switch keeps its own)")
    parser.add_argument("--theme", help="theme name (e.g. anynode-light, anynode-high-contrast)")
    parser.add_argument("--no-restore", action="store_true", help="do not restore a saved session")
    parser.add_argument("--save", action="store_true",
                        help="remember --server, --user and --number in config.toml after a successful login "
                             "(without it they hold for this run only)")
    parser.add_argument("--auto-accept", action="store_true",
                        help="accept incoming calls on arrival (callers hear ringing at once); config: auto_accept")
    parser.add_argument("--log-client", action="store_true", help="start with the client's diagnostic log on")
    parser.add_argument("--config-dir", help="where config.toml and themes/ live (default: the platform's)")
    parser.add_argument("--data-dir", help="where sessions and call history live (default: the platform's)")
    sub = parser.add_subparsers(dest="command", metavar="{switch,practice,devices,cdr,events,ctl}")
    switch = sub.add_parser("switch", help="run the embedded switch alone")
    switch.add_argument("--config", help="the switch's TOML file (default: the demo directory)")
    switch.add_argument("--host", help="address to listen on (default: the file's, else 127.0.0.1)")
    switch.add_argument("--port", type=int, help=f"port to listen on (default: the file's [switch] port, else "
                                                  f"{DEFAULT_SWITCH_PORT}; 0 = any free port)")
    practice = sub.add_parser("practice", help="ring practice callers at a console on a running switch")
    practice.add_argument("--server", default=f"ws://127.0.0.1:{DEFAULT_SWITCH_PORT}",
                          help="the running switch (default: %(default)s, where `anynode-console switch` listens)")
    practice.add_argument("--callers", type=int, default=5, metavar="N",
                          help="how many callers ring (1-64, default %(default)s); each logs in on its own")
    practice.add_argument("--to", default="200", metavar="NUMBER", help="the number they call (default %(default)s)")
    practice.add_argument("--user", action="append", metavar="NAME",
                          help="log the callers in as NAME, taking turns if given more than once (default: the "
                               f"demo's alice, bob and carol); the password comes from {PASSWORD_ENV}, else it is "
                               "the user name (as in the demo directory)")
    practice.add_argument("--own-numbers", action="store_true",
                          help="call from the users' own numbers (for a switch without open_numbers); otherwise "
                               "each caller registers +4930555001, +4930555002, ...")
    sub.add_parser("devices", help="list audio devices")
    cdr.add_parser(sub)
    from console.integration.commands import register  # --headless, --socket, events, ctl (docs/EVENTS.md)

    register(parser, sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "switch":
        from console.switch.server import run_switch

        from console.switch.config import ConfigError

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        try:
            asyncio.run(run_switch(args.config, host=args.host, port=args.port))
        except KeyboardInterrupt:
            pass
        except (ConfigError, OSError) as exc:  # a bad file, a port in use: say so, no traceback
            print(f"anynode-console switch: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "devices":
        return list_audio_devices()
    if args.command == "practice":
        return run_practice(args)
    if args.command == "cdr":
        return cdr.run(args)
    if args.headless or args.command in ("events", "ctl"):
        from console.integration.commands import run

        try:
            return run(args, prepare_console)
        except UsageError as exc:
            print(f"anynode-console: {exc}", file=sys.stderr)
            return 2
    if sys.stderr.isatty():  # PortAudio/ALSA talk on fd 2 while streams run: keep them off the terminal UI
        from console.media.portaudio import divert_c_stderr

        divert_c_stderr()
    try:
        asyncio.run(run_console(args))
    except (UsageError, ConsoleConfigError) as exc:  # a bad [hooks] value in config.toml
        print(f"anynode-console: {exc}", file=sys.stderr)
        return 2
    return 0


def run_practice(args: argparse.Namespace) -> int:
    """``anynode-console practice``: the callers ring until their calls end or Ctrl-C (console/practice.py)."""
    from console.practice import DEMO_USERS, plan_callers, ring_practice_callers

    try:
        callers = plan_callers(args.callers, tuple(args.user or DEMO_USERS), own_numbers=args.own_numbers)
        check_transport(args.server, args.insecure)
        # the console's rule: --ca-file, else config.toml ca_file, else the system's trust store
        config = Settings.load(AppDirs.default(args.config_dir, args.data_dir)).config
        ca_file = trusted_ca(args.ca_file, config.ca_file)
    except (ValueError, UsageError) as exc:
        print(f"anynode-console practice: {exc}", file=sys.stderr)
        return 2
    password = os.environ.get(PASSWORD_ENV, "")
    try:
        rang = asyncio.run(ring_practice_callers(args.server, callers, args.to, lambda user: password or user,
                                                 ca_file=ca_file))
    except KeyboardInterrupt:  # asyncio.run has cancelled the callers: they hung up and logged out
        print("practice callers hung up")
        return 0
    return 0 if rang else 1


def list_audio_devices() -> int:
    """The outputs and inputs by the audio server's names, with the spec config.toml takes."""
    try:
        from console.media.catalog import describe, list_choices
    except ImportError as exc:
        print(f"no audio support: {exc}", file=sys.stderr)
        return 1
    choices = list_choices()
    if all(choice.spec == "null" for choice in choices):
        print("No sound card or audio server found; calls use the silent virtual device ('--device null').")
    for line in describe(choices):
        print(line)
    print("Put a spec in config.toml: audio_device (headset: output and microphone), ringer_device (where calls ring).")
    return 0


async def run_console(args: argparse.Namespace) -> None:
    """Everything on one loop: the embedded switch (if any), the client, the event socket, the app."""
    from console.integration.commands import serve_beside_screen

    settings, plan, controller, switch, notes = await prepare_console(args)
    from console.ui import build_app

    events, problems = await serve_beside_screen(controller, args, settings)
    app = build_app(settings, controller, plan, notes=notes + problems)
    try:
        await app.run_async()
    finally:
        if events is not None:
            await events.aclose()
        await controller.aclose()
        if switch is not None:
            await switch.aclose()


async def prepare_console(args: argparse.Namespace):
    """The console's settings, login plan, controller, embedded switch (or None) and start-up notes; the same
    for the screen and for ``--headless``."""
    dirs = AppDirs.default(args.config_dir, args.data_dir)
    settings = Settings.load(dirs)
    config = settings.config
    if args.theme or args.log_client or args.auto_accept:  # for this run only; not written to config.toml
        config = replace(config, theme=args.theme or config.theme, log_client=args.log_client or config.log_client,
                         auto_accept=args.auto_accept or config.auto_accept)
        settings = replace(settings, config=config)
    server = args.server or config.server
    ca_file = trusted_ca(args.ca_file, config.ca_file)
    switch = None
    if server:
        token = read_token(args, dict(os.environ))
        warning = check_transport(server, args.insecure)
        if warning:
            print(warning, file=sys.stderr)
        plan = LoginPlan(server=server, username=args.user or config.username, number=args.number or config.number,
                         token=token, auto_login=bool(token), restore=not args.no_restore, save=args.save,
                         insecure=bool(warning))
    else:
        switch, plan = await start_embedded()
    if args.jitter_frames is not None or ca_file:
        from console.media import patches

        if args.jitter_frames is not None:
            patches.set_audio_prefetch(args.jitter_frames)
        patches.set_turn_ca_file(ca_file)  # turns: servers are verified against it, as wss:// is
    device = args.device or config.audio_device or "auto"
    notes = [note] if (note := check_device(device)) else []
    controller = build_controller(plan, dirs, config.auto_accept, client_factory(device=device, ringer=config.ringer_device or None, ca_file=ca_file,
                                                                                  sip_desk=sip_desk_settings(config, plan.server),
                                                                                  park=config.sip_park,
                                                                                  park_recall=config.sip_park_recall,
                                                                                  ice_servers=config.ice_servers,
                                                                                  ice_policy=config.ice_policy,
                                                                                  audio_latency_ms=config.audio_latency_ms),
                                  max_recording_seconds=config.max_recording_seconds,
                                  records=CallRecords(dirs, config.records_file_bytes, config.records_files))
    return settings, plan, controller, switch, notes


def build_controller(plan: LoginPlan, dirs: AppDirs, auto_accept: bool, factory,
                     max_recording_seconds: float = 3600.0, records: CallRecords | None = None) -> Controller:
    """The console's controller (and its store). The embedded switch listens on a new random port each run, so its sessions
    (and the board of their calls) could never be restored: nothing of them is kept. Every call that ends becomes a
    call record (``records``, default: calls.jsonl in ``dirs``), subscribed before the app so a wallboard reads it."""
    controller = Controller(factory, sessions=None if plan.embedded else SessionFile(dirs), history=CallHistory(dirs),
                            media=True, board=None if plan.embedded else BoardFile(dirs), auto_accept=auto_accept,
                            recordings=RecordingFolder(dirs), max_recording_seconds=max_recording_seconds)
    controller.record_keeper = RecordKeeper(records or CallRecords(dirs), controller.error)
    controller.store.subscribe(controller.record_keeper)
    return controller


def sip_desk_settings(config: Config, server: str | None = None):
    """config.toml's ``[sip]`` for a SIP wire: the directory with lamps, the pickup code, what DND answers, and the
    ring of proxies a lost connection fails over to (config.toml's server and ``[sip] outbound_proxies``; none when
    ``server``, the one logged in to, is not one of them)."""
    from console.core.client.sip_settings import SipDeskSettings
    from console.core.directory import DirectoryEntry

    from console.core.client.failover import proxy_ring

    ring = proxy_ring(config.server, config.sip_outbound_proxies) if config.sip_outbound_proxies else ()
    return SipDeskSettings(directory=tuple(DirectoryEntry(number, name or number) for number, name in config.sip_directory),
                           pickup_code=config.sip_pickup_code, dnd_status=config.sip_dnd_status,
                           pickup_replaces=config.sip_pickup_replaces,
                           outbound_proxies=ring if (server or config.server).strip() in ring else ())


def check_device(spec: str) -> str | None:
    """One line if the audio device asked for does not exist (the console then falls back to another).

    Any spec open_device takes, checked by the media layer's catalog (``pulse:sink=...,source=...``
    against the server's names, PortAudio indexes and names, WAV paths).
    """
    try:
        from console.media.catalog import check_spec
    except ImportError:  # no media support at all: the console says so when a call needs it
        return None
    return check_spec(spec)


async def start_embedded() -> tuple[object, LoginPlan]:
    """The demo switch on loopback, any free port, and a plan that logs the operator in."""
    from console.switch.demo import embedded_config
    from console.switch.media import ServiceKind
    from console.switch.server import Switch

    switch = await Switch.start(embedded_config(port=0))  # its own random JWT secret, not demo.toml's
    callers = itertools.cycle(DEMO_CALLERS)

    async def demo_call() -> str:
        number, name = next(callers)
        call_id = await switch.originate(number, name, "200", ServiceKind.MUSIC)
        return f"demo caller {number} {name} is ringing (switch call {call_id})"

    config = switch.config
    directory = tuple((u.number, u.name or u.username) for u in config.users if u.number)
    directory += tuple((s.number, s.name or str(s.kind)) for s in config.services)
    plan = LoginPlan(server=switch.url, username="operator", password="operator", auto_login=True,
                     restore=False, embedded=True, demo_call=demo_call, directory=directory)
    return switch, plan
