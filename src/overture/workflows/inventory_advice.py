"""The 846 on a schedule: every partner with a cross-reference hears what is available of its items.

Runs beside the worker (``run_worker_side``) when ``OVERTURE_EDI_INVENTORY_ADVICE_INTERVAL_S`` is set.
Each pass makes one 846 per partner, in one transaction per partner, so one partner's failure does
not stop the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial

from overture.domain.partners import PartnerProfile
from overture.services.inventory import available_units
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.partner_documents import PartnerDocuments
from overture.services.retry import in_transaction, read_only

log = logging.getLogger(__name__)


def advise_all_partners(uow_factory: UnitOfWorkFactory, *, clock: Clock, documents: PartnerDocuments) -> list[str]:
    """One 846 per partner that has an X12 identity and items; returns the partners advised."""
    partners = read_only(uow_factory, lambda uow: uow.partners.all())
    advised = []
    for partner in partners:
        if partner.x12 is None or not partner.sku_xref:
            continue
        try:
            in_transaction(uow_factory, partial(_advise, partner=partner, clock=clock, documents=documents))
        except Exception:
            log.exception("could not make the 846 for partner %s", partner.partner_id)
            continue
        advised.append(partner.partner_id)
    return advised


def _advise(uow: UnitOfWork, partner: PartnerProfile, *, clock: Clock, documents: PartnerDocuments) -> str:
    skus = sorted(set(partner.sku_xref.values()))
    return documents.advise_inventory(uow, partner, available_units(uow, skus), at=clock())


async def advise_periodically(
    uow_factory: UnitOfWorkFactory, *, clock: Clock, documents: PartnerDocuments, interval_s: float, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
        if not stop.is_set():
            await asyncio.to_thread(advise_all_partners, uow_factory, clock=clock, documents=documents)
