"""Transfer with recall where the console must do it itself (SIP in front of a bare proxy), sans I/O.

A plain REFER to a number (RFC 3515) hands the caller over and forgets it: if the target is busy, declines
or never answers, the caller is lost (the far end's phone decides what happens). So the console consults
first: the caller is held at the console, the console calls the target, and

* the target answers: the caller is REFERred to the target **with Replaces** of the consultation
  (RFC 3891): the caller's INVITE takes the console's place in the target's call, and the console's two
  calls end (SUCCESS) on the NOTIFY 200;
* the target is busy, declines, fails, or does not answer within ``recall_after`` seconds: the
  consultation is dropped and the caller is **recalled**: taken off hold, back with the operator;
* the REFER gets no final answer within ``recall_after`` more seconds, or fails: recalled the same way
  (the consultation, if still up, stays with the operator to sort out).

An announced transfer completed while the target still rings (the switchboard's transfer of a held caller
to a consultation that is ringing) is the same machine entered with that consultation: a ringing target's
early dialog cannot be replaced (RFC 3891 3: a UA replaces only a dialog it could have ended itself with
CANCEL or BYE, and the ringing phone is the early dialog's UAS), so the REFER waits for the answer.

The machine is a table of (step, input) -> (next step, actions); the driver (``console.webrtc``) feeds the
consultation's and the caller's call states and the time, and performs the actions with seed requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from console.core.enums import CALL_STATES, DISC_REASON

DEFAULT_RECALL = 20.0  # seconds, as the embedded switch's limits.transfer_recall (config.toml's transfer_recall)


class Step(str, Enum):
    CONSULTING = "consulting"  # the target is being called; the caller is held
    REFERRING = "referring"  # the target answered; the caller was REFERred to it with Replaces
    DONE = "done"  # the caller is with the target (or hung up)
    RECALLED = "recalled"  # the caller is back with the operator


class Action(str, Enum):
    REFER = "refer"  # transfer the caller to the consultation (REFER with Replaces)
    DROP_CONSULTATION = "drop_consultation"  # hang up the call to the target
    RECALL = "recall"  # the caller comes back: retrieve it, tell the operator why


@dataclass(frozen=True)
class Outcome:
    actions: tuple[Action, ...] = ()
    reason: DISC_REASON | None = None  # why a recall happened (the target's answer, or NOTRESPONDING)


NOTHING = Outcome()


class RecallTransfer:
    """One transfer with recall; see the module docstring. Time is an argument; nothing here does I/O."""

    def __init__(self, target: str, recall_after: float, now: float) -> None:
        self.target = target
        self.recall_after = recall_after
        self.step = Step.CONSULTING
        self.deadline: float | None = now + recall_after

    @property
    def finished(self) -> bool:
        return self.step in (Step.DONE, Step.RECALLED)

    def consultation(self, state: CALL_STATES, reason: DISC_REASON | None, now: float) -> Outcome:
        """The call to the target changed state."""
        if self.step is Step.CONSULTING:
            if state is CALL_STATES.CONNECTED:
                self.step, self.deadline = Step.REFERRING, now + self.recall_after
                return Outcome((Action.REFER,))
            if state is CALL_STATES.DISCONNECTED:  # busy, declined, unknown, failed
                return self._recall(reason or DISC_REASON.ERROR, drop=False)
        elif self.step is Step.REFERRING and state is CALL_STATES.DISCONNECTED:
            if reason is DISC_REASON.SUCCESS:  # the NOTIFY 200: the caller took our place
                self.step, self.deadline = Step.DONE, None
                return NOTHING
            return self._recall(reason or DISC_REASON.ERROR, drop=False)
        return NOTHING

    def caller(self, state: CALL_STATES, reason: DISC_REASON | None, now: float) -> Outcome:
        """The caller's call changed state: its end finishes the transfer (done, or the caller gave up)."""
        if state is not CALL_STATES.DISCONNECTED or self.finished:
            return NOTHING
        consulting = self.step is Step.CONSULTING
        self.step, self.deadline = Step.DONE, None
        if consulting or reason is not DISC_REASON.SUCCESS:
            return Outcome((Action.DROP_CONSULTATION,) if consulting else ())
        return NOTHING

    def refer_failed(self, now: float) -> Outcome:
        """The REFER was refused or its NOTIFY said it failed: the caller comes back."""
        if self.step is not Step.REFERRING:
            return NOTHING
        return self._recall(DISC_REASON.ERROR, drop=False)

    def tick(self, now: float) -> Outcome:
        if self.deadline is None or now < self.deadline or self.finished:
            return NOTHING
        return self._recall(DISC_REASON.NOTRESPONDING, drop=self.step is Step.CONSULTING)

    def _recall(self, reason: DISC_REASON, drop: bool) -> Outcome:
        self.step, self.deadline = Step.RECALLED, None
        return Outcome((Action.DROP_CONSULTATION, Action.RECALL) if drop else (Action.RECALL,), reason)
