"""run_switch: the `anynode-console switch --config FILE` entry point serves until cancelled."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

from console.switch.config import hash_password
from console.switch.server import run_switch

from .wire import Wire


class UrlCatcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.url = asyncio.get_running_loop().create_future()

    def emit(self, record: logging.LogRecord) -> None:
        found = re.search(r"(wss?://\S+)", record.getMessage())
        if found and not self.url.done():
            self.url.set_result(found.group(1))


async def test_run_switch_serves_a_config_file_until_cancelled(tmp_path):
    (tmp_path / "switch.toml").write_text(
        '[switch]\nport = 0\nmedia = false\n[[users]]\nusername = "op"\nnumber = "100"\n'
        f'password = "{hash_password("pw", n=1024)}"\n'
    )
    catcher = UrlCatcher()
    logger = logging.getLogger("console.switch.server")
    logger.addHandler(catcher)
    logger.setLevel(logging.INFO)
    task = asyncio.create_task(run_switch(str(tmp_path / "switch.toml")))
    try:
        url = await asyncio.wait_for(catcher.url, 5)
        wire = await Wire.open(url)
        assert (await wire.login("op", "pw"))["number"] == "100"
        task.cancel()
        assert (await wire.event("logged_out"))["reason"] == "shutdown"
        await wire.close()
    finally:
        task.cancel()
        logger.removeHandler(catcher)
        await asyncio.gather(task, return_exceptions=True)


def test_the_switch_alone_has_a_fixed_default_port(tmp_path):
    """ "`anynode-console switch` listens on a new random port every run, so a saved session can never be
    restored across a switch restart": without --port and without a port in its file it listens on
    DEFAULT_PORT (8765) every run; the file's [switch] port, then --port, override it."""
    from console.switch.config import DEFAULT_PORT
    from console.switch.server import switch_config

    from console.cli import DEFAULT_SWITCH_PORT, build_parser

    assert DEFAULT_PORT == DEFAULT_SWITCH_PORT == 8765
    assert "8765" in build_parser().format_help() and build_parser().parse_args(["switch"]).port is None
    assert switch_config(None).port == DEFAULT_PORT  # the demo directory
    assert switch_config(None, port=0).port == 0
    plain = tmp_path / "plain.toml"
    plain.write_text("[switch]\nmedia = false\n")
    assert switch_config(str(plain)).port == DEFAULT_PORT
    fixed = tmp_path / "fixed.toml"
    fixed.write_text("[switch]\nport = 9100\n")
    assert switch_config(str(fixed)).port == 9100
    assert switch_config(str(fixed), host="0.0.0.0", port=0).port == 0


def test_the_demo_file_names_the_default_port():
    """`anynode-console switch --config console/switch/demo.toml` listens where the switch alone does."""
    from console.switch.config import DEFAULT_PORT, load_config
    from console.switch.demo import demo_config

    assert load_config(Path(__file__).parents[2] / "console" / "switch" / "demo.toml").port == DEFAULT_PORT
    assert demo_config().port == 0  # the console's embedded switch and the tests: any free port


def test_the_practice_commands_options_are_its_own():
    """`practice --to 202` is the practice command's --to, not an abbreviation of the console's --token
    (argparse would otherwise stop with "ambiguous option: --to could match --token, --token-file")."""
    from console.cli import build_parser

    args = build_parser().parse_args(["practice", "--to", "202", "--callers", "3"])
    assert args.command == "practice" and args.to == "202" and args.callers == 3


# `python -m console` with SIGINT handled as a terminal's Ctrl-C is: a child of a shell that ran pytest with `&`
# would inherit SIGINT ignored, and never see it.
CTRL_C_ABLE = ("import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
               "runpy.run_module('console', run_name='__main__')")


def test_an_idle_switch_process_exits_soon_after_ctrl_c():
    """`anynode-console switch` with no clients, Ctrl-C: the process ends well within a bound (it has no
    socket to wait for; a switch with consoles gives them SHUTDOWN_GRACE in all, see test_switch_sessions)."""
    root = Path(__file__).parents[2]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-c", CTRL_C_ABLE, "switch", "--port", "0"], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            seen, deadline = b"", time.monotonic() + 60
            while b"ready at" not in seen:
                assert selector.select(max(0.0, deadline - time.monotonic())), f"no ready line: {seen[-400:]!r}"
                chunk = os.read(proc.stdout.fileno(), 65536)
                assert chunk, f"the switch ended before it was ready: {seen[-400:]!r}"
                seen += chunk
        began = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = None
        took = time.monotonic() - began
        assert code == 0 and took < 2.5, f"exit {code} {took:.2f} s after SIGINT"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
