"""`anynode-console practice`: N practice callers ring at a logged-in operator on the real switch (127.0.0.1,
port 0, real media) and end when the command stops (issue 19, item 10: "there is no documented way to ring
callers into a standalone switch for practice or load (F5 works only on the embedded one)")."""

from __future__ import annotations

import asyncio

import pytest

from console.media.sinks import RecordingSink
from console.switch.media import MUSIC_HZ
from console.switch.rtc_plane import RtcMediaPlane
from console.webrtc import CALL_STATES
from media_harness import hears, media_console

S = CALL_STATES
TIMEOUT = 30.0  # several logins (scrypt) and peer connections on a loaded 2-core machine


@pytest.fixture
async def media_switch(make_switch):
    return await make_switch(media=RtcMediaPlane(connect_timeout=10.0), ring_timeout=60.0, session_lifetime=60.0)


def practice_sessions(switch) -> list:
    return [s for s in switch.exchange.sessions.values() if s.username in ("alice", "bob", "carol")]


@pytest.mark.timeout(120)
async def test_practice_callers_ring_at_the_operator_and_end_when_the_command_stops(media_switch):
    """ "A documented command to ring N practice callers into a running switch (numbers, names, hold music)":
    three callers with distinct numbers and names ring at operator 200; the answered one plays music; when the
    command stops (Ctrl-C cancels it) every call ends at the operator and the switch keeps no session of them."""
    from console.practice import plan_callers, ring_practice_callers

    operator, _ = await media_console(media_switch, "operator")
    lines: list[str] = []
    practice = asyncio.create_task(ring_practice_callers(media_switch.url, plan_callers(3), "200",
                                                         lambda user: user, report=lines.append))
    try:
        incoming = [await operator.next_incoming(TIMEOUT) for _ in range(3)]
        assert sorted((c.get_remote_number(), c.get_remote_name()) for c in incoming) == [
            ("+4930555001", "Caller 01"), ("+4930555002", "Caller 02"), ("+4930555003", "Caller 03")]
        first = incoming[0]
        sink = RecordingSink()
        first.set_audio_element(sink)
        first.answer()
        await operator.call_state(first, S.CONNECTED, TIMEOUT)
        await hears(sink, MUSIC_HZ[0], "the caller's music on hold", timeout=TIMEOUT)
        assert not practice.done()  # the callers stay up while nobody ends them
    finally:
        practice.cancel()
    await asyncio.gather(practice, return_exceptions=True)
    for call in incoming:
        await operator.call_state(call, S.DISCONNECTED, TIMEOUT)
    assert practice_sessions(media_switch) == []  # logged out, not left for their lifetime
    assert sum("is calling 200" in line for line in lines) == 3, lines
    await operator.close()


@pytest.mark.timeout(120)
async def test_the_command_ends_when_the_operator_has_ended_every_practice_call(media_switch):
    """The callers are kept up "until the operator ends them": the command returns once every call has ended."""
    from console.practice import plan_callers, ring_practice_callers

    operator, _ = await media_console(media_switch, "operator")
    practice = asyncio.create_task(ring_practice_callers(media_switch.url, plan_callers(2), "200",
                                                         lambda user: user, report=lambda line: None))
    try:
        for _ in range(2):
            call = await operator.next_incoming(TIMEOUT)
            call.decline()
        assert await asyncio.wait_for(practice, TIMEOUT) == 2
    finally:
        practice.cancel()
    assert practice_sessions(media_switch) == []
    await operator.close()


@pytest.mark.timeout(120)
async def test_an_unanswered_practice_caller_calls_again_until_the_command_stops(make_switch, monkeypatch):
    """Kept up "until the operator ends them or Ctrl-C": a caller nobody answers within the switch's ring
    timeout rings again (with its number and name), and ends for good when the command stops."""
    import console.practice as practice_module
    from console.practice import plan_callers, ring_practice_callers

    monkeypatch.setattr(practice_module, "REDIAL_AFTER", 1.0)
    switch = await make_switch(media=RtcMediaPlane(connect_timeout=10.0), ring_timeout=2.0, session_lifetime=60.0)
    operator, _ = await media_console(switch, "operator")
    practice = asyncio.create_task(ring_practice_callers(switch.url, plan_callers(1), "200",
                                                         lambda user: user, report=lambda line: None))
    try:
        first = await operator.next_incoming(TIMEOUT)
        await operator.call_state(first, S.DISCONNECTED, TIMEOUT)  # the switch's ring timeout
        again = await operator.next_incoming(TIMEOUT)
        assert (again.get_remote_number(), again.get_remote_name()) == ("+4930555001", "Caller 01")
        assert not practice.done()
    finally:
        practice.cancel()
    await asyncio.gather(practice, return_exceptions=True)
    await operator.call_state(again, S.DISCONNECTED, TIMEOUT)
    assert practice_sessions(switch) == []
    await operator.close()


