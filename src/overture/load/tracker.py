"""Following captured orders to the end: each is read with ``GET /v1/orders/{id}`` now and then,
until it is completed or cancelled, and its end-to-end times are taken from its own timeline.

The times are the hub's (the timeline's status entries), not when we happened to look: polling
can then stay slow and budgeted (``poll_rate`` reads a second in all) without blurring the figure,
and the reads we add to the load stay small beside the orders themselves.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

# Where an order's life in the hub ends for this tool; a return starts a new one we do not follow.
SETTLED = frozenset({"completed", "cancelled", "refunded", "exchanged", "return_requested", "return_received"})
SHIPPED = frozenset({"shipped", "invoiced", "completed"})
MIN_INTERVAL_S = 1.0  # no order read more often than this
POLLERS = 4


@dataclass(frozen=True, slots=True)
class Settled:
    """One order at its end, with the hub's own times (None: it never went through that status)."""

    order_id: str
    status: str
    created_at: datetime
    shipped_at: datetime | None
    completed_at: datetime | None

    @property
    def to_shipped_s(self) -> float | None:
        return None if self.shipped_at is None else (self.shipped_at - self.created_at).total_seconds()

    @property
    def to_completed_s(self) -> float | None:
        return None if self.completed_at is None else (self.completed_at - self.created_at).total_seconds()


def settled_from(detail: dict[str, Any]) -> Settled | None:
    """The order's end-to-end times from its detail, or None while it is still on its way."""
    if detail.get("status") not in SETTLED:
        return None
    first: dict[str, datetime] = {}
    for entry in detail.get("timeline", []):
        if entry.get("type") == "status" and entry.get("status") not in first:
            first[entry["status"]] = datetime.fromisoformat(entry["at"])
    created = datetime.fromisoformat(detail["created_at"])
    return Settled(detail["id"], detail["status"], created, first.get("shipped"), first.get("completed"))


class Tracker:
    """Reads the orders it is given, oldest first, at most ``poll_rate`` reads a second in all.

    ``on_shipped`` is called once per order the first time it is seen shipped (a return can be asked).
    """

    def __init__(
        self, client: httpx.AsyncClient, *, poll_rate: float, on_shipped: Callable[[str], None] | None = None
    ) -> None:
        self._client = client
        self._interval = 1.0 / poll_rate if poll_rate > 0 else 0.0
        self._on_shipped = on_shipped
        self._queue: collections.deque[tuple[str, float]] = collections.deque()
        self._slots = asyncio.Semaphore(POLLERS)
        self._seen_shipped: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.settled: dict[str, Settled] = {}
        self.read_errors = 0

    def add(self, order_id: str) -> None:
        self._queue.append((order_id, time.monotonic()))

    @property
    def pending(self) -> int:
        return len(self._queue) + len(self._tasks)

    @property
    def shipped(self) -> int:
        return len(self._seen_shipped)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; reads in flight are let finish."""
        if self._interval == 0:
            await stop.wait()
            return
        while not stop.is_set():
            order_id = self._next_due()
            if order_id is not None:
                await self._slots.acquire()
                task = asyncio.create_task(self._poll(order_id))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._interval)
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def wait_settled(self, timeout_s: float) -> None:
        """Return once nothing is pending, or after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while self.pending and time.monotonic() < deadline:
            await asyncio.sleep(0.2)

    def _next_due(self) -> str | None:
        if not self._queue or time.monotonic() - self._queue[0][1] < MIN_INTERVAL_S:
            return None
        return self._queue.popleft()[0]

    async def _poll(self, order_id: str) -> None:
        try:
            response = await self._client.get(f"/v1/orders/{order_id}")
            detail: dict[str, Any] | None = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            detail = None
        finally:
            self._slots.release()
        if detail is None:
            self.read_errors += 1
            self._queue.append((order_id, time.monotonic()))
            return
        if detail.get("status") in SHIPPED and order_id not in self._seen_shipped:
            self._seen_shipped.add(order_id)
            if self._on_shipped is not None:
                self._on_shipped(order_id)
        done = settled_from(detail)
        if done is None:
            self._queue.append((order_id, time.monotonic()))
        else:
            self.settled[order_id] = done
