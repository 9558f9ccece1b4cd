"""The WMS gateway for 3PL partners over EDI: a release becomes a 940 Warehouse Shipping Order, a
cancellation the same 940 with W0501 F, each kept once and delivered by the partner's transport.

A location is served this way when it is a 3PL location (kind ``3pl``) naming a trading partner
(``supplier_partner_id``) with an X12 identity; every other location keeps its WMS API, so existing
configuration is unchanged. ``LocationRoutedWms`` makes the choice per release. The 3PL's answer, a
945 Shipping Advice, arrives through the EDI intake (``channels/x12/shipping_advice.py``), not by
polling: ``shipments`` lists none.

The documents are the ``WarehouseDocuments`` port (X12 in ``channels/x12/warehouse.py``), the
transport the ``PartnerDelivery`` port (``channels/transports/outbox.py``): this module holds only
the gateway's decisions. A retried release finds the 940 kept the first time and delivers it again
(the partner recognises its interchange number); it never writes a second one.
"""

from __future__ import annotations

import asyncio

from overture.domain.inventory import Location
from overture.domain.partners import PartnerProfile
from overture.services import fulfilment
from overture.services.plans import LocationRelease, PlanLine
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.connector_errors import PermanentConnectorError
from overture.services.ports.warehouse import (
    KeptDocument,
    PartnerDelivery,
    WarehouseDocuments,
    WarehouseOrder,
    served_by_partner,
)
from overture.services.ports.wms import CancelOutcome, ShipmentNotice, WmsGateway, WmsRelease
from overture.services.retry import in_transaction, read_only

NAME = "edi-wms"
THIRD_PARTY = "3pl"


class EdiWmsGateway:
    """``WmsGateway`` for 3PL locations served by a trading partner over X12 (see the module docstring)."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, documents: WarehouseDocuments, delivery: PartnerDelivery, *, clock: Clock
    ) -> None:
        self._uow_factory = uow_factory
        self._documents = documents
        self._delivery = delivery
        self._clock = clock

    def partner_of(self, location_id: str) -> str | None:
        """The partner serving this location over EDI, or None (its releases go to the WMS API)."""

        def work(uow: UnitOfWork) -> str | None:
            # One read by key tells most locations apart; only a 3PL one is read whole.
            if uow.fulfilment.location_kind(location_id) != THIRD_PARTY:
                return None
            return served_by_partner(uow.sourcing.locations([location_id]).get(location_id))

        return read_only(self._uow_factory, work)

    async def release(self, release: WmsRelease, *, idempotency_key: str) -> str:
        """Keep the release's 940 and deliver it; the depositor order number the 3PL will answer with."""
        return await asyncio.to_thread(self._release, release, idempotency_key)

    async def cancel_release(self, order_id: str, location_id: str, *, idempotency_key: str) -> CancelOutcome:
        """A cancelling 940 for the newest release at the location, unless it has shipped already."""
        return await asyncio.to_thread(self._cancel, order_id, location_id)

    async def shipments(self, *, after_sequence: int) -> list[ShipmentNotice]:
        """None: a 3PL's shipments come as 945s through the EDI intake."""
        return []

    def _release(self, release: WmsRelease, key: str) -> str:
        partner, kept = in_transaction(self._uow_factory, lambda uow: self._shipping_order(uow, release, key))
        self._delivery.deliver(partner.partner_id, "940", kept)
        return kept.depositor_order_number

    def _shipping_order(self, uow: UnitOfWork, release: WmsRelease, key: str) -> tuple[PartnerProfile, KeptDocument]:
        location, partner = _target(uow, release.location_id, "release")
        order = uow.fulfilment.document(release.order_id)
        if order is None:
            raise PermanentConnectorError(f"no order {release.order_id!r}", connector=NAME, operation="release")
        lines = [PlanLine(x.line_no, x.sku, x.quantity, "") for x in release.lines]
        po_number = uow.documents.references(order.order_id).get(("buyer", "po_number"), "")
        asked = WarehouseOrder(
            partner, location, order, LocationRelease(location.id, location.ship_by_seconds, lines), po_number, key
        )
        return partner, self._documents.shipping_order(uow, asked, at=self._clock())

    def _cancel(self, order_id: str, location_id: str) -> CancelOutcome:
        if location_id in fulfilment.shipped_locations(self._uow_factory, order_id):
            return CancelOutcome.ALREADY_SHIPPED

        def work(uow: UnitOfWork) -> tuple[PartnerProfile, KeptDocument | None]:
            _, partner = _target(uow, location_id, "cancel_release")
            kept = self._documents.cancel_shipping_order(uow, partner, order_id, location_id, at=self._clock())
            return partner, kept

        partner, kept = in_transaction(self._uow_factory, work)
        if kept is None:
            return CancelOutcome.NOT_FOUND
        self._delivery.deliver(partner.partner_id, "940", kept)
        return CancelOutcome.CANCELLED


class LocationRoutedWms:
    """The WMS API for most locations, the EDI gateway for 3PL locations a trading partner serves."""

    def __init__(self, api: WmsGateway, edi: EdiWmsGateway) -> None:
        self._api = api
        self._edi = edi

    async def release(self, release: WmsRelease, *, idempotency_key: str) -> str:
        gateway = await self._for(release.location_id)
        return await gateway.release(release, idempotency_key=idempotency_key)

    async def cancel_release(self, order_id: str, location_id: str, *, idempotency_key: str) -> CancelOutcome:
        gateway = await self._for(location_id)
        return await gateway.cancel_release(order_id, location_id, idempotency_key=idempotency_key)

    async def shipments(self, *, after_sequence: int) -> list[ShipmentNotice]:
        return await self._api.shipments(after_sequence=after_sequence)

    async def _for(self, location_id: str) -> WmsGateway:
        partner = await asyncio.to_thread(self._edi.partner_of, location_id)
        return self._api if partner is None else self._edi


def _target(uow: UnitOfWork, location_id: str, operation: str) -> tuple[Location, PartnerProfile]:
    """The 3PL location and the partner serving it; a partner without an X12 profile fails for good."""
    location = uow.sourcing.locations([location_id]).get(location_id)
    partner_id = served_by_partner(location)
    partner = uow.partners.get(partner_id) if partner_id else None
    if location is None or partner is None or partner.x12 is None:
        reason = f"3PL location {location_id} names no trading partner with an X12 identity (supplier_partner_id)"
        raise PermanentConnectorError(reason, connector=NAME, operation=operation)
    return location, partner
