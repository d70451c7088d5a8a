"""One call's offer/answer exchange, as a table (h11's ``_state.py``): which step may follow which, checked in one place.

An exchange rides on a request (dial, answer, hold, retrieve, media). Either side may have offered:

* **offerer** -- the console offers (``MakeOffer`` without a remote offer), the request carries the offer and its
  reply the answer (our JSON protocol), or the reply says the answer follows (SIP: an INVITE's 200 after ringing,
  a :class:`~console.core.client.wire.RemoteAnswer`); the driver then applies it (``ApplyAnswer``);
* **answerer** -- the far end offered (a :class:`~console.core.client.wire.RemoteOffer`: an incoming INVITE, a
  re-INVITE), the driver makes our answer, the request carries it and its reply only confirms.

:data:`TABLE` is every legal ``(state, step) -> state``; :meth:`Negotiation.advance` is the one place a step is
checked. The session asks :meth:`Negotiation.allows` first where the step comes from outside (the wire, the
driver) and an out-of-order one is ignored; a step the session itself takes illegally is a bug and raises.

What waits for the exchange to end lives here too: a request asked for meanwhile (``queued``), a media re-offer
(``media_wanted``), call reports held back until the answer is applied (``held_back``), the far end's offer to
answer (``remote_offer``), whether the next offer comes from new media (``fresh_media``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from console.core.callinfo import CallInfo
from console.core.errors import LocalProtocolError
from console.core.machines import CallRequest

from .wire import CallCommand


class NegotiationState(StrEnum):
    STABLE = "stable"  # no exchange under way
    MAKING_OFFER = "making_offer"  # offerer: the driver makes the offer a request will carry
    MAKING_ANSWER = "making_answer"  # answerer: the driver makes our answer to the far end's offer
    OFFER_SENT = "offer_sent"  # offerer: the request and our offer are on the wire; its reply brings the answer
    ANSWER_SENT = "answer_sent"  # answerer: the request and our answer are on the wire; its reply confirms
    ANSWER_FOLLOWS = "answer_follows"  # offerer: the reply said the answer comes later (RemoteAnswer)
    APPLYING = "applying"  # offerer: the driver applies the far end's answer


class Step(StrEnum):
    OFFER = "offer"  # a negotiating request needs our offer (MakeOffer)
    ANSWER_OFFER = "answer_offer"  # a negotiating request answers the far end's offer (MakeOffer with it)
    SEND = "send"  # the driver's SDP is ready and goes out with its request
    DROP = "drop"  # no SDP after all: making it failed, the connection ended, or the call ended first
    ANSWERED = "answered"  # the reply carries the far end's answer (ApplyAnswer)
    DEFERRED = "deferred"  # the reply says the answer follows
    REMOTE_ANSWER = "remote_answer"  # the answer that was to follow arrived (ApplyAnswer)
    CONFIRMED = "confirmed"  # the reply carries no SDP: nothing to apply
    REFUSED = "refused"  # the request failed (refused, timed out, the connection ended)
    APPLIED = "applied"  # the driver applied the answer
    APPLY_FAILED = "apply_failed"  # the driver could not apply it


N, St = NegotiationState, Step

TABLE: dict[tuple[NegotiationState, Step], NegotiationState] = {
    (N.STABLE, St.OFFER): N.MAKING_OFFER,
    (N.STABLE, St.ANSWER_OFFER): N.MAKING_ANSWER,
    # offerer
    (N.MAKING_OFFER, St.SEND): N.OFFER_SENT,
    (N.MAKING_OFFER, St.DROP): N.STABLE,
    (N.OFFER_SENT, St.ANSWERED): N.APPLYING,
    (N.OFFER_SENT, St.DEFERRED): N.ANSWER_FOLLOWS,
    (N.OFFER_SENT, St.CONFIRMED): N.STABLE,  # the switch took the request without media (nothing to apply)
    (N.OFFER_SENT, St.REFUSED): N.STABLE,
    (N.ANSWER_FOLLOWS, St.REMOTE_ANSWER): N.APPLYING,
    (N.APPLYING, St.APPLIED): N.STABLE,
    (N.APPLYING, St.APPLY_FAILED): N.STABLE,
    # answerer
    (N.MAKING_ANSWER, St.SEND): N.ANSWER_SENT,
    (N.MAKING_ANSWER, St.DROP): N.STABLE,
    (N.ANSWER_SENT, St.CONFIRMED): N.STABLE,
    (N.ANSWER_SENT, St.REFUSED): N.STABLE,
}

HOLDS_REPORTS = frozenset({N.OFFER_SENT, N.ANSWER_SENT, N.APPLYING})
"""While the answer is still to be applied, call reports wait (a CONNECTED shown before the media is up would lie);
not while it is to follow (the far end's ringing is shown at once)."""

MAKING = frozenset({N.MAKING_OFFER, N.MAKING_ANSWER})


class NegotiationError(LocalProtocolError):
    """A step the table does not allow in the exchange's state (a bug in the session, never the wire's fault)."""


@dataclass(eq=False)
class Negotiation:
    """One call's exchange: the state, the request waiting for its SDP, and what waits for the exchange to end."""

    state: NegotiationState = N.STABLE
    command: CallCommand | None = None  # the request waiting for the driver's SDP (MAKING_*)
    media_wanted: bool = False  # a media re-offer is due once the current exchange ends
    queued: tuple[CallRequest, bool] | None = None  # (request, media) asked for during an exchange: runs after it
    held_back: list[CallInfo] = field(default_factory=list)  # reports that wait for the answer to be applied
    remote_offer: dict[str, str] | None = None  # the far end's offer, answered by the next exchange
    fresh_media: bool = False  # the next offer comes from new media (RenewMedia)
    has_media: bool = False  # the call's media has been negotiated at least once

    @property
    def busy(self) -> bool:
        """An exchange is under way."""
        return self.state is not N.STABLE

    @property
    def holds_reports(self) -> bool:
        return self.state in HOLDS_REPORTS

    def allows(self, step: Step) -> bool:
        return (self.state, step) in TABLE

    def advance(self, step: Step) -> NegotiationState:
        """Take ``step``; raise :class:`NegotiationError` if the table does not allow it now."""
        try:
            self.state = TABLE[(self.state, step)]
        except KeyError:
            raise NegotiationError(f"negotiation: {step} is not possible in state {self.state}") from None
        return self.state

    def begin(self, command: CallCommand) -> dict[str, str] | None:
        """``command`` needs SDP: offer, or answer the far end's offer (returned). The next offer's freshness is
        read before this (:attr:`fresh_media`) and reset here."""
        offer, self.remote_offer = self.remote_offer, None
        self.advance(St.OFFER if offer is None else St.ANSWER_OFFER)
        self.command, self.has_media, self.fresh_media = command, True, False
        return offer

    def take_command(self) -> CallCommand | None:
        """The request waiting for SDP, if any (its SDP is ready or will never be: the caller takes SEND or DROP)."""
        command, self.command = self.command, None
        return command if self.state in MAKING else None

    def drop(self) -> CallCommand | None:
        """No SDP after all: the request that waited for it (None if none did)."""
        command = self.take_command()
        if command is not None:
            self.advance(St.DROP)
        return command
