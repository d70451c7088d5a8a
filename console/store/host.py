"""What the desk and the call features need of the console: a small typed port, satisfied by the
:class:`~console.store.controller.Controller` (and by a test double)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Protocol

from .contact import contact_refusal
from .events import ErrorCleared
from .state import AppState, CallView, LogLevel

if TYPE_CHECKING:
    from .calls import CallBook
    from .port import CallPort, ClientPort


class Host(Protocol):
    @property
    def state(self) -> AppState: ...

    @property
    def client(self) -> ClientPort | None: ...

    @property
    def calls(self) -> CallBook: ...

    def dispatch(self, event: Any) -> None: ...

    def attempt(self, what: str, fn: Callable[[], Any]) -> bool:
        """Run a client request; a refusal (or an internal failure) becomes an error line. True if it went."""
        ...

    def error(self, text: str) -> None: ...

    def note(self, text: str, level: LogLevel = LogLevel.INFO, source: str = "console") -> None: ...


class DeskHost(Host, Protocol):
    """The desk also places calls and joins them (consultation, pickup)."""

    def dial(self, number: str, name: str = "") -> int | None: ...

    def transfer(self, slot_a: int, slot_b: int) -> bool: ...

    def hangup(self, slot: int | None = None) -> bool: ...

    def retrieve(self, slot: int | None = None) -> bool: ...


def on_call(host: Host, what: str, view: CallView | None, fn: Callable[[CallPort], Any]) -> bool:
    """Run ``fn`` on the client's call behind the card ``view``; no card, or a card whose call is gone,
    is an error line."""
    if view is None:
        host.error(f"{what}: no call selected")
        return False
    call = host.calls.get(view.key)
    if call is None:
        host.error(f"{what}: the call in slot {view.slot} has ended")
        return False
    if (why := contact_refusal(host.state, view)) is not None:
        host.error(f"{what} [{view.slot}]: {why}")
        return False
    if not host.attempt(f"{what} [{view.slot}]", lambda: fn(call)):
        return False
    host.dispatch(ErrorCleared())  # the operator's request went: an earlier error is no longer the news
    return True
