"""Making and keeping the X12 documents an EDI partner gets about its orders.

- 997 / 999 (and TA1) for every file received (``channels/x12/acknowledgements.py``);
- 855 once its 850 is captured, each line's ACK from its real state (accepted, backordered while
  stock is short, price or quantity changed, rejected with the reason), and a new one when a hold
  is cleared and the answer changed (never twice the same answer);
- 865 answering a buyer's 860 change order (``channels/x12/change_orders.py``);
- 856 for each shipment once the order has shipped, with an SSCC-18 per shipment;
- 810 once the order is invoiced;
- 846 with what is available of the partner's items, on demand.

Each is written with the partner's identity, version and delimiters, a fresh interchange
control number and a fresh group control number (each counted per partner), and kept in
``outbound_documents`` once per (partner, kind, reference): a step that runs twice (a retried
activity, a replayed workflow) makes no second document. Delivering them (AS2, SFTP, a VAN) is
a transport's job; partners and tests fetch them from the API.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from overture.channels.x12.envelope import read
from overture.channels.x12.line_acks import line_decisions
from overture.channels.x12.outbound import (
    LineAck,
    LineDecision,
    OrderFacts,
    OrderLineFacts,
    ShipmentFacts,
    inventory_advice_846,
    invoice_810,
    po_ack_855,
    ship_notice_856,
    sscc18,
)
from overture.channels.x12.po850 import PO_DATE_KIND, PoLine, PurchaseOrder, read_buyer_line
from overture.channels.x12.writer import (
    Composite,
    GroupDraft,
    Sender,
    TransactionDraft,
    reply_envelope,
    write_interchange,
)
from overture.domain.digits import is_digits
from overture.domain.orders import Order, OrderLine
from overture.domain.partners import PartnerProfile
from overture.domain.statuses import OrderStatus
from overture.services.ports import UnitOfWork

CHANNEL = "edi"
FUNCTIONAL_IDS = {
    "850": "PO",
    "855": "PR",
    "856": "SH",
    "810": "IN",
    "846": "IB",
    "865": "CA",
    "812": "CD",
    "997": "FA",
    "999": "FA",
}
# A placement that ends a hold: the partner hears the new answer (``reacknowledge_order``).
PLACED = frozenset({OrderStatus.RESERVED, OrderStatus.ROUTED, OrderStatus.BACKORDERED})


def keep(
    uow: UnitOfWork,
    partner: PartnerProfile,
    *,
    kind: str,
    reference: str,
    order_id: str | None,
    drafts: Sequence[TransactionDraft],
    sender: Sender,
    at: datetime,
) -> str | None:
    """Write and keep one interchange for the partner; None if one of this kind and reference exists."""
    if uow.documents.exists(partner.partner_id, kind, reference):
        return None
    control = uow.partners.next_control_number(partner.partner_id)
    envelope = reply_envelope(partner, sender)
    group = GroupDraft(FUNCTIONAL_IDS[kind], uow.interchanges.next_group_control_number(partner.partner_id), drafts)
    text = write_interchange(envelope, control, [group], at)
    uow.documents.add(
        partner_id=partner.partner_id,
        order_id=order_id,
        kind=kind,
        reference=reference,
        control_number=control,
        body=text,
        at=at,
    )
    return text


def acknowledge_order(uow: UnitOfWork, order_id: str, *, sender: Sender, at: datetime) -> str | None:
    """The 855 for an EDI order just captured, each line answered from its real state (line_acks.py)."""
    found = _edi_order(uow, order_id)
    if found is None:
        return None
    order, partner = found
    if not partner.wants_855:
        return None
    draft = _ack_855(uow, order, partner, at)
    return keep(uow, partner, kind="855", reference=order_id, order_id=order_id, drafts=[draft], sender=sender, at=at)


def reacknowledge_order(uow: UnitOfWork, order_id: str, *, sender: Sender, at: datetime) -> str | None:
    """A new 855 once the order is placed again (a hold cleared), if it answers otherwise than the
    last 855 the partner has: kept under the answer's digest, so the same answer is never sent twice
    (a retried activity, a replayed workflow, a second placement changing nothing)."""
    found = _edi_order(uow, order_id)
    if found is None or not found[1].wants_855:
        return None
    order, partner = found
    kept = uow.documents.listing(partner.partner_id, kind="855", order_id=order_id)
    if not kept:
        return None  # no first 855 (the order was not acknowledged at capture): nothing to revise
    draft = _ack_855(uow, order, partner, at)
    answer = _answer(draft.body)
    last = uow.documents.body(partner.partner_id, str(kept[-1]["id"]))
    if last is not None and _answer_of(last) == answer:
        return None
    reference = f"{order_id}:{hashlib.sha256(repr(answer).encode()).hexdigest()[:16]}"
    return keep(uow, partner, kind="855", reference=reference, order_id=order_id, drafts=[draft], sender=sender, at=at)


def _ack_855(uow: UnitOfWork, order: Order, partner: PartnerProfile, at: datetime) -> TransactionDraft:
    facts = _facts(uow, order)
    decisions = line_decisions(uow, order, partner, buyer_lines(uow.documents.references(order.id)))
    return po_ack_855(facts, decisions, partner, at)


def _answer(body: Sequence[Sequence[str | Composite]]) -> list[list[str]]:
    """An 855's segments without BAK09 (the day it was written): what it answers."""
    segments = [[str(x) for x in segment] for segment in body]
    for segment in segments:
        while segment and segment[-1] == "":
            segment.pop()
    if segments and segments[0][0] == "BAK":
        segments[0] = segments[0][:9]
    return segments


