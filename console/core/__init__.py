"""Sans-I/O core: enums, wire messages, state machines, the client session (core.client), the one exception hierarchy. No asyncio, no sockets."""
