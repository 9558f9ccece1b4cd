"""What the dashboard's exception queue is asked for (store/dashboard/queue.py answers)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class QueueFilter:
    type: str | None = None
    channel: str | None = None
    partner: str | None = None
    assignee: str | None = None
    older_than_hours: float | None = None
    limit: int = 100
