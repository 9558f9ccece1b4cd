"""Drop-ship: lines placed at a supplier's location are ordered from the supplier, whose answers
(acknowledgment, then shipment) come back onto the order.

The transport (an X12 850 and its 855/856, or the supplier's HTTP endpoint) belongs to the
adapters; this module holds what does not depend on it: which supplier fulfils a location, our
PO number for the lines at a location, and what an acknowledgment or a ship notice does to the
order. Our PO number is a pure function of the order and the location, so a retried release
names the same PO and an answer can be matched back to the location it is about.

Errors::

    ServiceError
     +-- DropShipNotConfigured   a drop-ship location names no supplier, or one with no profile
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from overture.domain.decisions import Decision, DecisionKind
from overture.domain.exceptions import ExceptionType, OrderException, default_actions, default_severity
from overture.domain.ids import new_id
from overture.domain.inventory import Location
from overture.domain.partners import PartnerProfile
from overture.services import fulfilment
from overture.services.errors import ServiceError
from overture.services.plans import OrderDocument, ShipmentOutcome, ShipmentRecord
from overture.services.ports import Clock, InboundMessage, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.partner_documents import SupplierOrder
from overture.services.retry import in_transaction, read_only

PO_PREFIX = "DS"
PO_LENGTH = 22  # BEG03 holds at most 22 characters


class DropShipNotConfigured(ServiceError):
    """A drop-ship location cannot be released: no supplier named, or the supplier has no profile."""


@dataclass(frozen=True, slots=True)
class AckLine:
    line_no: int  # our PO1 line number, echoed by the supplier
    status: str  # ACK01: IA accepted, IB backordered, IR rejected, ...
    quantity: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SupplierAck:
    po_number: str  # BAK03: our 850's BEG03
    purpose: str  # BAK02: AD, AC, RJ, ...
    lines: Sequence[AckLine]


@dataclass(frozen=True, slots=True)
class SupplierShipment:
    po_number: str
    shipment_id: str  # BSN02
    carrier: str
    tracking_number: str
    shipped_at: datetime
    lines: Sequence[tuple[int, str, int]] = field(default_factory=list)  # (line_no, sku, quantity)


@dataclass(frozen=True, slots=True)
class AckOutcome:
    order_id: str
    location_id: str
    accepted: list[int]
    refused: list[int]
    exception_id: str | None  # the exception opened for refused lines, if any


ACCEPTED_CODES = frozenset({"IA", "AC", "IC", "IP", "IQ", "IS", "DR"})  # accepted, perhaps with changes


def po_number(order_id: str, location_id: str) -> str:
    """Our PO number for an order's lines at one location: stable, short enough for BEG03."""
    digest = hashlib.sha256(f"{order_id}\x1f{location_id}".encode()).digest()
    return PO_PREFIX + base64.b32encode(digest).decode()[: PO_LENGTH - len(PO_PREFIX)]


def supplier_order(uow: UnitOfWork, order: OrderDocument, location: Location) -> SupplierOrder:
    """Everything an 850 (or an API release) to this location's supplier needs."""
    release = order.release_at(location.id)
    if not location.supplier_partner_id:
        raise DropShipNotConfigured(f"drop-ship location {location.id} names no supplier (supplier_partner_id)")
    partner = uow.partners.get(location.supplier_partner_id)
    if partner is None:
        raise DropShipNotConfigured(
            f"drop-ship location {location.id}: supplier {location.supplier_partner_id!r} has no partner profile"
        )
    skus = sorted({line.sku for line in release.lines})
    costs = uow.catalog.unit_costs(skus)
    prices = {sku: partner.contract_prices.get(sku, costs.get(sku)) for sku in skus}
    return SupplierOrder(location, partner, po_number(order.order_id, location.id), order, release, prices)


