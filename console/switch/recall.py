"""Transfer with recall: no caller is lost because the number it was transferred to did not take it.

A base of :class:`console.switch.attendant_features.Attendant` (between it and
:class:`~console.switch.legs.Legs`). A blind transfer, or a transfer into a call
that still rings, hands the caller on with a recall armed: if the target is on
DND, busy, declines, is unknown or offline, or does not answer within the
transfer's ``recall`` seconds (``limits.transfer_recall`` by default), the caller
(still hearing music) rings back at the console that transferred it, as a new
incoming call whose call object carries ``recall`` (target, reason, and how long
the caller has waited since it first rang in). See docs/PROTOCOL.md,
"Transfer with recall".
"""

from __future__ import annotations

import asyncio
import logging
import math

from console.core.enums import DISC_REASON, ErrorCode
from console.core.errors import ProtocolError
from console.core.machines import CallMachine
from console.switch.legs import Legs
from console.switch.model import Leg, RecallOf, Session, Setup

log = logging.getLogger("console.switch.calls")
R = DISC_REASON
MAX_RECALL = 300.0  # s: the longest a transfer may ring before it comes back


def recall_seconds(value: object, default: float) -> float:
    """The ``recall`` field of a transfer request: absent means the switch's default."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 < value <= MAX_RECALL:
        raise ProtocolError(ErrorCode.MALFORMED, f"recall must be a number of seconds, 0 < recall <= {MAX_RECALL:g}")
    return float(value)


class TransferRecalls(Legs):
    """Arms and carries out the recall of a transferred caller."""

    def _arm_transfer_recall(self, setup: Setup, by: Session, seconds: float) -> None:
        """``setup`` (the caller handed on) comes back to ``by`` if it is not answered in ``seconds``."""
        target = setup.number
        caller = setup.caller
        setup.transferred_by = by.number or ""
        timer = asyncio.get_running_loop().call_later(seconds, self._transfer_unanswered, setup)

        def keep(reason: DISC_REASON) -> None:
            timer.cancel()
            self._transfer_recall(caller, by, target, reason, seconds)

        setup.keep_caller = keep

    def _transfer_unanswered(self, setup: Setup) -> None:
        if setup.caller.live and setup.caller.setup is setup:  # still ringing (maybe forwarded) somewhere
            self._abandon(setup, R.NOTRESPONDING)

    def _transfer_recall(self, caller: Leg, by: Session, target: str, reason: DISC_REASON, seconds: float) -> None:
        """Ring the caller back at ``by`` (it keeps hearing music); it rings until taken or the caller hangs up.

        Declined there (or hung up while it rings), the caller is not lost: it waits on with music and rings
        back again after ``seconds`` (the transfer's recall time), as a declined park recall stays parked."""
        if by.ended:  # the transferring console logged out: nobody to come back to
            log.info("transfer of %s to %s failed (%s); its console is gone", caller.id, target, reason)
            self._end(caller, reason)
            return
        number = by.number or ""

        def declined(_reason: DISC_REASON) -> None:
            if by.ended:  # not declined: its console logged out while it rang (nobody to come back to)
                self._transfer_recall(caller, by, target, reason, seconds)
                return
            log.info("recall of %s declined at %s: it rings again in %g s", caller.id, number or by.username, seconds)
            asyncio.get_running_loop().call_later(seconds, self._recall_again, caller, by, target, reason, seconds)

        setup = Setup(caller=caller, number=number, keep_caller=declined)
        caller.setup = setup
        caller.remote_number, caller.remote_name = number, by.name
        self._notify(caller)
        leg = self._new_leg(by, CallMachine.incoming(), local=(number, by.name),
                            remote=(caller.local_number, caller.local_name))
        leg.setup = setup
        leg.waiting_since = caller.waiting_since or caller.began  # the caller keeps its place in the queue
        leg.recall = RecallOf(target, reason, leg.waiting_since)
        setup.offered.append(leg)
        log.info("transfer of %s to %s failed (%s): recalling %s", caller.id, target, reason, number or by.username)
        self._notify(leg)

    def _recall_again(self, caller: Leg, by: Session, target: str, reason: DISC_REASON, seconds: float) -> None:
        """A declined recall's time is up: ring again, unless the caller hung up or is with someone meanwhile."""
        if caller.live and caller.setup is None and caller.peer is None:
            self._transfer_recall(caller, by, target, reason, seconds)
