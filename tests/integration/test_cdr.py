"""``anynode-console cdr``: the call records as CSV (with a header) or a JSON array, chosen by start time."""

from __future__ import annotations

import csv
import io
import json
import stat
import time

import pytest

from console.cli import main
from console.integration.cdr import COLUMNS, WhenError, parse_when
from console.persist import AppDirs, CallRecord, CallRecords, Outcome

DAY = 1_796_083_200.0  # 2026-12-01 00:00 UTC


def record(n: int, **changes) -> CallRecord:
    values = dict(call=f"k{n}", call_id=f"c{n}", direction="in", local_number="200", remote_number=f"20{n}",
                  remote_name="Zoë, \"the\" caller", start=DAY + n * 3600, answer=DAY + n * 3600 + 4,
                  end=DAY + n * 3600 + 64, wait=4.0, talk=60.0, outcome=Outcome.ANSWERED, reason="SUCCESS",
                  cause="far_end", recording=f"/rec/{n}.wav")
    values.update(changes)
    return CallRecord(**values)


@pytest.fixture
def data(tmp_path):
    dirs = AppDirs(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    records = CallRecords(dirs)
    records.append(record(1))
    records.append(record(2, answer=None, talk=0.0, wait=9.0, outcome=Outcome.ABANDONED, reason="USERTERMINATED",
                          cause="caller_gave_up", recording=""))
    records.append(record(3, outcome=Outcome.TRANSFERRED, transfer_to="202"))
    return tmp_path


def cdr(data, capsys, *options: str) -> str:
    assert main(["--config-dir", str(data / "config"), "--data-dir", str(data / "data"), "cdr", *options]) == 0
    return capsys.readouterr().out


def test_csv_has_a_header_and_one_row_per_call_with_every_field(data, capsys):
    rows = list(csv.DictReader(io.StringIO(cdr(data, capsys, "--format", "csv"))))
    assert tuple(rows[0]) == COLUMNS
    assert [r["call"] for r in rows] == ["k1", "k2", "k3"]
    assert rows[0]["start"] == "2026-12-01T01:00:00.000Z" and rows[0]["answer"] == "2026-12-01T01:00:04.000Z"
    assert rows[0]["remote_name"] == "Zoë, \"the\" caller" and rows[0]["recording"] == "/rec/1.wav"
    assert (rows[1]["answer"], rows[1]["wait"], rows[1]["outcome"]) == ("", "9.0", "abandoned")
    assert (rows[2]["outcome"], rows[2]["transfer_to"], rows[2]["queue"]) == ("transferred", "202", "")


def test_json_is_an_array_of_the_same_fields(data, capsys):
    rows = json.loads(cdr(data, capsys, "--format", "json"))
    assert [tuple(r) for r in rows] == [COLUMNS] * 3
    assert rows[1]["answer"] is None and rows[1]["talk"] == 0.0 and rows[2]["end"] == "2026-12-01T03:01:04.000Z"


def test_since_and_until_choose_by_start(data, capsys):
    rows = json.loads(cdr(data, capsys, "--format", "json", "--since", "2026-12-01T02:00Z",
                          "--until", "2026-12-01T03:00:00+00:00"))
    assert [r["call"] for r in rows] == ["k2"]


def test_file_is_written_private(data, capsys):
    out = data / "export.csv"
    assert main(["--data-dir", str(data / "data"), "--config-dir", str(data / "config"), "cdr",
                 "--file", str(out)]) == 0
    assert "3 call record(s) written" in capsys.readouterr().err
    assert out.read_text().splitlines()[0] == ",".join(COLUMNS)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_a_time_it_cannot_read_is_a_clear_error(data, capsys):
    assert main(["--data-dir", str(data / "data"), "cdr", "--since", "yesterday-ish"]) == 2
    assert "'yesterday-ish' is not a time" in capsys.readouterr().err


def test_when_takes_dates_times_spans_and_today():
    now = DAY + 10 * 3600 + 30
    assert parse_when("24h", now) == now - 86400
    assert parse_when("90s", now) == now - 90 and parse_when("7d", now) == now - 7 * 86400
    assert parse_when("2026-12-01T08:00Z", now) == DAY + 8 * 3600
    assert parse_when("today", now, time.gmtime) == DAY
    assert parse_when("2026-12-01", now) == time.mktime((2026, 12, 1, 0, 0, 0, 0, 0, -1))  # local midnight
    with pytest.raises(WhenError):
        parse_when("soon", now)
