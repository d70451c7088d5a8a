"""The attendant extension's session-wide requests over SIP: directory, lamps, DND, forwarding (docs/SIP.md).

The session sends the same :data:`~.wire.AttendantRequest` values on either
wire; over SIP :class:`SipDesk` answers them with standard mechanisms and no
server-specific feature:

* directory -> the extensions configured for this console (``[sip] directory`` in config.toml, or
  :class:`SipDeskSettings` given to the wire): SIP has no directory;
* subscribe (presence) -> a SUBSCRIBE dialog per extension to the dialog event package (RFC 4235),
  each NOTIFY -> a :class:`~.wire.PresenceReport`; subscribed again after every (re-)registration;
* dnd -> the agent answers new INVITEs 486 (or 480) itself; forwarding -> 302 with the target in Contact.

Lamps map onto :class:`~console.core.directory.PresenceState` (idle -> available, held -> on_hold), so the store
and the UI read them as they read the embedded switch's presence.
"""

from __future__ import annotations

import logging
from console.core.directory import PresenceState
from console.core.sip.agent import UserAgent
from console.core.sip.dialog_info import Lamp
from console.core.sip.subscription import LampChanged

from .sip_settings import SipDeskSettings
from .wire import (AttendantData, AttendantRequest, DirectoryRequest, DndRequest, ForwardingRequest, Inbound,
                   PresenceReport, Reply, SubscribeRequest)

log = logging.getLogger("console.core.client.sip")

PRESENCE_OF_LAMP = {Lamp.IDLE: PresenceState.AVAILABLE, Lamp.RINGING: PresenceState.RINGING, Lamp.BUSY: PresenceState.BUSY,
                    Lamp.HELD: PresenceState.ON_HOLD, Lamp.OFFLINE: PresenceState.OFFLINE}


class SipDesk:
    def __init__(self, settings: SipDeskSettings | None = None) -> None:
        self.settings = settings or SipDeskSettings()
        self.subscribed = False

    def handle(self, rid: int, request: AttendantRequest, agent: UserAgent, now: float) -> list[Inbound]:
        if isinstance(request, DirectoryRequest):
            return [Reply(rid, attendant=AttendantData(entries=self.settings.directory))]
        if isinstance(request, SubscribeRequest):
            self.subscribed = bool(request.presence)
            numbers = [entry.number for entry in self.settings.directory] if self.subscribed else []
            agent.lamps.watch(numbers, now)
            presence = {n: PRESENCE_OF_LAMP[lamp] for n, lamp in agent.lamps.lamps().items()}
            return [Reply(rid, attendant=AttendantData(presence=presence if self.subscribed else {}))]
        policy = agent.policy
        if isinstance(request, DndRequest):
            policy.dnd, policy.dnd_status = bool(request.on), self.settings.dnd_status
        elif isinstance(request, ForwardingRequest):
            policy.always, policy.busy, policy.no_answer = request.always, request.busy, request.no_answer
            policy.no_answer_after = request.after if request.after else self.settings.no_answer_after
        return [Reply(rid)]

    def registered(self, agent: UserAgent, now: float) -> None:
        """A (new) registration: the server may have lost our subscriptions with the connection."""
        if self.subscribed:
            agent.lamps.restart(now)

    def lamp(self, event: LampChanged) -> Inbound:
        if event.peer:
            log.info("SIP: lamp %s %s (with %s)", event.number, event.lamp, event.peer)
        return PresenceReport(event.number, PRESENCE_OF_LAMP[event.lamp])

    def dial_target(self, number: str, agent: UserAgent) -> tuple[str, tuple[str, str, str] | None]:
        """Where a dial goes. A pickup (the code and an extension) with ``pickup_replaces`` and an early dialog on
        the extension's lamp goes to the caller as an INVITE with Replaces of that dialog (RFC 3891: only the UA that
        started an early dialog may let it be replaced, so the caller, not the ringing phone); else as dialled."""
        if not (self.settings.pickup_replaces and self.is_pickup(number)):
            return number, None
        extension = number[len(self.settings.pickup_code):]
        ringing = agent.lamps.ringing(extension)
        watch = agent.lamps.watches.get(extension)
        caller = (watch.peer if watch is not None else "").removeprefix("sip:").removeprefix("sips:")
        user = caller.partition("@")[0]
        if ringing is None or not user:
            return number, None
        call_id, callee_tag, caller_tag = ringing  # the callee's document: local = the callee, remote = the caller
        # RFC 3891 3: to-tag matches the recipient's local tag (the caller's), from-tag its remote tag (the callee's)
        return user, (call_id, caller_tag, callee_tag)

    def is_pickup(self, number: str) -> bool:
        code = self.settings.pickup_code
        return bool(code) and number.startswith(code) and len(number) > len(code)
