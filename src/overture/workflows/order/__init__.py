"""The durable order workflow: release, ship, invoice, notify, with exceptions that wait for people."""
