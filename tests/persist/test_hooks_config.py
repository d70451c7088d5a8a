"""config.toml's [hooks]: nothing by default, a round trip through the file, a clear error for every bad value."""

from __future__ import annotations

import subprocess
import sys

import pytest

from console.persist import AppDirs, Config, ConfigError, HooksConfig, load_config, save_config, update_config

CRM = "https://crm.example/search?phone={number}&name={name}"


def dirs(tmp_path) -> AppDirs:
    return AppDirs(config_dir=tmp_path / "cfg", data_dir=tmp_path / "data")


def test_nothing_is_configured_by_default():
    hooks = Config().hooks
    assert not hooks.enabled and hooks.webhook_urls == () and not hooks.screen_pop_url and not hooks.screen_pop_command
    assert hooks.webhook_wants("call.ringing") and hooks.webhook_wants("transfer")
    assert not hooks.webhook_wants("call.state")  # the lifecycle events say it once


def test_the_hooks_survive_a_round_trip_and_an_update_of_another_key(tmp_path):
    d = dirs(tmp_path)
    (tmp_path / "ca.pem").write_text("checked when the webhooks start\n")
    hooks = HooksConfig(webhook_urls=("https://tools.example/anynode", "http://127.0.0.1:9999/x"),
                        webhook_types=("call.ringing", "call.ended"), webhook_timeout=2.5, webhook_retries=0,
                        webhook_queue=7, webhook_secret='s3"cret', webhook_ca_file=str(tmp_path / "ca.pem"),
                        screen_pop_url=CRM, screen_pop_opener=("open",),
                        screen_pop_on=("call.ringing", "call.answered"), screen_pop_direction="both",
                        screen_pop_timeout=3, screen_pop_max=2)
    save_config(d, Config(hooks=hooks))
    assert load_config(d).hooks == hooks
    assert update_config(d, theme="anynode-light").hooks == hooks
    command = HooksConfig(screen_pop_command=("crm-lookup", "--number={number}", "{name}"))
    save_config(d, Config(hooks=command))
    assert load_config(d).hooks == command and load_config(d).hooks.enabled


def test_the_readmes_examples_load():
    """Each ```toml block of the README's "Screen pop and webhooks" section is a valid [hooks] section."""
    import re
    import tomllib
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("## Screen pop and webhooks", 1)[1].split("\n## ", 1)[0]
    blocks = [tomllib.loads(block)["hooks"] for block in re.findall(r"```toml\n(.+?)```", section, re.S)]
    loaded = [HooksConfig.from_toml(block) for block in blocks]
    assert len(loaded) == 3 and all(hooks.enabled for hooks in loaded)
    assert loaded[0].screen_pop_url == CRM and loaded[0].screen_pop_opener == ("xdg-open",)
    assert loaded[2].webhook_urls == ("https://tools.example/anynode/events",) and loaded[2].webhook_secret


@pytest.mark.parametrize(("section", "error"), [
    ({"webhook_url": ["http://x"]}, "webhook_url: unknown key"),
    ({"webhook_urls": "http://x"}, "webhook_urls: must be a list of non-empty strings"),
    ({"webhook_urls": ["ftp://x/"]}, "webhook_urls: 'ftp://x/' is not an http:// or https:// URL"),
    ({"webhook_urls": ["http://x/a b"]}, "spaces or control characters"),
    ({"webhook_types": ["call.ring"]}, "webhook_types: unknown event type 'call.ring'"),
    ({"webhook_timeout": 0}, "webhook_timeout: must be a number from 0.1 to 120, not 0"),
    ({"webhook_timeout": "5"}, "webhook_timeout: must be a number"),
    ({"webhook_retries": 1.5}, "webhook_retries: must be a whole number from 0 to 10"),
    ({"webhook_retries": True}, "webhook_retries: must be a whole number"),
    ({"webhook_queue": 0}, "webhook_queue: must be a whole number from 1 to 10000, not 0"),
    ({"webhook_secret": 42}, "webhook_secret: must be a string"),
    ({"screen_pop_url": "https://crm/?q={phone}"}, "unknown placeholder {phone}"),
    ({"screen_pop_url": "https://crm/?q={number.__class__}"}, "unknown placeholder"),
    ({"screen_pop_url": "https://crm/?q={number!r}"}, "unknown placeholder"),
    ({"screen_pop_url": "https://crm/?q={number"}, "literal braces"),
    ({"screen_pop_url": "{number}"}, "is not an http:// or https:// URL"),
    ({"screen_pop_command": "crm {number}"}, "screen_pop_command: must be a list of non-empty strings"),
    ({"screen_pop_command": ["crm", "{caller}"]}, "unknown placeholder {caller}"),
    ({"screen_pop_url": CRM, "screen_pop_command": ["crm"]}, "configure one of them, not both"),
    ({"screen_pop_opener": []}, "screen_pop_opener: must name a program"),
    ({"screen_pop_on": ["call.state"]}, "screen_pop_on: 'call.state' is not one of"),
    ({"screen_pop_direction": "inbound"}, "screen_pop_direction: 'inbound' is not one of in, out, both"),
    ({"screen_pop_direction": ["in"]}, "screen_pop_direction: must be a string"),
    ({"screen_pop_timeout": -1}, "screen_pop_timeout: must be a number"),
    ({"screen_pop_max": 0}, "screen_pop_max: must be a whole number from 1 to 32"),
    ({"webhook_ca_file": "/nonexistent/ca.pem"}, "webhook_ca_file: no such file: /nonexistent/ca.pem"),
])
def test_a_bad_value_is_a_clear_error_naming_the_key(section, error):
    with pytest.raises(ConfigError) as caught:
        Config.from_toml({"hooks": section})
    assert "[hooks] " in str(caught.value) and error in str(caught.value)


