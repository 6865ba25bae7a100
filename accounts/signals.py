"""Events accounts emits for apps above it (accounts imports none of them).

`sessions_ended(user_id: int, generation: int, reason: str)`: every session of the user
older than `generation` is over (log out everywhere, deactivation, TOTP reset, password
change). Sent after the commit that bumped `User.session_generation`, with
`send_robust`: a listener that fails (a channel layer that is down) never undoes the
change, and the database stays the truth (alerts' consumer checks the generation itself
before each event). The alerts app closes the user's open duty-desk WebSockets on it.
"""

from django.dispatch import Signal

sessions_ended = Signal()