def _answer_of(text: str) -> list[list[str]]:
    (_, _, transaction), *_ = read(text).transactions()
    return _answer([s.elements for s in transaction.body])


def reject_purchase_order(
    uow: UnitOfWork,
    partner: PartnerProfile,
    order: PurchaseOrder,
    reason: str,
    *,
    reference: str,
    sender: Sender,
    at: datetime,
) -> str | None:
    """The 855 for a purchase order that could not become an order: BAK RJ, every line IR."""
    lines = [
        OrderLineFacts(
            n,
            partner.our_sku(line.product_ids) or _first_id(line.product_ids),
            _units(line.quantity),
            line.unit_price or Decimal(0),
        )
        for n, line in enumerate(order.lines, start=1)
    ]
    facts = OrderFacts("", order.po_number, order.date, order.currency or partner.currency, {}, lines, Decimal(0))
    decisions = [LineDecision(x.line_no, LineAck.REJECTED, 0, reason) for x in lines]
    draft = po_ack_855(facts, decisions, partner, at)
    return keep(uow, partner, kind="855", reference=reference, order_id=None, drafts=[draft], sender=sender, at=at)


def after_status(uow: UnitOfWork, order_id: str, status: OrderStatus, *, sender: Sender, at: datetime) -> list[str]:
    """856s once shipped, the 810 once invoiced, a new 855 once placed again after a hold (if its
    answer changed); nothing for orders from other channels."""
    if status in PLACED:
        again = reacknowledge_order(uow, order_id, sender=sender, at=at)
        return [again] if again else []
    if status not in (OrderStatus.SHIPPED, OrderStatus.INVOICED):
        return []
    found = _edi_order(uow, order_id)
    if found is None:
        return []
    order, partner = found
    facts = _facts(uow, order)
    made: list[str | None] = []
    if status is OrderStatus.SHIPPED and partner.wants_856:
        shipments = uow.documents.shipments(order_id)
        for shipment in shipments:
            reference = str(shipment["id"])
            if uow.documents.exists(partner.partner_id, "856", reference):
                continue
            serial = uow.documents.next_in_sequence("sscc")
            notice = _shipment(shipment, sscc18(sender.gs1_prefix, serial))
            if not notice.lines and len(shipments) == 1:  # a WMS that does not list lines shipped everything
                notice = replace(notice, lines=[(x.line_no, x.quantity) for x in facts.lines])
            draft = ship_notice_856(facts, notice, partner)
            made.append(
                keep(
                    uow,
                    partner,
                    kind="856",
                    reference=reference,
                    order_id=order_id,
                    drafts=[draft],
                    sender=sender,
                    at=at,
                )
            )
    if status is OrderStatus.INVOICED and partner.wants_810:
        invoice = uow.documents.references(order_id).get(("erp", "invoice"), order_id)
        draft = invoice_810(facts, invoice, partner, at)
        made.append(
            keep(uow, partner, kind="810", reference=order_id, order_id=order_id, drafts=[draft], sender=sender, at=at)
        )
    return [m for m in made if m is not None]


