"""Events the node emits for apps above it (the exchange announces rotated keys, and
itself when the node starts): node imports no app above it."""

from django.dispatch import Signal

# Sent inside the rotation's transaction with new_key_id=...; receivers write outbox rows.
key_rotated = Signal()
# Sent by `node run` once the node is about to serve (no arguments); the exchange tells
# its peers it is up. Sent robustly: a node that cannot announce itself still starts.
node_started = Signal()
