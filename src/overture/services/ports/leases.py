"""Leases: a job that must have one runner per deployment (the channel senders, the pollers) is run by
whichever process holds its lease, however many dispatchers run. A holder renews before the lease
expires; one killed without a word loses it when the time passes, and another process takes over."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Leases(Protocol):
    def take(self, name: str, holder: str, *, now: datetime, until: datetime) -> bool:
        """Hold ``name`` until ``until`` if it is free, expired at ``now`` or already ours; whether we hold it."""
        ...

    def release(self, name: str, holder: str) -> None:
        """Give ``name`` up now, if we hold it (a clean stop hands the job over at once)."""
        ...
