"""The console among other systems (issue 21): call-record export, statistics, the event stream,
webhooks and screen pop.

A layer of its own between the UI and the store (pyproject.toml's layers
contract): it reads the store's state and the persisted files and speaks to the
outside world, and neither the store nor the files know it exists.
"""
