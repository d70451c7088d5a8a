"""The console among other systems (issue 21): the event feed (schema v1), the socket that streams it and
takes commands, the headless console, call-record export and statistics, webhooks and screen pop.

A layer of its own between the UI and the store (pyproject.toml's layers contract): it reads the store's
state and the persisted files and speaks to the outside world, and neither the store nor the files know it
exists. No Textual (docs/EVENTS.md).
"""

from .feed import SCHEMA_VERSION, Event, EventFeed

__all__ = ["SCHEMA_VERSION", "Event", "EventFeed"]
