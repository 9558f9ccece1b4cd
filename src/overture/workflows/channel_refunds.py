"""The refunds owed to marketplaces that hold the buyer's money (Walmart), issued by the worker side soon
after our ledger records them. Recording the refund only owes one (an outbox row, in its own
transaction); services/channel_refunds.py sends it through the port."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from overture.services.channel_refunds import send_owed_refunds
from overture.services.ports import Clock, UnitOfWorkFactory
from overture.services.ports.channel_refunds import ChannelRefunds, OwedRefunds

log = logging.getLogger(__name__)


async def refund_periodically(
    uow_factory: UnitOfWorkFactory,
    owed: OwedRefunds,
    refunds: ChannelRefunds,
    *,
    clock: Clock,
    interval_s: float,
    stop: asyncio.Event,
) -> None:
    while not stop.is_set():
        try:
            sent = await send_owed_refunds(uow_factory, owed, refunds, clock=clock)
            if sent:
                log.info("refunds issued on channels: %s", ", ".join(f"{s.key} {s.outcome}" for s in sent))
        except Exception:  # the next pass tries again: a row is marked sent only with its outcome noted
            log.exception("issuing refunds on channels failed; retrying")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