def test_a_bad_hooks_section_stops_the_load_with_the_file_named(tmp_path):
    d = dirs(tmp_path)
    d.config_dir.mkdir(parents=True)
    d.config_file.write_text('[hooks]\nwebhook_urls = ["gopher://x"]\n')
    with pytest.raises(ConfigError, match=f"^{d.config_file}: \\[hooks\\] webhook_urls: "):
        load_config(d)
    d.config_file.write_text("hooks = 3\n")
    with pytest.raises(ConfigError, match="must be a table"):
        load_config(d)


def started_with(tmp_path, config: str) -> tuple[AppDirs, subprocess.CompletedProcess[str]]:
    """``anynode-console`` started with ``config`` as its config.toml (no terminal): its folders and how it ended."""
    d = dirs(tmp_path)
    d.config_dir.mkdir(parents=True)
    d.config_file.write_text(config)
    done = subprocess.run([sys.executable, "-m", "console", "--config-dir", str(d.config_dir), "--data-dir",
                           str(d.data_dir)], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    return d, done


def test_the_console_refuses_to_start_with_a_bad_hooks_section_and_says_why(tmp_path):
    """No traceback and no screen: one line naming the file and the key, exit status 2."""
    d, done = started_with(tmp_path, '[hooks]\nscreen_pop_command = ["crm", "{phone}"]\n')
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (f"anynode-console: {d.config_file}: [hooks] screen_pop_command: '{{phone}}': "
                                   "unknown placeholder {phone} (known: {call}, {direction}, {event}, {name}, {number})")


def test_saving_over_a_bad_hooks_section_is_refused_and_the_file_kept(tmp_path):
    """The file was edited while the console ran: a theme change must not crash the screen (the UI reports a
    PersistenceError) nor overwrite the operator's edit with the defaults."""
    from console.core.errors import PersistenceError

    d = dirs(tmp_path)
    save_config(d, Config())
    broken = d.config_file.read_text().replace("webhook_retries = 3", "webhook_retries = 99")
    d.config_file.write_text(broken)
    with pytest.raises(PersistenceError, match="webhook_retries"):
        update_config(d, theme="anynode-light")
    assert d.config_file.read_text() == broken


@pytest.mark.parametrize("section", [
    {"webhook_urls": ["ftp://hook:s3cret@tools.example/x"]},
    {"webhook_urls": ["https://hook:s3cret@tools.example/a b"]},
    {"webhook_urls": ["hook:s3cret@tools.example/x"]},
    {"webhook_urls": ["https://hook:s3cr@t@tools.example/x\n"]},
    {"webhook_urls": "https://hook:s3cret@tools.example/x"},
    {"webhook_urls": ["https://hook:s3cret@tools.example/x", 7]},
    {"screen_pop_url": "https://crm:s3cret@crm.example/?q={phone}"},
    {"screen_pop_url": "https://crm:s3cret@crm.example/?q={number"},
    {"screen_pop_url": "ftp://crm:s3cret@crm.example/?q={number}"},
    {"screen_pop_command": ["crm", "--password=s3cret", "{phone}"]},
    {"webhook_secret": ["s3cret"]},
])
def test_an_error_never_repeats_a_password_or_the_secret(section):
    """Review finding: a bad webhook URL's error repeated the URL, so its password reached stderr at start."""
    with pytest.raises(ConfigError) as caught:
        Config.from_toml({"hooks": section})
    assert "[hooks] " in str(caught.value) and "s3cret" not in str(caught.value) and "s3cr" not in str(caught.value)


def test_a_bad_url_is_still_named_with_its_password_hidden():
    with pytest.raises(ConfigError) as caught:
        Config.from_toml({"hooks": {"webhook_urls": ["ftp://hook:s3cret@tools.example/x"]}})
    assert "'ftp://hook:***@tools.example/x' is not an http:// or https:// URL" in str(caught.value)


def test_the_console_does_not_print_a_webhook_password_when_it_refuses_to_start(tmp_path):
    _, done = started_with(tmp_path, '[hooks]\nwebhook_urls = ["gopher://hook:s3cret@tools.example/events"]\n')
    assert done.returncode == 2, done.stderr
    assert "s3cret" not in done.stderr and "gopher://hook:***@tools.example/events" in done.stderr