def test_practice_callers_are_bounded_and_distinct():
    from console.practice import MAX_CALLERS, plan_callers

    callers = plan_callers(30)
    assert len({c.number for c in callers}) == len({c.name for c in callers}) == 30
    assert [c.username for c in callers[:4]] == ["alice", "bob", "carol", "alice"]
    assert all(c.number is None for c in plan_callers(2, own_numbers=True))
    for bad in (0, MAX_CALLERS + 1):
        with pytest.raises(ValueError):
            plan_callers(bad)


@pytest.mark.timeout(120)
async def test_practice_trusts_the_ca_file_of_config_toml_as_the_console_does(make_switch, tmp_path):
    """``anynode-console practice`` takes the console's CA rule (``--ca-file``, else config.toml ``ca_file``, else
    the system's): against a switch whose certificate comes from a private CA named only in config.toml, the
    command's caller logs in and rings; a config.toml ``ca_file`` that cannot be used is one usage line."""
    import os
    import subprocess
    import sys

    from console.persist import AppDirs, Config, save_config
    from tls_ca import TestCa

    ca = TestCa(tmp_path / "ca")
    cert = ca.server()
    switch = await make_switch(tls_cert=str(cert.cert_file), tls_key=str(cert.key_file), ring_timeout=60.0)
    dirs = AppDirs(config_dir=tmp_path / "cfg", data_dir=tmp_path / "data")
    save_config(dirs, Config(ca_file=str(ca.cert_file)))
    base = [sys.executable, "-m", "console", "--config-dir", str(dirs.config_dir), "--data-dir", str(dirs.data_dir),
            "practice", "--callers", "1", "--to", "200"]
    env = {**os.environ, "HOME": str(tmp_path)}
    proc = await asyncio.create_subprocess_exec(*base, "--server", switch.url, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        lines: list[bytes] = []
        while not any(b"is calling 200" in line for line in lines):
            line = await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)
            assert line, (b"".join(lines) + await proc.stderr.read()).decode()  # ended without ringing
            lines.append(line)
    finally:
        if proc.returncode is None:
            proc.terminate()
        await proc.wait()
    save_config(dirs, Config(ca_file=str(tmp_path / "missing.pem")))
    done = subprocess.run(base + ["--server", switch.url], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 2 and "config.toml ca_file" in done.stderr and "no such file" in done.stderr, done.stderr


def test_loop_lag_is_reported_once_per_episode_from_a_late_schedule():
    """Found driving 16 practice callers on a loaded 2-core machine: the practice process woke up 50-110 ms
    late, its sockets queued up to a second of the callers' audio, and nothing said so. Fed wake-ups this
    late, the meter reports the window's median once, and again only after a recovery."""
    from console.practice import LOOP_LATE, LOOP_WINDOW, LoopLag

    lag = LoopLag()
    on_time = [lag.sample(0.002) for _ in range(LOOP_WINDOW)]
    assert on_time == [None] * LOOP_WINDOW
    late = [lag.sample(LOOP_LATE * 2) for _ in range(LOOP_WINDOW)]
    assert [x for x in late if x is not None] == [pytest.approx(LOOP_LATE * 2)]  # once half the window is late
    assert all(lag.sample(1.0) is None for _ in range(LOOP_WINDOW))  # still behind: said once is enough
    assert all(lag.sample(0.0) is None for _ in range(LOOP_WINDOW))  # caught up: re-armed
    assert [lag.sample(0.5) for _ in range(LOOP_WINDOW)].count(None) == LOOP_WINDOW - 1
    assert all(lag.sample(0.3) is None for _ in range(LOOP_WINDOW))  # isolated spikes (one late sample) below
    for _ in range(LOOP_WINDOW):
        lag.sample(0.0)
    assert all(lag.sample(LOOP_LATE * 3 if i % 3 == 0 else 0.0) is None for i in range(3 * LOOP_WINDOW))


async def test_a_practice_process_behind_its_callers_media_says_so():
    """The watch, on a loop kept busy (each turn blocks 150 ms, as 16 callers' media on a loaded machine did),
    tells the user to run fewer callers per process."""
    import time

    from console.practice import watch_loop

    loop = asyncio.get_running_loop()
    said: list[str] = []
    reported = asyncio.Event()

    def busy() -> None:
        time.sleep(0.15)
        if not reported.is_set():
            loop.call_soon(busy)

    def report(line: str) -> None:
        said.append(line)
        reported.set()

    loop.call_soon(busy)
    watch = loop.create_task(watch_loop(report, 16, every=0.05))
    try:
        async with asyncio.timeout(60):
            await reported.wait()
    finally:
        watch.cancel()
    assert len(said) == 1 and "16 callers" in said[0] and "fewer --callers per process" in said[0]
