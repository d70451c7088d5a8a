"""The dialog event package's document (RFC 4235, ``application/dialog-info+xml``) and what a lamp shows of it.

A watcher SUBSCRIBEs to ``Event: dialog`` for an extension; each NOTIFY carries
the extension's dialogs. :func:`parse_dialog_info` reads the document (bounded,
no external entities: the standard library's expat parser, which refuses entity
expansion bombs since 2.4.1, on a body already capped by the message size);
:func:`lamp_of` reduces the dialogs to one :class:`Lamp`.

What real servers send (Kamailio's presence_dialoginfo, docs/SIP.md):

* the first NOTIFY, and any for an extension with no dialog, has no body at all: idle;
* states may be capitalised (``Trying``): compared case-insensitively;
* ``local-tag``/``remote-tag`` only while ``early``; dialogs are keyed by ``call-id``;
* ``terminated`` dialogs stay in the document for a few seconds: they light nothing;
* held: ``<local><target><param pname="+sip.rendering" pvalue="no"/>`` (RFC 4235 4.1.6.2).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import StrEnum

from .errors import SipParseError

NS = "{urn:ietf:params:xml:ns:dialog-info}"
CONTENT_TYPE = "application/dialog-info+xml"
MAX_DIALOGS = 64  # dialogs read from one document; more are ignored
MAX_BODY = 64 * 1024


class DialogState(StrEnum):
    TRYING = "trying"
    PROCEEDING = "proceeding"
    EARLY = "early"
    CONFIRMED = "confirmed"
    TERMINATED = "terminated"


class Lamp(StrEnum):
    """What a busy lamp shows for an extension."""

    IDLE = "idle"
    RINGING = "ringing"  # a call rings there (early, direction recipient) and none is up
    BUSY = "busy"  # a call is up there, or it is calling out
    HELD = "held"  # every call up there is held
    OFFLINE = "offline"  # no subscription (refused, ended, or not yet answered)


@dataclass(frozen=True)
class DialogEntry:
    call_id: str
    state: DialogState
    direction: str = ""  # "initiator" (it calls) or "recipient" (it is called); "" unknown
    local_tag: str = ""
    remote_tag: str = ""
    remote_identity: str = ""  # the other party (sip:1002@host...) where the server says it
    remote_target: str = ""
    held: bool = False

    @property
    def live(self) -> bool:
        return self.state is not DialogState.TERMINATED

    @property
    def ringing_here(self) -> bool:
        return self.state in (DialogState.EARLY, DialogState.PROCEEDING) and self.direction == "recipient"


@dataclass(frozen=True)
class DialogInfo:
    entity: str
    version: int | None
    full: bool  # state="full" (the whole set) or "partial" (changes only)
    dialogs: tuple[DialogEntry, ...]


def parse_dialog_info(body: bytes | str) -> DialogInfo:
    """The document, or :class:`SipParseError` (status 400) for anything that is not one. Empty: no dialogs."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    if not data.strip():
        return DialogInfo("", None, True, ())
    if len(data) > MAX_BODY:
        raise SipParseError("dialog-info document too large")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise SipParseError("dialog-info with a DTD refused")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise SipParseError(f"dialog-info is not XML: {exc}") from None
    if root.tag != f"{NS}dialog-info":
        raise SipParseError(f"not a dialog-info document: <{root.tag}>")
    version = root.get("version")
    dialogs: list[DialogEntry] = []
    for element in root.findall(f"{NS}dialog")[:MAX_DIALOGS]:
        entry = _dialog(element)
        if entry is not None:
            dialogs.append(entry)
    return DialogInfo(root.get("entity", ""), int(version) if version and version.isdigit() else None,
                      root.get("state", "full").lower() != "partial", tuple(dialogs))


def _dialog(element: ET.Element) -> DialogEntry | None:
    state_text = (element.findtext(f"{NS}state") or "").strip().lower()
    try:
        state = DialogState(state_text)
    except ValueError:
        return None  # an unknown state says nothing a lamp can show
    remote = element.find(f"{NS}remote")
    local = element.find(f"{NS}local")
    identity = (remote.findtext(f"{NS}identity") or "").strip() if remote is not None else ""
    target = remote.find(f"{NS}target") if remote is not None else None
    return DialogEntry(
        call_id=element.get("call-id") or element.get("id") or "", state=state,
        direction=(element.get("direction") or "").lower(), local_tag=element.get("local-tag") or "",
        remote_tag=element.get("remote-tag") or "", remote_identity=identity[:256],
        remote_target=(target.get("uri") or "")[:256] if target is not None else "", held=_held(local))


def _held(local: ET.Element | None) -> bool:
    if local is None:
        return False
    for param in local.iter(f"{NS}param"):
        if (param.get("pname") or "").lower() == "+sip.rendering" and (param.get("pvalue") or "").lower() == "no":
            return True
    return False


def merge(known: dict[str, DialogEntry], info: DialogInfo) -> dict[str, DialogEntry]:
    """The extension's dialogs after a NOTIFY: a full document replaces them, a partial one updates by call-id."""
    out = {} if info.full else dict(known)
    for entry in info.dialogs:
        out[entry.call_id] = entry
    return {k: v for k, v in out.items() if v.live}


def lamp_of(dialogs: dict[str, DialogEntry] | tuple[DialogEntry, ...]) -> Lamp:
    """Busy beats ringing beats idle; held only when every call up there is held."""
    entries = [d for d in (dialogs.values() if isinstance(dialogs, dict) else dialogs) if d.live]
    up = [d for d in entries if d.state is DialogState.CONFIRMED]
    calling = [d for d in entries if d.state in (DialogState.TRYING, DialogState.PROCEEDING, DialogState.EARLY)
               and not d.ringing_here]
    if up:
        return Lamp.HELD if all(d.held for d in up) and not calling else Lamp.BUSY
    if calling:
        return Lamp.BUSY
    if any(d.ringing_here for d in entries):
        return Lamp.RINGING
    return Lamp.IDLE


def peer_of(dialogs: dict[str, DialogEntry]) -> str:
    """The other party of the extension's most telling dialog (up, else ringing), as the server named it."""
    order = (DialogState.CONFIRMED, DialogState.EARLY, DialogState.PROCEEDING, DialogState.TRYING)
    for state in order:
        for entry in dialogs.values():
            if entry.state is state and entry.remote_identity:
                return entry.remote_identity
    return ""


def ringing_dialog(dialogs: dict[str, DialogEntry]) -> DialogEntry | None:
    """The early dialog ringing at the extension (for a pickup by INVITE with Replaces, RFC 3891)."""
    return next((d for d in dialogs.values() if d.ringing_here and d.local_tag and d.remote_tag), None)
