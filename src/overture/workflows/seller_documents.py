"""The purchase orders owed to sellers that are EDI trading partners: written (as X12 850s, over the
partner's transport) soon after their sub-order is opened, by the worker side, like a drop-ship
release. The split only records that one is owed (an outbox row), in its own transaction."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from overture.services.marketplace.seller_edi import send_owed
from overture.services.ports import Clock, UnitOfWorkFactory
from overture.services.ports.partner_documents import PartnerDocuments

log = logging.getLogger(__name__)


async def send_periodically(
    uow_factory: UnitOfWorkFactory, *, clock: Clock, documents: PartnerDocuments, interval_s: float, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        try:
            sent = await asyncio.to_thread(send_owed, uow_factory, documents, clock=clock)
            if sent:
                log.info("purchase orders sent to sellers: %s", ", ".join(sent))
        except Exception:  # the next pass tries again: a row is marked sent only with its 850 kept
            log.exception("sending sellers' purchase orders failed; retrying")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
