"""Pure domain model: orders, inventory, routing and decisions.

Nothing here imports anything but the standard library (a test enforces it), so the
rules can be reasoned about and tested without a database, a network or a clock.
"""
