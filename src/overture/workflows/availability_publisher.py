"""The availability publisher's loop, and trading partners (846) as availability channels.

Runs beside the worker (``run_worker_side``) when ``OVERTURE_AVAILABILITY_PUBLISH_INTERVAL_S`` is
set: a pass every interval, straight after another while a pass leaves SKUs flagged (a backlog
drains at full speed), and a fresh list of trading partners every ``partners_refresh_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence

from overture.domain.partners import PartnerProfile
from overture.observability.metrics import AVAILABILITY_PUBLISH_LAG
from overture.services.availability import AvailabilityPublisher, ChannelTarget, PublishReport
from overture.services.ports import Clock, UnitOfWorkFactory
from overture.services.ports.partner_documents import PartnerDocuments
from overture.services.retry import in_transaction, read_only

log = logging.getLogger(__name__)


class PartnerInventoryTarget:
    """A trading partner as a channel: it sells the SKUs in its cross-reference and hears of them by 846.

    Each 846 carries only the SKUs whose figure changed; the scheduled full 846 (inventory_advice)
    still sends everything."""

    def __init__(
        self, partner: PartnerProfile, uow_factory: UnitOfWorkFactory, *, documents: PartnerDocuments, clock: Clock
    ) -> None:
        self.partner = partner
        self._skus = frozenset(partner.sku_xref.values())
        self._uow_factory = uow_factory
        self._documents = documents
        self._clock = clock

    @property
    def channel(self) -> str:
        return partner_channel(self.partner.partner_id)

    def sells(self, sku: str) -> bool:
        return sku in self._skus

    async def push(self, figures: Mapping[str, int]) -> set[str]:
        try:
            await asyncio.to_thread(self._advise, sorted(figures.items()))
        except Exception:
            log.exception("could not make the 846 for partner %s", self.partner.partner_id)
            return set()
        return set(figures)

    def _advise(self, available: Sequence[tuple[str, int]]) -> str:
        return in_transaction(
            self._uow_factory,
            lambda uow: self._documents.advise_inventory(uow, self.partner, available, at=self._clock()),
        )


def partner_channel(partner_id: str) -> str:
    """A partner's channel name, as channel rules spell it (the rule scopes' ``partner:<id>``)."""
    return f"partner:{partner_id}"


def partner_targets(
    uow_factory: UnitOfWorkFactory, *, documents: PartnerDocuments, clock: Clock
) -> list[ChannelTarget]:
    """Every partner with an X12 identity and a cross-reference, as a channel."""
    partners = read_only(uow_factory, lambda uow: uow.partners.all())
    return [
        PartnerInventoryTarget(p, uow_factory, documents=documents, clock=clock)
        for p in partners
        if p.x12 is not None and p.sku_xref
    ]


def observe_publish_lag(report: PublishReport) -> None:
    """Record, per channel, how long each delivered SKU's change waited to reach it."""
    for channel, lags in report.lags_s.items():
        histogram = AVAILABILITY_PUBLISH_LAG.labels(channel)
        for lag in lags:
            histogram.observe(lag)


async def publish_continuously(
    publisher: AvailabilityPublisher,
    *,
    interval_s: float,
    stop: asyncio.Event,
    fixed_targets: Sequence[ChannelTarget] = (),
    uow_factory: UnitOfWorkFactory | None = None,
    documents: PartnerDocuments | None = None,
    partners_refresh_s: float = 30.0,
) -> None:
    """Publish until ``stop`` is set; with ``uow_factory`` and ``documents``, partners are channels too."""
    refreshed_at = -float("inf")
    while not stop.is_set():
        backlog = False
        try:
            if (
                uow_factory is not None
                and documents is not None
                and time.monotonic() - refreshed_at > partners_refresh_s
            ):
                partners = await asyncio.to_thread(
                    partner_targets, uow_factory, documents=documents, clock=publisher.clock
                )
                publisher.targets = [*fixed_targets, *partners]
                refreshed_at = time.monotonic()
            report = await publisher.publish_once()
            observe_publish_lag(report)
            # A full batch means more is waiting: go again at once. A failure waits for the interval.
            backlog = report.skus >= publisher.batch and not report.failed
        except Exception:
            log.exception("availability publishing pass failed; the SKUs stay flagged")
        if not backlog:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_s)
