"""The fulfilments owed to sales channels (a Shopify order shipped: its fulfilment with tracking), sent
by the worker side soon after the shipment is recorded. Recording the shipment only owes one (an
outbox row, in its own transaction); services/channel_fulfilment.py sends it through the port."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from overture.services.channel_fulfilment import send_owed
from overture.services.ports import Clock, UnitOfWorkFactory
from overture.services.ports.channel_fulfilment import ChannelFulfilments, OwedConfirmations

log = logging.getLogger(__name__)


async def confirm_periodically(
    uow_factory: UnitOfWorkFactory,
    owed: OwedConfirmations,
    fulfilments: ChannelFulfilments,
    *,
    clock: Clock,
    interval_s: float,
    stop: asyncio.Event,
) -> None:
    while not stop.is_set():
        try:
            sent = await send_owed(uow_factory, owed, fulfilments, clock=clock)
            if sent:
                log.info("shipments confirmed to channels: %s", ", ".join(f"{s.shipment_id} {s.outcome}" for s in sent))
        except Exception:  # the next pass tries again: a row is marked sent only with its outcome noted
            log.exception("confirming shipments to channels failed; retrying")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
