"""Outbound labels bought when an order is released to a warehouse: the WMS packs with a label (and a
tracking number) the hub already holds, and the carrier's tracking events can be matched to the order
as soon as the parcel is scanned.

One parcel per release, from the location to the customer; its weight is the released units' SKU
weights (the catalogue's ``weight_kg``), a unit without a weight counted at ``default_unit_oz``. The
label is bought once per release and generation (the key), so a retried release step buys nothing
twice, and its tracking number is kept on the order (reference ``carrier``/``label:<location>``).
"""

from __future__ import annotations

import asyncio
from decimal import ROUND_CEILING, Decimal

from overture.services.plans import OrderDocument
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.carrier import OutboundLabels
from overture.services.retry import in_transaction, read_only

OZ_PER_KG = Decimal("35.27396195")
DEFAULT_UNIT_OZ = Decimal(16)


async def label_for_release(
    uow_factory: UnitOfWorkFactory,
    labels: OutboundLabels,
    order: OrderDocument,
    location_id: str,
    *,
    key: str,
    clock: Clock,
    default_unit_oz: Decimal = DEFAULT_UNIT_OZ,
) -> dict[str, str]:
    """Buy (once per ``key``) the label for what ``location_id`` ships of ``order``; its fields for the WMS."""
    ship_from, weight = await asyncio.to_thread(
        read_only, uow_factory, lambda uow: _parcel(uow, order, location_id, default_unit_oz)
    )
    ship_to = order.ship_to
    to = {
        "name": str(ship_to.get("name") or order.customer.get("name") or ""),
        "street1": str(ship_to.get("line1") or ""),
        "street2": str(ship_to.get("line2") or ""),
        "city": str(ship_to.get("city") or ""),
        "state": str(ship_to.get("region") or ""),
        "zip": str(ship_to.get("postal_code") or ""),
        "country": str(ship_to.get("country") or ""),
        "email": str(order.customer.get("email") or ""),
    }
    label = await labels.buy_label(
        reference=f"{order.order_id}/{location_id}",
        ship_from=ship_from,
        ship_to=to,
        parcel_weight_oz=weight,
        idempotency_key=key,
    )

    def keep(uow: UnitOfWork) -> None:
        uow.fulfilment.add_reference(order.order_id, "carrier", f"label:{location_id}", label.tracking_code, clock())

    await asyncio.to_thread(in_transaction, uow_factory, keep)
    return {
        "carrier": label.carrier,
        "service": label.service,
        "tracking_code": label.tracking_code,
        "label_url": label.label_url,
    }


def _parcel(
    uow: UnitOfWork, order: OrderDocument, location_id: str, unit_oz: Decimal
) -> tuple[dict[str, str], Decimal]:
    location = uow.sourcing.locations({location_id}).get(location_id)
    if location is None:
        raise LookupError(f"order {order.order_id} is released at {location_id}, which is not a location")
    lines = order.release_at(location_id).lines
    traits = uow.sourcing.sku_traits({line.sku for line in lines})
    weight = Decimal(0)
    for line in lines:
        kg = traits[line.sku].weight_kg if line.sku in traits else 0.0
        per_unit = (Decimal(str(kg)) * OZ_PER_KG) if kg else unit_oz
        weight += per_unit * line.quantity
    ship_from = {"name": location.name, "zip": location.postal_code, "country": location.country}
    return ship_from, max(weight.quantize(Decimal("0.1"), rounding=ROUND_CEILING), Decimal("0.1"))
