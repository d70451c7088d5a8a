"""A sans-I/O SIP stack (RFC 3261 over a reliable transport, RFC 7118 in mind).

No sockets, no asyncio, no clocks: a driver feeds received messages and the
current time in, and takes messages to send and events out. ``docs/SIP.md``
says why the project has its own stack and how it maps to the seed API.
"""
