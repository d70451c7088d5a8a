"""The transfer-with-recall driver (console/webrtc/transfer_recall.py) against calls that change state as a
loaded machine has them: the target's refusal may arrive before the caller's hold has completed."""

from __future__ import annotations

from console.core.enums import CALL_STATES as S
from console.core.enums import DISC_REASON
from console.webrtc.transfer_recall import TransferRecaller


class Call:
    def __init__(self, state: S = S.IDLE, number: str = "") -> None:
        self.state, self.reason, self.number, self.id = state, None, number, number or "consult"
        self.asked: list[str] = []

    def get_state(self) -> S:
        return self.state

    def get_disconnect_reason(self):
        return self.reason

    def get_remote_number(self) -> str:
        return self.number

    def dial(self, number: str) -> None:
        self.number, self.state = number, S.DIALING

    def hold(self) -> None:
        self.asked.append("hold")

    def retrieve(self) -> None:
        self.asked.append("retrieve")

    def disconnect(self) -> None:
        self.asked.append("disconnect")

    def transfer(self, other) -> None:
        self.asked.append("transfer")


async def test_a_refusal_that_beats_the_callers_hold_still_brings_the_caller_back():
    """With auto_hold the consultation's dial holds the caller; a target that declines at once (603) is reported
    while the caller is still HOLDING. Once the hold completes, the caller is retrieved: back with the operator."""
    caller, consultation, errors = Call(S.CONNECTED, "1001"), Call(), []
    recaller = TransferRecaller(lambda: consultation, lambda call, text: errors.append(text), 20.0, holds_on_dial=True)
    recaller.blind(caller, "1002")
    caller.state = S.HOLDING  # auto_hold: the hold re-INVITE is on its way
    recaller.call_changed(caller)
    consultation.state, consultation.reason = S.DISCONNECTED, DISC_REASON.REJECTED
    recaller.call_changed(consultation)
    assert errors == ["transfer to 1002 failed (REJECTED): the caller is back"] and "retrieve" not in caller.asked
    caller.state = S.HELD  # the hold completes
    recaller.call_changed(caller)
    assert caller.asked == ["retrieve"]
    recaller.close()
