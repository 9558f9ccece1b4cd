"""What the dashboard's exception queue is asked for (store/dashboard/queue.py answers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Where a page of the queue starts or ends: an open exception's (created_at, id), the queue's order.
Cursor = tuple[datetime, str]
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """``after``: the page after this row (the next page); ``before``: the page before it (the previous)."""

    type: str | None = None
    channel: str | None = None
    partner: str | None = None
    assignee: str | None = None
    older_than_hours: float | None = None
    limit: int = PAGE_SIZE
    younger_than_hours: float | None = None
    after: Cursor | None = None
    before: Cursor | None = None
