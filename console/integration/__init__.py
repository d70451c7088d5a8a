"""The console in the operator's world: events out to other programs (event stream, webhooks, screen pop)."""
