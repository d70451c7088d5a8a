"""The attendant desk: what the operator's attendant keys ask of the client, and what the client's
attendant handlers tell the store (directory, presence, orbits, settings). It talks to a small
:class:`~console.store.host.DeskHost` (the controller), never to the store itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.core.directory import ForwardMode
from console.core.enums import CALL_STATES
from console.core.machines import TALKING_STATES

from .desk_state import (
    Consult, ConsultEnded, ConsultStarted, DirectoryLoaded, DndSet, ForwardingSet, OrbitsUpdated, PresenceUpdated,
    SettingsRestored,
)
from .handover import TransferSent
from .host import DeskHost, on_call
from .queues import QueueDesk
from .state import EndCause

if TYPE_CHECKING:
    from .effects.board import BoardKeeper
    from .port import ClientPort

_RINGING_OUT = frozenset({CALL_STATES.DIALING, CALL_STATES.RINGING})
Rules = tuple[tuple[str, str], ...]  # forwarding: (ForwardMode value, number), in ForwardMode's order


def forwarding_words(rules: Rules) -> str:
    """What the status line says of a forwarding ("always → 203, no answer → 201"; "" for none)."""
    return ", ".join(f"{mode.replace('_', ' ')} → {number}" for mode, number in rules)


class Desk:
    def __init__(self, host: DeskHost) -> None:
        self.host = host
        self._dnd_wanted: bool | None = None
        self._dnd_asked: list[bool] = []  # DND changes asked for by key and not yet confirmed, oldest first
        self._forwarding_wanted: Rules = ()  # the last forwarding asked for
        self._forwarding_args: Rules | None = None  # the forwarding set from here (None: none), set again at login
        self._settings_number: str | None = None  # the number DND and forwarding were set for
        self.transfer_recall: float | None = None  # config.toml's transfer_recall, given to the client
        self.queues = QueueDesk(host)  # this operator's pause in its queues (extension)
        self.board: BoardKeeper | None = None  # board.json: DND, forwarding and the pause from before a restart

    # -- the client's side ---------------------------------------------------------------
    def attach(self, client: ClientPort) -> None:
        """Set the client's attendant handlers (and how long a transfer may ring before it comes back)."""
        client.transfer_recall = self.transfer_recall
        client.set_directory_handler(lambda entries: self.host.dispatch(DirectoryLoaded(tuple(entries))))
        client.set_presence_handler(self._presence)
        client.set_orbit_handler(self._orbits)
        client.set_setting_handler(self._setting)
        client.set_setting_refused_handler(self._refused)
        self.queues.attach(client)

    def logged_in(self, client: ClientPort) -> None:
        """Ask for the directory and subscribe to presence (a fresh snapshot replaces what was shown)."""
        if not client.supports_attendant:
            return  # a wire without the extension (SIP): nothing to ask, nothing to report as failed
        self.host.attempt("directory", client.request_directory)
        self.host.attempt("presence", lambda: client.subscribe_presence(True))
        self._dnd_asked.clear()  # a new connection: what the last one asked for is answered no more
        self._restore_settings()
        self._say_settings_again(client)
        self.queues.logged_in(client)

    def _restore_settings(self) -> None:
        """DND, forwarding and the queue pause from before a restart of the console (the switch kept them): the
        board file's, shown at once in one change (one ``settings`` event), then said again like any other."""
        board, number = self.board, self.host.state.login.number
        dnd, paused, rules = board.take_desk(number) if board is not None else (False, False, ())
        if not (dnd or paused or rules):
            return
        desk = self.host.state.desk
        self._settings_number = self._settings_number or number
        if rules and self._forwarding_args is None:
            self._forwarding_args = self._forwarding_wanted = rules
        self.host.dispatch(SettingsRestored(desk.dnd or dnd, forwarding_words(self._forwarding_args or ()),
                                            self._forwarding_args or (), desk.queue_paused or paused))

    def _say_settings_again(self, client: ClientPort) -> None:
        """Do not disturb and forwarding set from this console are set again at every login.

        The switch keeps them in memory: one that restarted has forgotten them while the status
        line still shows them. Saying them again (the same values: harmless to a switch that
        remembers) keeps what the operator sees and what the switch does the same.
        """
        number = self.host.state.login.number
        if self._settings_number is not None and number != self._settings_number:
            # another number logged in here: the settings were the other number's, not this one's
            self._forwarding_args = None
            self._settings_number = None
            self.host.dispatch(DndSet(False))
            self.host.dispatch(ForwardingSet(""))
            return
        if self.host.state.desk.dnd:
            self._dnd_wanted = True
            self.host.attempt("do not disturb", lambda: client.set_dnd(True))
        if self._forwarding_args is not None:
            self._forwarding_wanted = self._forwarding_args
            args = dict(self._forwarding_args)
            self.host.attempt("forwarding", lambda: client.set_forwarding(**args))

    def _presence(self, states: dict) -> None:
        """A snapshot lists every number, a push the ones that changed: merging serves both."""
        self.host.dispatch(PresenceUpdated(tuple(states.items())))

    def _orbits(self, orbits: tuple) -> None:
        self.host.dispatch(OrbitsUpdated(tuple(orbits)))

    def _setting(self, what: str) -> None:
        if what == "dnd" and self._dnd_wanted is not None:
            on = self._dnd_asked.pop(0) if self._dnd_asked else self._dnd_wanted  # the switch answers in order
            self.host.dispatch(DndSet(on))
            self.host.note(f"do not disturb {'on' if on else 'off'}")
        elif what == "forwarding":
            words = forwarding_words(self._forwarding_wanted)
            self.host.dispatch(ForwardingSet(words, self._forwarding_wanted))
            self.host.note(f"forwarding: {words or 'off'}")

    def _refused(self, what: str) -> None:
        """The switch refused a setting (the error line says why): it is no longer awaited, so the next toggle
        starts from what is in force, and what is said again at login is what the switch took."""
        if what == "dnd":
            if self._dnd_asked:  # the switch answers in order
                self._dnd_asked.pop(0)
            self._dnd_wanted = self._dnd_asked[-1] if self._dnd_asked else self.host.state.desk.dnd
        elif what == "forwarding":
            rules = self.host.state.desk.forwarding_rules
            self._forwarding_wanted, self._forwarding_args = rules, rules or None
        elif what == "queue_pause":
            self.queues.refused()

    # -- the operator's requests ------------------------------------------------------------
    def blind_transfer(self, number: str, slot: int | None = None) -> bool:
        number = number.strip()
        view = self.host.state.target(slot)
        if not number:
            self.host.error("blind transfer: enter a number first")
            return False
        if view is None or view.state not in TALKING_STATES:
            self.host.error("blind transfer: select a connected or held call first")
            return False
        ok = on_call(self.host, "blind transfer", view, lambda call: call.blind_transfer(number))
        if ok:
            self.host.calls.causes[view.key] = EndCause.TRANSFERRED
            self.host.dispatch(TransferSent(view.key, number))
            self.host.note(f"blind transfer [{view.slot}] {view.remote_number} → {number}")
        return ok

    def transfer_refused(self, key: str) -> None:
        """The switch refused a transfer of ``key``: the call goes on, its card forgets the target."""
        view = self.host.state.call_by_key(key)
        if view is not None and view.transferred_to and not view.ended:
            self.host.calls.causes.pop(key, None)
            self.host.dispatch(TransferSent(key, ""))

    def park(self, slot: int | None = None, orbit: str | None = None) -> bool:
        view = self.host.state.target(slot)
        if view is None or view.state not in TALKING_STATES:
            self.host.error("park: select a connected or held call first")
            return False
        ok = on_call(self.host, "park", view, lambda call: call.park(orbit))
        if ok:
            self.host.note(f"park [{view.slot}] {view.remote_number}" + (f" on {orbit}" if orbit else ""))
        return ok

    def pickup(self, orbit: str | None = None) -> int | None:
        """Dial an orbit: the one named, else the one parked longest (the first on the park strip)."""
        if orbit is None:
            occupied = self.host.state.desk.occupied_orbits()
            if not occupied:
                self.host.error("pickup: no call is parked")
                return None
            orbit = min(occupied, key=lambda o: (o.since is None, o.since or 0.0)).orbit
        client = self.host.client
        parked = client.parked_call(orbit) if client is not None else None
        if parked is not None:  # parked here (a SIP server keeps no calls): taking it off hold picks it up
            key = self.host.calls.key_of(parked)
            view = self.host.state.call_by_key(key) if key is not None else None
            return view.slot if view is not None and self.host.retrieve(view.slot) else None
        return self.host.dial(orbit)

    def can_pickup_ringing(self) -> bool:
        """Whether a call ringing at an extension can be picked up here (a SIP server's pickup code)."""
        client = self.host.client
        return client is not None and client.pickup_number("0") is not None

    def pickup_ringing(self, number: str) -> int | None:
        """Take the call ringing at extension ``number``: dial the pickup code; the call that the server then
        sends here is answered at once (docs/SIP.md, "Pickup")."""
        client = self.host.client
        code = client.pickup_number(number) if client is not None else None
        if client is None or code is None:
            self.host.error(f"pickup: the server offers no pickup of a call ringing at {number}")
            return None
        client.expect_picked_call()
        self.host.note(f"pickup of the call ringing at {number}")
        return self.host.dial(code)

    def set_dnd(self, on: bool) -> bool:
        client = self.host.client
        if client is None:
            self.host.error("do not disturb: not logged in")
            return False
        self._dnd_wanted = bool(on)
        self._settings_number = self.host.state.login.number
        sent = self.host.attempt("do not disturb", lambda: client.set_dnd(bool(on)))
        if sent:
            self._dnd_asked.append(bool(on))
        return sent

    def toggle_dnd(self) -> bool:
        """Keys typed faster than the switch answers: each toggles what the one before asked for."""
        return self.set_dnd(not (self._dnd_asked[-1] if self._dnd_asked else self.host.state.desk.dnd))

    def set_forwarding(self, always: str | None = None, busy: str | None = None, no_answer: str | None = None) -> bool:
        client = self.host.client
        if client is None:
            self.host.error("forwarding: not logged in")
            return False
        rules = tuple((mode.value, number) for mode, number in zip(ForwardMode, (always, busy, no_answer)) if number)
        self._forwarding_wanted = rules
        self._forwarding_args = rules or None
        self._settings_number = self.host.state.login.number
        return self.host.attempt("forwarding", lambda: client.set_forwarding(always, busy, no_answer))

    # -- announced transfer --------------------------------------------------------------------
    def consult(self, number: str, slot: int | None = None) -> bool:
        """Call ``number`` about the selected call (which goes on hold); j completes, z cancels."""
        view = self.host.state.target(slot)
        if view is None or view.state not in TALKING_STATES:
            self.host.error("consult: select a connected or held call first")
            return False
        if self.host.state.desk.consult is not None:
            self.host.error("consult: a consultation is already under way (j completes, z cancels)")
            return False
        new_slot = self.host.dial(number)
        target = self.host.state.call_in(new_slot) if new_slot is not None else None
        if target is None:
            return False
        self.host.dispatch(ConsultStarted(Consult(view.key, target.key, number.strip())))
        self.host.note(f"consulting {number} about [{view.slot}] {view.remote_number}: j completes, z cancels")
        return True

    def complete(self) -> bool:
        """Hand the waiting caller to the target (answered or still ringing)."""
        pair = self._pair("complete transfer")
        if pair is None:
            return False
        waiting, consulting = pair
        consult = self.host.state.desk.consult
        assert consult is not None  # _pair found it
        if consulting.state not in TALKING_STATES | _RINGING_OUT:
            self.host.error("complete transfer: the consultation call is not up or ringing")
            return False
        self.host.dispatch(ConsultEnded())
        if not self.host.transfer(waiting.slot, consulting.slot):
            return False
        self.host.dispatch(TransferSent(waiting.key, consult.number))
        return True

    def cancel(self) -> bool:
        """Back to the caller: end the consultation, retrieve the caller."""
        pair = self._pair("cancel consultation")
        if pair is None:
            return False
        waiting, consulting = pair
        self.host.dispatch(ConsultEnded())
        if not consulting.ended:
            self.host.hangup(consulting.slot)
        if waiting.state is CALL_STATES.HELD:
            self.host.retrieve(waiting.slot)
        self.host.note(f"consultation cancelled: back to [{waiting.slot}] {waiting.remote_number}")
        return True

    def _pair(self, what: str):
        consult = self.host.state.desk.consult
        if consult is None:
            self.host.error(f"{what}: no consultation under way (T starts one)")
            return None
        waiting = self.host.state.call_by_key(consult.waiting)
        consulting = self.host.state.call_by_key(consult.consulting)
        if waiting is None or waiting.ended or consulting is None:
            self.host.dispatch(ConsultEnded())
            self.host.error(f"{what}: the caller's call has ended")
            return None
        return waiting, consulting

    def call_ended(self, key: str) -> None:
        """A call of the consultation ended: the flow is over (the cards say how)."""
        consult = self.host.state.desk.consult
        if consult is not None and key in (consult.waiting, consult.consulting):
            self.host.dispatch(ConsultEnded())
            if key == consult.consulting:
                self.host.note(f"consultation with {consult.number} ended")