def locate_po(uow: UnitOfWork, partner_id: str, po: str) -> tuple[str, str] | None:
    """(order id, location id) our PO number with this supplier stands for, or None if it is not ours."""
    order_id = uow.documents.order_of(partner_id, "850", po)
    if order_id is None:
        return None
    document = uow.fulfilment.document(order_id)
    if document is None:
        return None
    location_id = next((r.location_id for r in document.releases if po_number(order_id, r.location_id) == po), None)
    return None if location_id is None else (order_id, location_id)


def apply_ack(
    uow: UnitOfWork, partner: PartnerProfile, ack: SupplierAck, order_id: str, location_id: str, at: datetime
) -> AckOutcome:
    """A decision on the timeline for accepted lines; an exception naming each refused line and why."""
    accepted = [line.line_no for line in ack.lines if line.status in ACCEPTED_CODES]
    refused = [line for line in ack.lines if line.status not in ACCEPTED_CODES]
    if ack.purpose == "RJ" and not ack.lines:
        refused = [AckLine(0, "RJ", 0, "the whole purchase order")]
    inputs = {"supplier": partner.partner_id, "po_number": ack.po_number, "location_id": location_id}
    if accepted:
        reason = f"supplier {partner.partner_id} accepted line(s) {', '.join(map(str, accepted))} of PO {ack.po_number}"
        decision = Decision(DecisionKind.ROUTING, "supplier_accepted", reason, {**inputs, "lines": accepted}, at=at)
        uow.fulfilment.add_decision(order_id, decision)
    exception_id = None
    if refused:
        exception_id = new_id("exc")
        uow.fulfilment.add_exception(_refusal(exception_id, order_id, partner, refused, inputs, at))
    return AckOutcome(order_id, location_id, accepted, [x.line_no for x in refused], exception_id)


def _refusal(
    exception_id: str,
    order_id: str,
    partner: PartnerProfile,
    refused: Sequence[AckLine],
    inputs: dict[str, str],
    at: datetime,
) -> OrderException:
    words = {"IB": "backordered", "IR": "rejected", "R2": "rejected", "RJ": "rejected"}
    reason = "; ".join(
        f"supplier {partner.partner_id} {words.get(x.status, 'refused (' + x.status + ')')} line {x.line_no}"
        + (f": {x.reason}" if x.reason else "")
        for x in refused
    )
    return OrderException(
        id=exception_id,
        order_id=order_id,
        type=ExceptionType.SUPPLIER_REJECTED,
        step="drop_ship",
        reason=reason,
        severity=default_severity(ExceptionType.SUPPLIER_REJECTED),
        allowed_actions=default_actions(ExceptionType.SUPPLIER_REJECTED),
        details={**inputs, "lines": [{"line_no": x.line_no, "status": x.status, "reason": x.reason} for x in refused]},
        created_at=at,
    )


def record_shipment(
    uow_factory: UnitOfWorkFactory,
    raw: InboundMessage,
    shipment: SupplierShipment,
    located: tuple[str, str],
    *,
    clock: Clock,
) -> ShipmentOutcome:
    """Record the supplier's shipment as the WMS webhook does: raw message kept, recorded once."""
    order_id, location_id = located
    record = ShipmentRecord(
        shipment_id=f"{shipment.po_number}:{shipment.shipment_id}",  # BSN02 is the supplier's, unique per PO
        order_id=order_id,
        location_id=location_id,
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        shipped_at=shipment.shipped_at,
        lines=[{"line_no": n, "sku": sku, "quantity": q} for n, sku, q in shipment.lines],
    )
    return fulfilment.receive_shipment(uow_factory, raw, lambda _: record, clock=clock)


def locate(uow_factory: UnitOfWorkFactory, partner_id: str, po: str) -> tuple[str, str] | None:
    return read_only(uow_factory, lambda uow: locate_po(uow, partner_id, po))


def acknowledge(
    uow_factory: UnitOfWorkFactory, partner: PartnerProfile, ack: SupplierAck, located: tuple[str, str], *, clock: Clock
) -> AckOutcome:
    return in_transaction(uow_factory, lambda uow: apply_ack(uow, partner, ack, *located, clock()))
