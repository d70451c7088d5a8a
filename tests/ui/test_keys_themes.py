"""Keys come from one table, can be remapped from config, and are all in the palette; themes switch live."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

from console.core.enums import CALL_STATES
from console.persist import Config, load_config
from console.ui.keys import ALL_ACTIONS, MAIN_ACTIONS
from console.ui.screens import HelpScreen

from rich.console import Console

from .conftest import make_console, operator_plan
from .test_operator import SIZE, dial, logged_in, slot_state


async def test_a_remapped_key_ends_the_call_and_the_help_shows_it(switch, dirs):
    config = Config(keys={"hangup": "k", "nonsense": "z"})
    console = make_console(dirs, operator_plan(switch), config=config)
    async with console.app.run_test(size=SIZE) as pilot:
        await console.until(logged_in)
        slot = await dial(pilot, console, "9000")
        await pilot.press("e")  # no longer bound
        await pilot.pause()
        assert console.store.state.call_in(slot).state is CALL_STATES.CONNECTED
        await pilot.press("k")
        await console.until(slot_state(slot, CALL_STATES.DISCONNECTED))
        await pilot.press("f1")
        assert isinstance(console.app.screen, HelpScreen)
        help_text = plain(console.app.screen._keys())
        assert re.search(r"\bk\s+End \(hang up\) the selected call", help_text), help_text
        assert any("unknown action 'nonsense'" in line.text for line in console.store.state.log)
    await console.controller.aclose()


def plain(renderable) -> str:
    console = Console(width=120, file=io.StringIO(), record=True)
    console.print(renderable)
    return console.export_text()


async def test_every_action_is_in_the_command_palette(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE):
        titles = " ".join(cmd.title for cmd in console.app.get_system_commands(console.app.screen))
        for spec in ALL_ACTIONS:
            if spec.palette:
                assert spec.label in titles, spec.id
    await console.controller.aclose()


async def test_footer_shows_the_main_keys():
    shown = [spec.id for spec in MAIN_ACTIONS if spec.show]
    assert {"answer", "decline", "hold", "retrieve", "hangup", "dial", "transfer", "history"} <= set(shown)


async def test_theme_switches_at_run_time_and_is_saved(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=SIZE) as pilot:
        assert console.app.theme == "anynode-dark"
        await pilot.press("ctrl+t")
        assert console.app.theme != "anynode-dark"
        assert load_config(dirs).theme == console.app.theme
    await console.controller.aclose()


async def test_a_user_theme_file_is_offered(switch, dirs):
    dirs.themes_dir.mkdir(parents=True)
    (dirs.themes_dir / "mine.toml").write_text('name = "my-theme"\nprimary = "#00ff00"\ndark = true\n')
    (dirs.themes_dir / "broken.toml").write_text('name = "no-primary"\n')
    console = make_console(dirs, operator_plan(switch), config=Config(theme="my-theme"))
    async with console.app.run_test(size=SIZE):
        assert console.app.theme == "my-theme"
        assert "no-primary" not in console.app.available_themes
    await console.controller.aclose()


def test_headless_layers_import_no_textual():
    code = ("import sys, console.core.protocol, console.core.machines, console.store, console.persist, "
            "console.webrtc, console.net.comm; assert 'textual' not in sys.modules, 'textual imported'")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
