"""TransferRecaller: the asyncio driver of :mod:`console.core.client.sip_transfer` (transfer with recall
where the wire has no switch to do it: SIP).

It owns the running transfers (at most one per caller), their consultation calls and their timers; the
instance feeds it every call state change (:meth:`call_changed`) and it answers with seed requests on the
calls: dial, transfer (REFER with Replaces), disconnect, retrieve. The consultation is an outgoing call of
the instance that the application did not create: it reaches the application only through its errors.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Callable

from console.core.client.sip_transfer import Action, Outcome, RecallTransfer
from console.core.enums import CALL_STATES

from .call import WebRtcCall

log = logging.getLogger("console.webrtc")


@dataclass
class _Running:
    machine: RecallTransfer
    caller: WebRtcCall
    consultation: WebRtcCall
    timer: asyncio.TimerHandle | None = None


class TransferRecaller:
    def __init__(self, create_call: Callable[[], WebRtcCall], report: Callable[[WebRtcCall | None, str], None],
                 recall_after: float, holds_on_dial: bool = False) -> None:
        self._create_call = create_call
        self._holds_on_dial = holds_on_dial  # auto_hold: dialling the consultation holds the caller
        self._report = report
        self.recall_after = recall_after
        self._running: list[_Running] = []
        self._retrieve_when_held: set[WebRtcCall] = set()  # recalled while its hold was still under way

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def blind(self, caller: WebRtcCall, number: str) -> None:
        """Transfer ``caller`` to ``number``, consulting first (the caller is held meanwhile)."""
        if self._of(caller) is not None:
            self._report(caller, "blind_transfer: this call is being transferred already")
            return
        if caller.get_state() not in (CALL_STATES.CONNECTED, CALL_STATES.HELD, CALL_STATES.HOLDING):
            self._report(caller, f"blind_transfer: the call is {caller.get_state()}, not connected or held")
            return
        if not number.strip():
            self._report(caller, "blind_transfer: no number to transfer to")
            return
        if caller.get_state() is not CALL_STATES.HELD and not self._holds_on_dial:
            caller.hold()
        consultation = self._create_call()
        self._start(caller, consultation, number)
        consultation.dial(number)

    def announced(self, caller: WebRtcCall, consultation: WebRtcCall) -> None:
        """Complete an announced transfer while the target still rings: REFER once it answers, with recall."""
        self._start(caller, consultation, consultation.get_remote_number())

    def _start(self, caller: WebRtcCall, consultation: WebRtcCall, target: str) -> None:
        running = _Running(RecallTransfer(target, self.recall_after, self._now()), caller, consultation)
        self._running.append(running)
        self._arm(running)

    def _of(self, call: WebRtcCall) -> _Running | None:
        return next((r for r in self._running if call in (r.caller, r.consultation)), None)

    def call_changed(self, call: WebRtcCall) -> None:
        if call in self._retrieve_when_held and call.get_state() is not CALL_STATES.HOLDING:
            self._retrieve_when_held.discard(call)
            if call.get_state() is CALL_STATES.HELD:
                call.retrieve()  # the recall came while the hold was on its way: the caller is back now
        running = self._of(call)
        if running is None:
            return
        state, reason, now = call.get_state(), call.get_disconnect_reason(), self._now()
        if call is running.consultation:
            self._perform(running, running.machine.consultation(state, reason, now))
        else:
            self._perform(running, running.machine.caller(state, reason, now))

    def _arm(self, running: _Running) -> None:
        if running.timer is not None:
            running.timer.cancel()
            running.timer = None
        deadline = running.machine.deadline
        if deadline is not None:
            running.timer = asyncio.get_running_loop().call_at(deadline, self._expired, running)

    def _expired(self, running: _Running) -> None:
        running.timer = None
        self._perform(running, running.machine.tick(self._now()))

    def _perform(self, running: _Running, outcome: Outcome) -> None:
        machine, caller, consultation = running.machine, running.caller, running.consultation
        for action in outcome.actions:
            if action is Action.REFER:
                log.info("transfer of call %s: %s answered; REFER with Replaces", caller.id, machine.target)
                caller.transfer(consultation)
            elif action is Action.DROP_CONSULTATION:
                if consultation.get_state() not in (CALL_STATES.IDLE, CALL_STATES.DISCONNECTED):
                    consultation.disconnect()
            elif action is Action.RECALL and caller.get_state() is not CALL_STATES.DISCONNECTED:
                why = outcome.reason.value if outcome.reason is not None else "failed"
                self._report(caller, f"transfer to {machine.target} failed ({why}): the caller is back")
                if caller.get_state() is CALL_STATES.HELD:
                    caller.retrieve()
                elif caller.get_state() is CALL_STATES.HOLDING:  # a fast refusal beat the hold: retrieve once held
                    self._retrieve_when_held.add(caller)
        if machine.finished:
            if running.timer is not None:
                running.timer.cancel()
            if running in self._running:
                self._running.remove(running)
        else:
            self._arm(running)

    def close(self) -> None:
        for running in self._running:
            if running.timer is not None:
                running.timer.cancel()
        self._running.clear()
        self._retrieve_when_held.clear()
