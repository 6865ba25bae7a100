"""The project's own hand-written statements (run through `net247.db`)."""

PING = "SELECT 1"  # readyz: the database answers a query, not only a connection
