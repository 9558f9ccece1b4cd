"""What the hub tells trading partners, as a port: the workflow asks to advise a shipment or an
invoice, the drop-ship step to send a purchase order, the availability publisher to advise stock,
the return workflow to credit a settled return. The partner's profile decides the document; the X12
implementation (855/856/810/846/850/812) is
channels/x12/partner_documents.py. Each call writes in the caller's unit of work, so a document is
kept exactly when the step that makes it commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from overture.domain.inventory import Location
from overture.domain.partners import PartnerProfile
from overture.domain.statuses import OrderStatus
from overture.services.plans import LocationRelease, OrderDocument
from overture.services.ports.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class SupplierOrder:
    """What to send a supplier: the location, its supplier, our PO number and the lines with our price."""

    location: Location
    partner: PartnerProfile
    po_number: str
    order: OrderDocument
    release: LocationRelease
    unit_prices: dict[str, Decimal | None]  # SKU -> contract price, else our unit cost, else unknown


@dataclass(frozen=True, slots=True)
class CreditLine:
    """One order line a settled return gave back: its units and what they were credited (money and
    store credit alike, in the order's currency)."""

    line_no: int
    sku: str
    quantity: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CreditAdjustment:
    """What a settled return credited the order's partner: per line, and in all."""

    order_id: str
    return_id: str
    lines: Sequence[CreditLine]
    currency: str
    total: Decimal


class PartnerDocuments(Protocol):
    def after_status(self, uow: UnitOfWork, order_id: str, status: OrderStatus, *, at: datetime) -> list[str]:
        """The documents an order's partner gets for reaching ``status`` (ship notices once shipped,
        the invoice once invoiced); none for orders of other channels or partners who want none."""
        ...

    def send_purchase_order(self, uow: UnitOfWork, order: SupplierOrder, *, at: datetime) -> str:
        """The purchase order to a drop-ship supplier (kept once per PO number); the PO number."""
        ...

    def advise_inventory(
        self, uow: UnitOfWork, partner: PartnerProfile, available: Sequence[tuple[str, int]], *, at: datetime
    ) -> str:
        """An inventory advice of what is available of these SKUs, under a fresh reference."""
        ...

    def credit_adjustment(self, uow: UnitOfWork, adjustment: CreditAdjustment, *, at: datetime) -> str | None:
        """The credit adjustment (an X12 812) an EDI partner gets for a return of its order once the
        return settled by refund or store credit; kept once per return (a second call makes nothing).
        None for orders of other channels, partners who take no invoices, and a return credited nothing."""
        ...
