"""The console in the operator's world: the event feed (schema v1), the socket that streams it and takes
commands, and the headless console. Above the store, below the UI; no Textual (docs/EVENTS.md)."""

from .feed import SCHEMA_VERSION, Event, EventFeed

__all__ = ["SCHEMA_VERSION", "Event", "EventFeed"]
