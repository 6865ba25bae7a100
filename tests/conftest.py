"""Suite-wide fixtures. Each test module's own fixtures live beside it."""
