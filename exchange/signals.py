"""Events the exchange emits for apps above it (alerts pages on them)."""

from django.dispatch import Signal

# destination: str, envelope_id: str, reason: str, code: str. Sent inside the transaction
# that records it. `code` is the contract's error code of the peer's refusal ("" when the
# peer gave none, or the message expired undelivered): `clock_skew` means the clocks of the
# two nodes differ by more than the contract allows, which no retry mends.
delivery_failed = Signal()
# destination: str, envelope_id: str, urgency: str. An urgent/immediate message still
# undelivered after 15 minutes.
delivery_overdue = Signal()
# country: str. A valid message or receipt from that peer arrived.
peer_heard = Signal()
# message: InboundMessage. Sent after a received message was processed by its handler.
message_received = Signal()
# message: InboundMessage. Its handler failed (state `failed`); sent after commit. Nothing
# of it took effect, so the coordinators must look (`manage.py message failed`).
message_failed = Signal()
