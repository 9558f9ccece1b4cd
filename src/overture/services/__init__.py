"""Use cases: command handlers, the unit-of-work port and read views."""
