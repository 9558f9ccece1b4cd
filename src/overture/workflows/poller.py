"""Shipment polling: the WMS's list of shipment notices, read periodically, so a confirmation whose
webhook never arrived (the API was down, the WMS gave up) still reaches the order. Recording is
idempotent by shipment id, so a notice seen by both webhook and poll counts once; a notice already
recorded is not stored again (its raw message was kept when it first arrived)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import orjson

from overture.services.errors import PayloadRejected
from overture.services.fulfilment import receive_shipment
from overture.services.plans import ShipmentRecord
from overture.services.ports import Clock, InboundMessage, UnitOfWorkFactory
from overture.services.ports.order_workflow import OrderWorkflowGateway, ShipmentPing
from overture.services.ports.wms import ShipmentNotice, WmsGateway
from overture.services.retry import read_only

log = logging.getLogger(__name__)
# The WMS simulator answers at most 100 notices per call; a full page means there may be more.
PAGE_HINT = 100


class ShipmentPoller:
    """Polls ``wms``; each notice is kept raw, read by ``translate`` (the WMS channel's reader, as for
    its webhook) and recorded, and the order's workflow is told."""

    def __init__(
        self,
        wms: WmsGateway,
        translate: Callable[[bytes], ShipmentRecord],
        workflows: OrderWorkflowGateway,
        uow_factory: UnitOfWorkFactory,
        *,
        clock: Clock,
        interval_s: float,
    ) -> None:
        self._wms = wms
        self._translate = translate
        self._workflows = workflows
        self._uow_factory = uow_factory
        self._clock = clock
        self._interval_s = interval_s
        # Starts from the beginning after a restart: re-reading is harmless, missing is not.
        self._after = 0
        self.recorded = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.poll_once()
            except Exception:
                log.warning("shipment poll failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self._interval_s)

    async def poll_once(self) -> int:
        """Read every notice after the cursor, page by page, so a burst of lost webhooks is caught up."""
        found = 0
        while True:
            page = await self._wms.shipments(after_sequence=self._after)
            found += await self._record(page)
            if not page or len(page) < PAGE_HINT:
                break
        self.recorded += found
        return found

    async def _record(self, notices: list[ShipmentNotice]) -> int:
        # Most notices a poll lists arrived by webhook already, and their raw message is kept:
        # one read finds them, so only news costs a write.
        ids = [n.shipment_id for n in notices]
        known = await asyncio.to_thread(
            read_only, self._uow_factory, lambda uow: uow.fulfilment.recorded_shipments(ids)
        )
        found = 0
        for notice in notices:
            if notice.shipment_id in known:
                self._after = max(self._after, notice.sequence)
                continue
            message = InboundMessage(
                channel="wms-poll",
                body=orjson.dumps(notice.to_json()),
                received_at=self._clock(),
                content_type="application/json",
            )
            try:
                outcome = await asyncio.to_thread(
                    receive_shipment, self._uow_factory, message, self._translate, clock=self._clock
                )
            except PayloadRejected:
                log.warning("shipment notice %s kept in quarantine", notice.shipment_id)
            else:
                if outcome.recorded:
                    found += 1
                    await self._ping(outcome.order_id, ShipmentPing(outcome.location_id, outcome.shipment_id))
            self._after = max(self._after, notice.sequence)
        return found

    async def _ping(self, order_id: str, ping: ShipmentPing) -> None:
        try:
            await self._workflows.shipment_recorded(order_id, ping)
        except Exception:
            log.info("could not signal order %s about a polled shipment", order_id)
