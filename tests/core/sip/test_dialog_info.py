"""The dialog event package's document (RFC 4235) as Kamailio's presence_dialoginfo sends it, and the lamp it lights."""

from __future__ import annotations

import pytest

from console.core.sip.dialog_info import DialogState, Lamp, lamp_of, merge, parse_dialog_info, peer_of, ringing_dialog
from console.core.sip.errors import SipParseError


def doc(*dialogs: str, state: str = "full", version: int = 1) -> str:
    return ('<?xml version="1.0"?>\n<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" '
            f'version="{version}" state="{state}" entity="sip:1001@127.0.0.1">' + "".join(dialogs) + "</dialog-info>")


def dialog(call_id: str, state: str, direction: str = "recipient", tags: bool = False, remote: str = "sip:1002@127.0.0.1:5060",
           held: bool = False) -> str:
    tag_attrs = ' local-tag="lt" remote-tag="rt"' if tags else ""
    local = ('<local><identity>sip:1001@127.0.0.1</identity><target uri="sip:1001@127.0.0.1:5071">'
             '<param pname="+sip.rendering" pvalue="no"/></target></local>') if held else ""
    return (f'<dialog id="padi-{call_id}" call-id="{call_id}"{tag_attrs} direction="{direction}"><state>{state}</state>'
            f'<remote><identity>{remote}</identity><target uri="sip:1002@127.0.0.1:5081"/></remote>{local}</dialog>')


def lamp(body: str) -> Lamp:
    return lamp_of(merge({}, parse_dialog_info(body)))


def test_the_capture_from_the_lab_is_a_ringing_lamp_with_its_caller_and_early_dialog():
    """docs/SIP.md: the callee's NOTIFY while it rings: early, direction recipient, tags, the caller as remote."""
    info = parse_dialog_info(doc(dialog("bb110176b5234f54", "early", tags=True)))
    assert info.entity == "sip:1001@127.0.0.1" and info.version == 1 and info.full
    dialogs = merge({}, info)
    assert lamp_of(dialogs) is Lamp.RINGING
    assert peer_of(dialogs) == "sip:1002@127.0.0.1:5060"
    early = ringing_dialog(dialogs)
    assert early is not None and (early.call_id, early.local_tag, early.remote_tag) == ("bb110176b5234f54", "lt", "rt")


@pytest.mark.parametrize("body, expected", [
    ("", Lamp.IDLE),  # Kamailio's first NOTIFY has no body at all
    (doc(), Lamp.IDLE),
    (doc(dialog("a", "Trying", "initiator")), Lamp.BUSY),  # capital T, as Kamailio sends it: calling out is busy
    (doc(dialog("a", "early", "initiator", tags=True)), Lamp.BUSY),
    (doc(dialog("a", "confirmed")), Lamp.BUSY),
    (doc(dialog("a", "confirmed", held=True)), Lamp.HELD),
    (doc(dialog("a", "confirmed", held=True), dialog("b", "confirmed")), Lamp.BUSY),
    (doc(dialog("a", "terminated")), Lamp.IDLE),  # terminated dialogs linger in the document: they light nothing
    (doc(dialog("a", "confirmed"), dialog("b", "early", tags=True)), Lamp.BUSY),  # busy beats ringing
    (doc(dialog("a", "bogus")), Lamp.IDLE),
])
def test_lamp_states(body, expected):
    assert lamp(body) is expected


def test_a_partial_document_updates_by_call_id_and_a_full_one_replaces():
    known = merge({}, parse_dialog_info(doc(dialog("a", "confirmed"))))
    both = merge(known, parse_dialog_info(doc(dialog("b", "early", tags=True), state="partial")))
    assert set(both) == {"a", "b"} and both["b"].state is DialogState.EARLY
    ended = merge(both, parse_dialog_info(doc(dialog("a", "terminated"), state="partial")))
    assert set(ended) == {"b"} and lamp_of(ended) is Lamp.RINGING
    assert merge(ended, parse_dialog_info(doc())) == {}


@pytest.mark.parametrize("body", [
    "<dialog-info", "<other xmlns='x'/>", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
    "x" * 70000,
])
def test_what_is_not_a_dialog_info_document_is_refused(body):
    with pytest.raises(SipParseError):
        parse_dialog_info(body)