def advise_inventory(
    uow: UnitOfWork, partner: PartnerProfile, available: Sequence[tuple[str, int]], *, sender: Sender, at: datetime
) -> str:
    """An 846 with what is available of the given SKUs, under a fresh reference each time."""
    reference = f"846-{uow.documents.next_in_sequence('846:' + partner.partner_id)}"
    draft = inventory_advice_846(reference, available, partner, at)
    text = keep(uow, partner, kind="846", reference=reference, order_id=None, drafts=[draft], sender=sender, at=at)
    assert text is not None  # a fresh reference is never taken
    return text


def _first_id(product_ids: dict[str, str]) -> str:
    return next(iter(product_ids.values()), "UNKNOWN")


def _units(quantity: Decimal) -> int:
    return int(quantity) if quantity == quantity.to_integral_value() and quantity > 0 else 0


def _edi_order(uow: UnitOfWork, order_id: str) -> tuple[Order, PartnerProfile] | None:
    # Most orders are not a partner's: learn that from one read by key before loading the order.
    found = uow.fulfilment.channel_and_partner(order_id)
    if found is None or found[0] != CHANNEL or not found[1]:
        return None
    order = uow.fulfilment.load_order(order_id)
    if order is None or order.channel != CHANNEL or not order.customer.partner_id:
        return None
    partner = uow.partners.get(order.customer.partner_id)
    if partner is None or partner.x12 is None:
        return None
    return order, partner


def _facts(uow: UnitOfWork, order: Order) -> OrderFacts:
    references = uow.documents.references(order.id)
    po_number = references.get(("buyer", "po_number"), order.external_id.split(":", 1)[-1])
    # The PO's own date (BEG05), kept at capture; an order captured before it was kept: its capture date.
    po_date = references.get(("edi", PO_DATE_KIND)) or order.created_at.strftime("%Y%m%d")
    buyer = buyer_lines(references)
    ship_to = order.ship_to
    return OrderFacts(
        order_id=order.id,
        po_number=po_number,
        po_date=po_date,
        currency=order.currency,
        ship_to={
            "name": ship_to.name,
            "line1": ship_to.line1,
            "city": ship_to.city,
            "region": ship_to.region,
            "postal_code": ship_to.postal_code,
            "country": ship_to.country,
        },
        lines=[_line_facts(x, buyer.get(x.line_no)) for x in order.lines],
        total=order.total.amount,
    )


def _line_facts(line: OrderLine, buyer: PoLine | None) -> OrderLineFacts:
    if buyer is None:
        return OrderLineFacts(line.line_no, line.sku, line.quantity, line.unit_price.amount)
    ids = tuple(buyer.product_ids.items())
    return OrderLineFacts(line.line_no, line.sku, line.quantity, line.unit_price.amount, buyer.line_id, ids)


def buyer_lines(references: dict[tuple[str, str], str]) -> dict[int, PoLine]:
    """Our line number -> the line as the buyer wrote it (its PO1, or the 860 POC that added it)."""
    lines = {}
    for (system, kind), value in references.items():
        if system == "edi" and kind.startswith("po1.") and is_digits(kind[4:]):
            line = read_buyer_line(value)
            if line is not None:
                lines[int(kind[4:])] = line
    return lines


def _shipment(row: dict[str, Any], sscc: str) -> ShipmentFacts:
    shipped = [(int(x["line_no"]), int(x["quantity"])) for x in row.get("lines") or []]
    shipped_at = row["shipped_at"]
    assert isinstance(shipped_at, datetime)
    return ShipmentFacts(
        shipment_id=str(row["id"]),
        carrier=str(row["carrier"]),
        tracking_number=str(row["tracking_number"]),
        shipped_at=shipped_at,
        lines=shipped,
        sscc=sscc,
    )
