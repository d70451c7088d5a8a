"""A call saved for a restart: its dialog, hold flags and SDP origin as plain JSON-able data (version 1)."""

from __future__ import annotations

from typing import Any

from ..enums import Direction
from .call import P, SipCall
from .dialog import Dialog
from .errors import SipParseError
from .headers import Headers
from .message import SipRequest

VERSION = 1


def snapshot(call: SipCall) -> dict[str, Any]:
    assert call.dialog is not None
    return {"version": VERSION, "dialog": call.dialog.to_dict(), "direction": str(call.direction),
            "local_hold": call.local_hold, "remote_hold": call.remote_hold,
            "origin": [call.origin.session_id, call.origin.version]}


def restore(data: dict[str, Any], via: str, contact: str) -> SipCall:
    """The established call ``data`` describes, its dialog now reached through ``contact``."""
    try:
        if data.get("version") != VERSION:
            raise SipParseError(f"saved call has version {data.get('version')!r}, not {VERSION}")
        dialog = Dialog.from_dict(dict(data["dialog"]))
        session_id, version = data["origin"]
        direction = Direction(data["direction"])
        local_hold, remote_hold = bool(data["local_hold"]), bool(data["remote_hold"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SipParseError(f"saved call is not usable: {exc}") from None
    # a stand-in for the INVITE that made the dialog (only its identity is ever read again)
    headers = Headers([("Via", via), ("From", f"{dialog.local_uri};tag={dialog.local_tag}"),
                       ("To", f"{dialog.remote_uri};tag={dialog.remote_tag}"), ("Call-ID", dialog.call_id),
                       ("CSeq", f"{max(dialog.invite_seq, 1)} INVITE")])
    invite = SipRequest(headers=headers, method="INVITE", uri=dialog.remote_target)
    dialog.local_contact = contact
    call = SipCall(dialog.call_id, direction, P.CONFIRMED, invite, dialog.local_tag, dialog=dialog,
                   local_hold=local_hold, remote_hold=remote_hold)
    call.origin.session_id, call.origin.version = session_id, int(version)
    return call
