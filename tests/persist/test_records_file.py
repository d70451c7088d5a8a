"""calls.jsonl: append-only, one record a line, rotated at a size and bounded in total; read back in order."""

from __future__ import annotations

import json
import stat
import tomllib

import pytest

from console.persist import AppDirs, CallRecord, CallRecords, Outcome
from console.persist.records import MAX_LINE

START = 1_796_083_200.0  # 2026-12-01 00:00 UTC


def record(n: int, **changes) -> CallRecord:
    values = dict(call=f"k{n}", call_id=f"c{n}", direction="in", local_number="200", remote_number=f"{n}",
                  remote_name="Alice", start=START + n, answer=START + n + 2.5, end=START + n + 60.125, wait=2.5,
                  talk=57.6, outcome=Outcome.ANSWERED, reason="SUCCESS", cause="far_end")
    values.update(changes)
    return CallRecord(**values)


@pytest.fixture
def dirs(tmp_path) -> AppDirs:
    return AppDirs(config_dir=tmp_path / "c", data_dir=tmp_path / "d")


def test_a_record_is_one_json_line_with_iso_utc_times_and_comes_back_equal(dirs):
    records = CallRecords(dirs)
    records.append(record(1, recording="/rec/x.wav", transfer_to="202"))
    records.append(record(2, answer=None, talk=0.0, outcome=Outcome.ABANDONED))
    first, second = records.path.read_text().splitlines()
    line = json.loads(first)
    assert (line["v"], line["start"], line["answer"], line["end"]) == (
        1, "2026-12-01T00:00:01.000Z", "2026-12-01T00:00:03.500Z", "2026-12-01T00:01:01.125Z")
    assert line["outcome"] == "answered" and line["queue"] == "" and json.loads(second)["answer"] is None
    assert records.load() == [record(1, recording="/rec/x.wav", transfer_to="202"),
                              record(2, answer=None, talk=0.0, outcome=Outcome.ABANDONED)]
    assert stat.S_IMODE(records.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(records.path.parent.stat().st_mode) == 0o700


def test_rotation_keeps_the_total_bounded_and_the_newest_records(dirs):
    """Each file stays under max_bytes, at most ``files`` files exist, and what is left is the newest, in order."""
    records = CallRecords(dirs, max_bytes=MAX_LINE, files=3)
    for n in range(200):
        records.append(record(n, remote_name="x" * 100))
    paths = records.paths()
    assert [p.name for p in paths] == ["calls.2.jsonl", "calls.1.jsonl", "calls.jsonl"]
    assert all(p.stat().st_size <= MAX_LINE for p in paths)
    kept = [r.call for r in records.load()]
    assert kept == [f"k{n}" for n in range(200 - len(kept), 200)] and len(kept) >= 3


def test_a_huge_or_strange_text_cannot_make_a_line_longer_than_the_bound(dirs):
    records = CallRecords(dirs, max_bytes=MAX_LINE, files=1)
    weird = "\x01" * 5000  # six bytes each as JSON
    fields = ("call", "call_id", "local_number", "remote_name", "remote_number", "reason", "cause", "transfer_to",
              "park_orbit", "recording", "queue")
    records.append(record(1, **dict.fromkeys(fields, weird)))
    records.append(record(2, remote_name="Zoë"))
    lines = records.path.read_bytes().splitlines()
    assert len(lines) == 2 and all(len(line) < MAX_LINE for line in lines)
    assert [r.remote_name for r in records.load()] == ["\x01" * 20, "Zoë"]


def test_since_and_until_choose_by_start_and_bad_lines_are_skipped(dirs):
    records = CallRecords(dirs)
    for n in (10, 20, 30):
        records.append(record(n))
    with records.path.open("a") as handle:
        handle.write("not json\n{\"v\": 1, \"call\": \"half\"}\n{\"v\": 99}\n")
    records.append(record(40))
    assert [r.call for r in records.load(since=START + 20, until=START + 40)] == ["k20", "k30"]
    assert [r.call for r in records.load()] == ["k10", "k20", "k30", "k40"]


def test_bounds_are_checked():
    with pytest.raises(ValueError):
        CallRecords(AppDirs(config_dir="c", data_dir="d"), max_bytes=100)


def test_the_config_keys_have_defaults_bounds_and_name_a_bad_value(caplog):
    from console.persist import Config

    assert (Config().records_file_bytes, Config().records_files, Config().service_level) == (1_000_000, 10, 20)
    good = Config.from_toml({"records_file_bytes": 50_000, "records_files": 3, "service_level": 30})
    assert (good.records_file_bytes, good.records_files, good.service_level) == (50_000, 3, 30)
    assert Config.from_toml(tomllib.loads(good.to_toml())) == good
    bad = Config.from_toml({"records_file_bytes": 10, "records_files": True, "service_level": "20"})
    assert (bad.records_file_bytes, bad.records_files, bad.service_level) == (1_000_000, 10, 20)
    assert "records_file_bytes = 10 is not a whole number from 4000 to 100000000; using 1000000" in caplog.text
    assert "service_level = '20'" in caplog.text


def test_the_console_the_command_line_builds_writes_a_record_per_call(dirs):
    """console.cli.build_controller subscribes the call-record effect (the app's wallboard reads its file)."""
    from console.cli import build_controller
    from console.store import LoginPlan
    from console.store import events as ev

    controller = build_controller(LoginPlan(server="ws://127.0.0.1:1", embedded=True), dirs, False, None)
    controller.dispatch(ev.CallRefused(1.0, START, "5550199", "Busy Caller"))
    [refused] = CallRecords(dirs).load()
    assert (refused.remote_number, refused.outcome, refused.start) == ("5550199", Outcome.MISSED, START)
