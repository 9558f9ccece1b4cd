"""What a person's decision on an exception led to, read back from the store.

The order's workflow accepts a decision (the update returns) before it acts on it: it then closes
the exception, runs the step again and may hold the order once more. So "done" is not an outcome.
``after_decision`` waits, briefly, until the workflow has closed the exception and the order has
come to rest (a new hold, released, shipped, completed, cancelled, backordered), and says which;
past the wait it says what it found, marked unsettled, rather than guessing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from overture.domain.exceptions import ExceptionStatus
from overture.domain.statuses import OrderStatus

# Where an order rests after a decision until something from outside happens (a shipment, stock).
RESTING = frozenset(
    {
        OrderStatus.RELEASED,
        OrderStatus.SHIPPED,
        OrderStatus.INVOICED,
        OrderStatus.COMPLETED,
        OrderStatus.CANCELLED,
        OrderStatus.BACKORDERED,
    }
)


class OrderStateLookup(Protocol):
    def order_state(self, order_id: str) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class AfterDecision:
    """``new_holds``: the order's open exceptions other than the one decided (oldest first);
    ``closed``: whether the workflow has closed the decided exception; ``settled``: whether the order
    came to rest within the wait (else the figures are as found when it ran out)."""

    exception_id: str
    order_id: str
    status: str | None
    closed: bool
    resolution: str | None
    new_holds: list[Mapping[str, Any]] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    settled: bool = False


def _read(lookup: OrderStateLookup, exception_id: str, order_id: str) -> AfterDecision:
    state = lookup.order_state(order_id)
    decided = next((e for e in state["exceptions"] if e["id"] == exception_id), None)
    closed = decided is not None and decided["status"] != ExceptionStatus.OPEN
    holds = [e for e in state["exceptions"] if e["status"] == ExceptionStatus.OPEN and e["id"] != exception_id]
    status = state["status"]
    settled = closed and (bool(holds) or status in RESTING)
    resolution = None if decided is None else decided.get("resolution")
    return AfterDecision(exception_id, order_id, status, closed, resolution, holds, list(state["locations"]), settled)


async def after_decision(
    lookup: OrderStateLookup,
    exception_id: str,
    order_id: str,
    *,
    wait_s: float = 5.0,
    poll_s: float = 0.1,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AfterDecision:
    """The order's state once the workflow has acted on the decision, or as found after ``wait_s``."""
    polls = max(1, round(wait_s / poll_s))
    found = await asyncio.to_thread(_read, lookup, exception_id, order_id)
    for _ in range(polls):
        if found.settled:
            break
        await sleep(poll_s)
        found = await asyncio.to_thread(_read, lookup, exception_id, order_id)
    return found
