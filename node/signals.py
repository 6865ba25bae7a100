"""Events the node emits for apps above it (the exchange announces rotated keys)."""

from django.dispatch import Signal

# Sent inside the rotation's transaction with new_key_id=...; receivers write outbox rows.
key_rotated = Signal()
