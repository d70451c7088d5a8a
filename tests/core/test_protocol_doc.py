"""docs/PROTOCOL.md says what the code does: its tables are checked against the schema and the state tables."""

from __future__ import annotations

import re
from pathlib import Path

from console.core.enums import CALL_STATES, DISC_REASON, Direction, ErrorCode, LogoutReason
from console.core.machines import LEGAL, CallRequest
from console.core.protocol import LOGIN_RESULT, REQUESTS, RESTORE_RESULT, SCHEMA, MsgType

DOC = (Path(__file__).parents[2] / "docs" / "PROTOCOL.md").read_text()


def section(title: str, level: int = 2) -> str:
    """The text under a heading, up to the next heading of any level."""
    return DOC.split(f"\n{'#' * level} {title}\n", 1)[1].split("\n#", 1)[0]


def table_rows(text: str) -> dict[str, list[str]]:
    """First cell's backticked name -> the other cells, for every row of the first table in ``text``."""
    rows: dict[str, list[str]] = {}
    started = False
    for line in text.splitlines():
        if not line.startswith("|"):
            if started:
                break
            continue
        started = True
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if name := re.match(r"`([^`]+)`", cells[0]):
            rows[name.group(1)] = cells[1:]
    return rows


def ticked(text: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", text))


def test_every_request_and_its_fields_are_documented():
    rows = table_rows(section("Requests (console → switch)"))
    rows.update(table_rows(section("Conference (extension)")))  # each extension's section has its own table
    rows.update(table_rows(section("Queues (extension)")))
    assert set(rows) == {str(t) for t in REQUESTS}
    for msg_type in REQUESTS:
        fields = set(SCHEMA[msg_type][1])
        assert fields <= ticked(rows[str(msg_type)][0]), (msg_type, fields - ticked(rows[str(msg_type)][0]))


def test_login_and_restore_results_are_documented():
    rows = table_rows(section("Requests (console → switch)"))
    assert set(LOGIN_RESULT) <= ticked(rows["login"][1])
    assert set(RESTORE_RESULT) - set(LOGIN_RESULT) <= ticked(rows["restore"][1])


def test_every_event_is_documented():
    rows = table_rows(section("Events (switch → console)"))
    sent = {MsgType.RESULT, MsgType.ERROR, MsgType.CALL, MsgType.DTMF, MsgType.LOGOUT_EVENT,
            MsgType.PRESENCE, MsgType.ORBIT}  # the last two: attendant extension
    assert set(rows) == {str(t) for t in sent}
    for msg_type in sent:
        assert set(SCHEMA[msg_type][1]) <= ticked(rows[str(msg_type)][0])
    assert {str(r) for r in LogoutReason} <= ticked(rows["logged_out"][0])


def test_the_conference_event_is_documented():
    text = section("Conference (extension)")
    events = table_rows("| event |" + text.split("| event |", 1)[1])
    assert set(events) == {str(MsgType.CONFERENCE_STATE)}
    assert set(SCHEMA[MsgType.CONFERENCE_STATE][1]) <= ticked(events[str(MsgType.CONFERENCE_STATE)][0])


def test_error_codes_and_reasons_are_complete():
    assert ticked(section("Error codes")) == {str(c) for c in ErrorCode}
    assert set(table_rows(section("Disconnect reasons produced by the embedded switch"))) == {str(r) for r in DISC_REASON}


def test_the_legal_request_table_is_the_code_s():
    rows = table_rows(section("Which request is legal in which state", level=3))
    assert set(rows) == {str(r) for r in CallRequest}
    directions = {"in": {Direction.IN}, "out": {Direction.OUT}, "both": set(Direction)}
    for request, (states, allowed) in LEGAL.items():
        documented, direction = rows[str(request)]
        if request is CallRequest.DIAL:
            assert states == {CALL_STATES.IDLE}  # the request creates the call
        else:
            assert ticked(documented) == {str(s) for s in states}, request
        assert directions[direction] == set(allowed), request
