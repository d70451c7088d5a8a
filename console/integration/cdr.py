"""``anynode-console cdr``: the call records (calls.jsonl) exported as CSV or JSON, for billing and reports.

    anynode-console cdr [--since 2026-12-01|24h|today] [--until ...] [--format csv|json] [--file PATH]

``--since`` and ``--until`` choose the calls by when they started: a date (local midnight), a date and
time (local unless it says its zone: ``2026-12-01T08:00Z``), ``today``, or a span back from now (``90s``,
``30m``, ``24h``, ``7d``). CSV has a header line and the records' fields in :data:`COLUMNS` order; JSON is
one array of objects with the same fields. Times are ISO-8601 UTC; a call never answered has an empty
(CSV) or null (JSON) ``answer``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sys
import time
from datetime import datetime
from typing import Callable, Sequence

from console.persist import AppDirs, CallRecord, CallRecords, load_config
from console.store.stats import day_start

COLUMNS = ("call", "call_id", "direction", "local_number", "remote_number", "remote_name", "start", "answer", "end",
           "wait", "talk", "outcome", "reason", "cause", "transfer_to", "park_orbit", "recording", "queue", "recall")
SPANS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
HELP = """\
Export the call records (calls.jsonl in the data folder: one per ended call) as CSV with a
header, or as a JSON array. --since and --until choose the calls by when they started:
a date (2026-12-01: local midnight), a date and time (2026-12-01T08:00 is local time,
2026-12-01T08:00Z UTC), today, or a span back from now (90s, 30m, 24h, 7d).
Times in the output are ISO-8601 UTC."""


class WhenError(ValueError):
    """A --since/--until the command cannot read; the message says what it takes."""


def parse_when(text: str, now: float, local_time: Callable[[float], time.struct_time] = time.localtime) -> float:
    """The Unix time ``text`` means at ``now`` (see the module's docstring); WhenError if none."""
    text = text.strip()
    if text == "today":
        return day_start(now, local_time)
    if match := re.fullmatch(r"(\d+)([smhd])", text):
        return now - int(match[1]) * SPANS[match[2]]
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise WhenError(f"{text!r} is not a time: say 2026-12-01, 2026-12-01T08:00, today, or 24h "
                        "(also 90s, 30m, 7d)") from None
    return moment.timestamp()  # a time without a zone is local time (datetime's rule)


def to_csv(records: Sequence[CallRecord]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(record.to_json())  # csv writes None (a call never answered) as an empty field
    return out.getvalue()


def to_json(records: Sequence[CallRecord]) -> str:
    rows = [{k: v for k, v in record.to_json().items() if k in COLUMNS} for record in records]
    return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The ``cdr`` subcommand, for console/cli.py's parser."""
    cdr = sub.add_parser("cdr", help="export the call records as CSV or JSON", description=HELP,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    cdr.add_argument("--since", metavar="WHEN", help="calls that started then or later (2026-12-01, 24h, today)")
    cdr.add_argument("--until", metavar="WHEN", help="calls that started before then")
    cdr.add_argument("--format", choices=("csv", "json"), default="csv", help="default: %(default)s")
    cdr.add_argument("--file", metavar="PATH", help="write to PATH (made 0600) instead of standard output")


def run(args: argparse.Namespace, now: float | None = None) -> int:
    """Export; 0 on success, 2 when an option cannot be read or the file cannot be written."""
    now = time.time() if now is None else now
    try:
        since = parse_when(args.since, now) if args.since else None
        until = parse_when(args.until, now) if args.until else None
    except WhenError as exc:
        print(f"anynode-console cdr: {exc}", file=sys.stderr)
        return 2
    dirs = AppDirs.default(args.config_dir, args.data_dir)
    config = load_config(dirs)
    records = CallRecords(dirs, config.records_file_bytes, config.records_files).load(since, until)
    text = to_json(records) if args.format == "json" else to_csv(records)
    if not args.file:
        sys.stdout.write(text)
        return 0
    try:
        fd = os.open(args.file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as exc:
        print(f"anynode-console cdr: cannot write {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{len(records)} call record(s) written to {args.file}", file=sys.stderr)
    return 0
