"""The ``anynode-console`` command: the switchboard, the switch alone, or the list of audio devices."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import sys
from dataclasses import replace
from typing import Sequence

from console.settings import AppDirs, CallHistory, SessionFile, Settings
from console.store import LoginPlan, Store, client_factory

DESCRIPTION = """\
A keyboard-driven switchboard for WebRTC telephony.

Ways to run it:

  anynode-console
      With no server configured, starts the embedded demo switch on 127.0.0.1
      (users operator/alice/bob/carol/guest, password = user name; services
      9000 echo, 9001 tone, 9002 IVR, 9003 music, 9004 busy, 9005 no answer,
      9006 reject, 9007 congestion), logs you in as the operator (number 200)
      and offers a demo caller on F5.

  anynode-console --server wss://host:port --user NAME [--number N] [--token JWT]
      Logs in to a real server: the password is asked for on the login screen
      and never stored. A saved session for that server is restored first, with
      the calls it still has. --token logs in with a JSON Web Token instead.

  anynode-console --server sip+wss://pbx.example:8443/ws --user 1000
      The same over SIP (RFC 7118 SIP over WebSocket; sip+ws:// without TLS):
      registers sip:1000@pbx.example with Kamailio, Asterisk, FreeSWITCH or an
      SBC. README "Connecting to a SIP server".

Other commands:
  anynode-console switch --config FILE    run the switch alone (no FILE: the demo directory)
  anynode-console devices                 list the audio devices

Keys: F1 or ? shows them all; ctrl+p finds every action by name; ctrl+q quits.
"""

DEMO_CALLERS = (("201", "Alice"), ("202", "Bob"), ("203", "Carol"), ("+4930555010", "Outside caller"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="anynode-console", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", help="wss://host:port of the switch, or sip+wss://host:port/path of a SIP server "
                                         "(default: config.toml's, else embedded)")
    parser.add_argument("--user", help="username to log in with")
    parser.add_argument("--number", help="the number to register, if the server wants one from the console")
    parser.add_argument("--token", help="log in with this JSON Web Token instead of a password")
    parser.add_argument("--ca-file", help="CA certificates to verify the server's TLS certificate with")
    parser.add_argument("--device", help="audio device: index, part of its name, 'null' or a .wav path")
    parser.add_argument("--jitter-frames", type=int, metavar="N", choices=range(1, 9),
                        help="20 ms audio frames the receive jitter buffer holds back (1-8; default 1: lowest delay; "
                             "raise it on a jittery network)")
    parser.add_argument("--theme", help="theme name (e.g. anynode-light, anynode-high-contrast)")
    parser.add_argument("--no-restore", action="store_true", help="do not restore a saved session")
    parser.add_argument("--log-client", action="store_true", help="start with the client's diagnostic log on")
    parser.add_argument("--config-dir", help="where config.toml and themes/ live (default: the platform's)")
    parser.add_argument("--data-dir", help="where sessions and call history live (default: the platform's)")
    sub = parser.add_subparsers(dest="command", metavar="{switch,devices}")
    switch = sub.add_parser("switch", help="run the embedded switch alone")
    switch.add_argument("--config", help="the switch's TOML file (default: the demo directory)")
    switch.add_argument("--host", help="address to listen on (default: the file's, else 127.0.0.1)")
    switch.add_argument("--port", type=int, help="port to listen on (default: the file's; 0 = any free port)")
    sub.add_parser("devices", help="list audio devices")
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
    asyncio.run(run_console(args))
    return 0


def list_audio_devices() -> int:
    try:
        from console.media.portaudio import list_devices
    except ImportError as exc:
        print(f"no audio support: {exc}", file=sys.stderr)
        return 1
    devices = list_devices()
    if not devices:
        print("No sound card found; calls use the silent null device ('--device null').")
    for dev in devices:
        print(f"{dev.index:3d}  {dev.name}  (in {dev.inputs}, out {dev.outputs}, {dev.default_rate:.0f} Hz)")
    return 0


async def run_console(args: argparse.Namespace) -> None:
    """Everything on one loop: the embedded switch (if any), the client, the app."""
    dirs = AppDirs.default(args.config_dir, args.data_dir)
    settings = Settings.load(dirs)
    config = settings.config
    if args.theme or args.log_client:  # for this run only; not written to config.toml
        config = replace(config, theme=args.theme or config.theme, log_client=args.log_client or config.log_client)
        settings = replace(settings, config=config)
    server = args.server or config.server
    switch = None
    if server:
        plan = LoginPlan(server=server, username=args.user or config.username, number=args.number or config.number,
                         token=args.token or "", auto_login=bool(args.token), restore=not args.no_restore)
    else:
        switch, plan = await start_embedded()
    if args.jitter_frames is not None:
        from console.media import patches

        patches.set_audio_prefetch(args.jitter_frames)
    device = args.device or config.audio_device or "auto"
    store = Store(client_factory(device=device, ca_file=args.ca_file), sessions=SessionFile(dirs),
                  history=CallHistory(dirs), media=True)
    from console.ui import build_app

    app = build_app(settings, store, plan)
    try:
        await app.run_async()
    finally:
        await store.aclose()
        if switch is not None:
            await switch.aclose()


async def start_embedded() -> tuple[object, LoginPlan]:
    """The demo switch on loopback, any free port, and a plan that logs the operator in."""
    from console.switch.demo import demo_config
    from console.switch.media import ServiceKind
    from console.switch.server import Switch

    switch = await Switch.start(demo_config(port=0))
    callers = itertools.cycle(DEMO_CALLERS)

    async def demo_call() -> str:
        number, name = next(callers)
        call_id = await switch.originate(number, name, "200", ServiceKind.MUSIC)
        return f"demo caller {number} {name} is ringing (switch call {call_id})"

    plan = LoginPlan(server=switch.url, username="operator", password="operator", auto_login=True,
                     restore=False, embedded=True, demo_call=demo_call)
    return switch, plan
