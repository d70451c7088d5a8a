"""Sans-I/O core: enums, wire messages, state machines. No asyncio, no sockets."""
