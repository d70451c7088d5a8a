"""An ordered, case-insensitive header list with SIP's compact forms and comma lists."""

from __future__ import annotations

from typing import Iterator

from .uri import split_quoted

COMPACT = {
    "i": "Call-ID", "m": "Contact", "e": "Content-Encoding", "l": "Content-Length",
    "c": "Content-Type", "f": "From", "s": "Subject", "k": "Supported", "t": "To", "v": "Via",
    "o": "Event", "r": "Refer-To", "b": "Referred-By", "u": "Allow-Events", "x": "Session-Expires",
}
_CANONICAL = {name.lower(): name for name in (
    *COMPACT.values(), "CSeq", "Max-Forwards", "Route", "Record-Route", "WWW-Authenticate",
    "Authorization", "Proxy-Authenticate", "Proxy-Authorization", "Expires", "User-Agent",
    "Allow", "Require", "Proxy-Require", "Unsupported", "Reason", "Replaces", "Accept",
    "Min-Expires", "Retry-After", "Subscription-State", "Server", "Path", "Flow-Timer",
    "Authentication-Info", "Warning", "Date", "Timestamp", "P-Asserted-Identity",
)}
# headers whose values may be comma-separated lists (RFC 3261 7.3.1); the auth headers may not
LIST_HEADERS = frozenset({
    "via", "route", "record-route", "contact", "allow", "supported", "require", "proxy-require",
    "unsupported", "accept", "allow-events", "path", "reason",
})


def canonical(name: str) -> str:
    name = name.strip()
    low = name.lower()
    if low in COMPACT:
        return COMPACT[low]
    return _CANONICAL.get(low, "-".join(p.capitalize() for p in name.split("-")))


class Headers:
    def __init__(self, items: list[tuple[str, str]] | None = None):
        self._items: list[tuple[str, str]] = []
        for name, value in items or []:
            self.add(name, value)

    def add(self, name: str, value: str) -> None:
        if "\r" in value or "\n" in value:
            raise ValueError(f"header {name} contains a line break")
        self._items.append((canonical(name), value.strip()))

    def set(self, name: str, value: str) -> None:
        self.remove(name)
        self.add(name, value)

    def remove(self, name: str) -> None:
        low = canonical(name).lower()
        self._items = [(n, v) for n, v in self._items if n.lower() != low]

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self.get_all(name)
        return values[0] if values else default

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name``, comma lists split for headers that allow them."""
        low = canonical(name).lower()
        values = [v for n, v in self._items if n.lower() == low]
        if low in LIST_HEADERS:
            values = [part.strip() for v in values for part in split_quoted(v, ",") if part.strip()]
        return values

    def __contains__(self, name: str) -> bool:
        low = canonical(name).lower()
        return any(n.lower() == low for n, _ in self._items)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def copy(self) -> Headers:
        new = Headers()
        new._items = list(self._items)
        return new
