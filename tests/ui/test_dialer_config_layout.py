"""The dialer takes every key, names too; configuration is checked; the layout fits 80x24 and 200x60."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

from console.core.enums import CALL_STATES
from console.persist import Config, load_config
from console.ui.keys import MAIN_ACTIONS, GLOBAL_ACTIONS
from console.ui.widgets import CallQueue, LoginStatus

from .conftest import make_console, operator_plan
from .test_operator import logged_in, slot_state


async def test_a_burst_typed_right_after_d_lands_in_the_dialer(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=(80, 24)) as pilot:
        await console.until(logged_in)
        app = console.app
        for key, char in [*((c, c) for c in "d9001"), ("enter", "\r")]:
            event = events.Key(key, char)  # one read from a slow SSH link: all queued before any is handled
            event.set_sender(app)
            app._driver.send_message(event)
        state = await console.until(lambda s: any(c.remote_number == "9001" for c in s.calls))
        assert not [line.text for line in state.log if "slot" in line.text and "empty" in line.text]
    await console.controller.aclose()


async def test_the_dialer_finds_names(switch, dirs):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=(80, 24)) as pilot:
        await console.until(logged_in)
        await pilot.press("d", *"ton")
        await pilot.pause()
        matches = str(console.app.screen.query_one("#dial-matches").render())
        assert "9001 Tone 1 kHz" in matches
        await pilot.press("enter")
        state = await console.until(lambda s: any(c.remote_number == "9001" for c in s.calls))
        slot = next(c.slot for c in state.calls if c.remote_number == "9001")
        await console.until(slot_state(slot, CALL_STATES.CONNECTED))
        await pilot.press("d", *"nobody here", "enter")
        await console.until(lambda s: "matches no one" in s.last_error)
    await console.controller.aclose()


async def test_the_dialer_finds_names_from_the_switchs_directory(switch, dirs):
    """Carol is in the switch's directory, not in the console's own list: the dialer finds her once it came."""
    console = make_console(dirs, operator_plan(switch))
    assert all(name != "Carol" for _, name in operator_plan(switch).directory)
    async with console.app.run_test(size=(80, 24)) as pilot:
        await console.until(lambda s: logged_in(s) and any(e.name == "Carol" for e in s.desk.directory))
        await pilot.press("d", *"caro")
        await pilot.pause()
        assert "203 Carol" in str(console.app.screen.query_one("#dial-matches").render())
    await console.controller.aclose()


async def test_bad_key_bindings_and_an_unknown_theme_are_reported_in_one_line_each(switch, dirs):
    config = Config(theme="no-such-theme", keys={"hangup": "a", "hold": "notakey+++"})
    console = make_console(dirs, operator_plan(switch), config=config)
    async with console.app.run_test(size=(80, 24)) as pilot:
        state = await console.until(logged_in)
        texts = [line.text for line in state.log]
        assert any("hangup = 'a' takes 'a' from answer" in t for t in texts), texts
        assert any("hold = 'notakey+++'" in t and "not a key" in t for t in texts), texts
        assert any("theme 'no-such-theme' is not known" in t for t in texts), texts
        assert console.app.theme == "anynode-dark"
        await pilot.press("f5")  # a still answers, h still holds
        ringing = (await console.until(lambda s: bool(s.ringing_calls()))).ringing_calls()[0].slot
        await pilot.press("a")
        await console.until(slot_state(ringing, CALL_STATES.CONNECTED))
        await pilot.press("h")
        await console.until(slot_state(ringing, CALL_STATES.HELD))
    await console.controller.aclose()


async def test_a_login_is_not_written_to_the_config_unless_asked(switch, dirs):
    plan = operator_plan(switch, embedded=False)
    console = make_console(dirs, plan)
    async with console.app.run_test(size=(80, 24)):
        await console.until(logged_in)
    await console.controller.aclose()
    assert load_config(dirs).server == ""
    console = make_console(dirs, operator_plan(switch, embedded=False, save=True, restore=False))
    async with console.app.run_test(size=(80, 24)):
        await console.until(logged_in)
    await console.controller.aclose()
    assert load_config(dirs).server == switch.url


def footer_text(app) -> str:
    footer = app.screen.query_one(Footer)
    return " ".join(str(key.render()) for key in footer.query("FooterKey"))


async def check_layout(switch, dirs, size):
    console = make_console(dirs, operator_plan(switch))
    async with console.app.run_test(size=size) as pilot:
        await console.until(lambda s: logged_in(s) and s.login.saved_session)
        await pilot.press("o")  # through the login screen and back: the footer must come back whole
        await console.until(lambda s: not logged_in(s))
        await pilot.pause()
        await pilot.press("enter")  # the password is filled in (the embedded demo's)
        await console.until(lambda s: logged_in(s) and s.login.saved_session)
        await pilot.pause()
        screen = console.app.screen
        status = screen.query_one(LoginStatus)
        first = str(status.render()).splitlines()[0]
        assert "…" not in first and "saved" in first and "yes" in first, first
        shown = [spec for spec in (*MAIN_ACTIONS, *GLOBAL_ACTIONS) if spec.show]
        footer = screen.query_one(Footer)
        keys = list(footer.query("FooterKey"))
        assert {spec.label for spec in shown} <= {key.description for key in keys}
        for key in keys:  # every label whole and on screen
            assert key.region.right <= size[0], (key.description, key.region)
            assert key.region.width >= len(key.description) + len(key.key_display) + 1, key.description
        for _ in range(3):
            await pilot.press("f5")
        state = await console.until(lambda s: len(s.ringing_calls()) == 3)
        await pilot.pause()
        for call in state.calls:
            card = screen.query_one(f"#slot-{call.slot}")
            if card.region.height:
                assert card.region.width >= 30
    await console.controller.aclose()


async def test_layout_at_80x24(switch, dirs):
    await check_layout(switch, dirs, (80, 24))


async def test_layout_at_200x60(switch, dirs):
    await check_layout(switch, dirs, (200, 60))


def test_an_unknown_audio_device_is_reported(tmp_path):
    from console.cli import check_device

    assert check_device("auto") is None and check_device("null") is None
    assert "no such WAV file" in check_device(str(tmp_path / "missing.wav"))
    wav = tmp_path / "here.wav"
    wav.write_bytes(b"RIFF")
    assert check_device(str(wav)) is None
    assert "not found" in check_device("no-such-sound-card-anywhere")


def test_the_embedded_switch_leaves_no_session_behind(tmp_path):
    from console.cli import build_controller
    from console.persist import AppDirs
    from console.store import LoginPlan

    dirs = AppDirs(tmp_path / "c", tmp_path / "d")
    assert build_controller(LoginPlan(server="ws://127.0.0.1:1", embedded=True), dirs, False, None).sessions is None
    store = build_controller(LoginPlan(server="wss://pbx.example.com"), dirs, True, None)
    assert store.sessions is not None and store.auto_accept


def test_a_pulse_device_without_a_server_is_one_clear_line(monkeypatch, tmp_path):
    from console.cli import check_device

    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path}/no-server-here")  # nothing answers there
    problem = check_device("pulse:sink=headset,source=mic")
    assert problem and "no PulseAudio server answers" in problem and "not found" not in problem
