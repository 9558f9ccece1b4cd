"""Pull orders from a marketplace: list what is new, fetch each order in full, capture it once.

A marketplace that does not push orders (Amazon's Selling Partner API) is polled. The source
lists orders created since a moment, says for each whether it should be imported now, and
fetches the full message (an order with its items) as the marketplace sent it. Each message
goes through :func:`~overture.services.capture.capture_order` like any inbound order: the raw
message is kept, the order is validated, routed and reserved, or quarantined with its reasons.

Pulling twice imports nothing twice: every order is captured under the idempotency key
``<channel>:<external id>``, and an order captured before is counted as already imported.

A connector failure stops the pull; the report says how far it got and why it stopped. Orders
captured before the failure stay captured, so pulling again picks up where this one stopped.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from overture.services.capture import Translator, capture_order
from overture.services.errors import DuplicateOrder, IdempotencyConflict, PayloadRejected
from overture.services.ports import Clock, Geocoder, InboundMessage, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class ListedOrder:
    """An order as the marketplace lists it; ``skip_reason`` is set when it should not be imported now."""

    external_id: str
    status: str
    skip_reason: str | None = None


class OrderSource(Protocol):
    """A marketplace seen as a list of orders (a port: connectors implement it)."""

    @property
    def channel(self) -> str: ...

    def orders_since(self, since: datetime) -> AsyncIterator[ListedOrder]:
        """Orders created at or after ``since``, oldest first or in the marketplace's order."""
        ...

    async def message(self, order: ListedOrder) -> bytes:
        """The full order message (order and items) to capture, as received from the marketplace."""
        ...


@dataclass(frozen=True, slots=True)
class ImportedOrder:
    external_id: str
    order_id: str
    status: str


@dataclass(frozen=True, slots=True)
class RejectedOrder:
    external_id: str
    reason: str
    message_id: str | None = None


@dataclass
class PullReport:
    """What one pull did. ``stopped_by`` is the error that ended it early, if one did."""

    imported: list[ImportedOrder] = field(default_factory=list)
    already_imported: list[str] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    rejected: list[RejectedOrder] = field(default_factory=list)
    stopped_by: str | None = None

    @property
    def seen(self) -> int:
        skipped = sum(len(ids) for ids in self.skipped.values())
        return len(self.imported) + len(self.already_imported) + skipped + len(self.rejected)

    def summary(self) -> list[str]:
        """One line per outcome, for a person reading a terminal or a log."""
        on_hold = sum(1 for order in self.imported if order.status == "on_hold")
        lines = [
            f"{self.seen} orders seen: {len(self.imported)} imported ({on_hold} on hold), "
            f"{len(self.already_imported)} already imported, {len(self.rejected)} rejected",
        ]
        lines += [f"skipped {len(ids)} ({reason}): {', '.join(ids)}" for reason, ids in sorted(self.skipped.items())]
        lines += [f"rejected {order.external_id}: {order.reason}" for order in self.rejected]
        if self.stopped_by is not None:
            lines.append(f"stopped early by {self.stopped_by}; pull again to continue")
        return lines


async def pull_orders(
    source: OrderSource,
    translate: Translator,
    *,
    since: datetime,
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    clock: Clock,
    stop_on: tuple[type[Exception], ...] = (),
) -> PullReport:
    """Capture every importable order the source lists since ``since``; see the module docstring.

    ``stop_on`` names the source's own failures (connector errors) that end the pull with a report
    instead of an exception; anything else propagates.
    """
    report = PullReport()
    try:
        async for listed in source.orders_since(since):
            if listed.skip_reason is not None:
                report.skipped.setdefault(listed.skip_reason, []).append(listed.external_id)
                continue
            body = await source.message(listed)
            message = InboundMessage(channel=source.channel, body=body, received_at=clock())
            await asyncio.to_thread(_capture_one, report, listed, message, translate, uow_factory, geocoder, clock)
    except stop_on as error:
        report.stopped_by = f"{type(error).__name__}: {error}"
    return report


def _capture_one(
    report: PullReport,
    listed: ListedOrder,
    message: InboundMessage,
    translate: Translator,
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    clock: Clock,
) -> None:
    key = f"{message.channel}:{listed.external_id}"
    try:
        result = capture_order(
            message, translate, idempotency_key=key, uow_factory=uow_factory, geocoder=geocoder, clock=clock
        )
    except (DuplicateOrder, IdempotencyConflict):
        # IdempotencyConflict: imported before, and the marketplace's copy changed since (its status,
        # say). Updating an imported order from a later pull is not done here: it stays as imported.
        report.already_imported.append(listed.external_id)
        return
    except PayloadRejected as error:
        reasons = "; ".join(f"{e.field}: {e.reason}" for e in error.errors) or str(error.kind)
        report.rejected.append(RejectedOrder(listed.external_id, reasons, error.message_id))
        return
    if result.created:
        report.imported.append(ImportedOrder(listed.external_id, result.order.id, result.order.status))
    else:
        report.already_imported.append(listed.external_id)
