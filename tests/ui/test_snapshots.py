"""Snapshot tests (pytest-textual-snapshot) of the main screens, in the default and the high-contrast theme.

Update after a deliberate change with ``pytest tests/ui/test_snapshots.py --snapshot-update``
and look at the pictures (tests/ui/__snapshots__/) before committing them.
"""

from __future__ import annotations

import pytest

from .scenes import busy_switchboard, conference_board, failed_login, history_board, practice_queue_board, queue_board

THEMES = ["anynode-dark", "anynode-high-contrast"]
SHIPPED_THEMES = ["anynode-dark", "anynode-light", "anynode-high-contrast"]
SIZE = (110, 32)
SMALL = (80, 24)  # a typical SSH window


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("theme", THEMES)
def test_main_screen_with_calls_in_every_state(snap_compare, theme):
    """The switchboard logged in as 200 “Operator” on the embedded switch, saved session yes. Five cards:
    slot 1 outgoing 9000 Echo test CONNECTED 01:20 with the double "selected" border; slot 2 incoming
    201 Alice OFFERING, highlighted, with "♪ RINGING: a answer · x decline"; slot 3 9002 IVR HELD
    ("held by us 01:00", the time on hold) showing DTMF sent 12# / recv 12# and the hold-recall reminder
    "⚠ held over 01:00: u retrieves"; slot 4 9004 Busy DISCONNECTED with "The called party
    is busy (BUSY)"; slot 5 incoming 202 Bob HOLDING ("held by far end 00:39"). Every state in words, symbol and
    the seed's name. Log pane below, footer with the keys."""
    assert snap_compare(busy_switchboard(theme), terminal_size=SIZE, run_before=settle)


@pytest.mark.parametrize("theme", THEMES)
def test_login_screen_after_a_refused_login(snap_compare, theme):
    """The login screen over the main screen: server wss://pbx.example.com:8443, username alice, empty
    password (masked field) and token, number +4930123456; the reason line reads
    "✕ Wrong username, password or token (SERVER_ACCESS)" in the error colour, the client's own words below
    it ("login refused: auth_failed: wrong username or password") and "F2 shows the log"; a Log in button
    (no restore button: no saved session); the footer offers f2 Log."""
    assert snap_compare(failed_login(theme), terminal_size=SIZE, run_before=settle)


@pytest.mark.parametrize("theme", THEMES)
def test_transfer_picker(snap_compare, theme):
    """The transfer picker over the switchboard, after pressing t then 1: the transferable calls
    (1 9000 Echo test Connected, 3 9002 IVR On hold, 5 202 Bob Held by the far end), slot 1 ticked [x]
    with the cursor on it, and the prompt "Pick 1 more call(s)…". The ringing and ended calls are not offered."""
    assert snap_compare(busy_switchboard(theme), press=["t", "1"], terminal_size=SIZE, run_before=settle)


@pytest.mark.parametrize("theme", THEMES)
def test_help_screen(snap_compare, theme):
    """The help screen (F1): a table of every key, what it does and its config name (a Answer ... Ctrl+q Quit,
    ' Go to slot, 1 - 9 slots, Ctrl+P palette), then the symbol legend in two wrapping columns (call states;
    login states, the queue view's marks and words, history kinds); the last line says ↑↓ PgUp PgDn scroll."""
    assert snap_compare(busy_switchboard(theme), press=["f1"], terminal_size=SIZE, run_before=settle)


@pytest.mark.parametrize("theme", SHIPPED_THEMES)
def test_queue_view_with_thirty_calls_at_80x24(snap_compare, theme):
    """80x24, thirty calls: the queue view (the cards do not fit). Top: "♪ ringing 20  ‖ held 9  ● connected 1
    calls 30" (no prefix: the numbers 5500-5529 fit whole); then two columns, one line per call with the whole
    number and name ("5510 Caller 10"): ringing calls first, longest waiting first (slot 11 waited 65 s,
    "☎ incoming"), then slots 1-9 "‖ on hold" with their time on hold, slot 10 "● talking" and selected
    (▶, reversed). Every one of the thirty numbers is on screen, no "+N more". Status bar on top reads
    "saved: yes" whole; the footer ends with "f1 Help" whole."""
    assert snap_compare(queue_board(theme), terminal_size=SMALL, run_before=settle)


@pytest.mark.parametrize("theme", THEMES)
def test_queue_view_with_thirty_practice_callers_at_80x24(snap_compare, theme):
    """80x24, thirty practice callers +4930555001 … +4930555030 (issue 19: "30 callers look the same at 80x24").
    The counters line ends "№ +4930555…" (the prefix every row leaves out); two columns, nothing cut: each row
    shows its slot, "←", the number's tail "…011" … "…030" and the whole name "Caller 11" …, then a state word
    ("☎ incoming", "‖ on hold", "● talking") and its time. Slot 1 is selected (▶, reversed) and on hold for
    01:20, past hold_recall (60 s): its state reads "! overdue" in the theme's warning colour. Slot 10 is
    "● talking"; no "+N more"."""
    assert snap_compare(practice_queue_board(theme), terminal_size=SMALL, run_before=settle)


@pytest.mark.parametrize("theme", SHIPPED_THEMES)
def test_history_pane_at_80x24(snap_compare, theme):
    """80x24, no calls, the history pane open (key c): newest first, ↩ abandoned 201 Alice "caller hung up",
    ✕ missed 7099 Third caller "refused: no slot", ⊘ declined 202 Bob "declined here", → outgoing 9001 01:15
    "hung up here", ← incoming 203 Carol 1:02:05 "far end hung up", ✕ missed +4930555010 "no answer" (its
    name cut to "Outside cal": "how it ended" keeps 16 columns, every reason here whole). Times of day in UTC
    (14.11 20:13 … 22:12). Cursor on the first row."""
    assert snap_compare(history_board(theme), press=["c"], terminal_size=SMALL, run_before=settle)


@pytest.mark.parametrize("theme", THEMES)
def test_cards_in_a_conference_muted_and_recording_at_80x24(snap_compare, theme):
    """80x24, two cards of one conference of three parties. Slot 1 → 201 Alice "⧉ In conference (HELD)",
    "held by us 00:30", its title "1 → out ⧉ conf 3", last line "⧉ 3 parties in conference (you+2)" (no
    internal conference id). Slot 2 → 202 Bob "⧉ In conference (CONNECTED)", selected, its title
    "2 → out ⊘ MUTED ● REC ⧉ conf 3" (double border), the same conference line. The status bar shows
    "⊘ MUTED ● REC ⧉ conf 3" (reversed) for the selected call."""
    assert snap_compare(conference_board(theme), terminal_size=SMALL, run_before=settle)
