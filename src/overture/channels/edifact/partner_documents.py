"""The documents an EDIFACT partner gets about its orders as they move: a DESADV per shipment once
shipped, the INVOIC once invoiced, written in the partner's style (``facts.py``) and kept in
``outbound_documents`` once per (partner, kind, reference), so a retried step sends none twice.

The partner's profile says whether it wants them (``wants_856`` / ``wants_810``: the despatch
advice and the invoice, whatever the standard). ``channels/x12/partner_documents.py`` calls
``after_status`` beside its own, so that one ``PartnerDocuments`` serves both standards (this
module imports nothing of channels/x12: the SSCC comes in as a function).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from overture.channels.edifact.despatch import Despatch, despatch_advice
from overture.channels.edifact.facts import OrderFacts, order_facts
from overture.channels.edifact.invoice import invoice
from overture.channels.edifact.orders import CHANNEL
from overture.channels.edifact.writer import Draft, Envelope, write
from overture.domain.partners import PartnerProfile
from overture.domain.statuses import OrderStatus
from overture.services.ports import UnitOfWork

US = ("OVERTURE", "ZZZ")  # as intake.OurIdentity: how we appear in our UNBs


def after_status(
    uow: UnitOfWork,
    order_id: str,
    status: OrderStatus,
    *,
    sscc: Callable[[int], str],
    at: datetime,
    us: tuple[str, str] = US,
) -> list[str]:
    """DESADVs once shipped, the INVOIC once invoiced; nothing for orders of other channels.
    ``sscc`` makes a package's SSCC-18 from a serial (the X12 side's, with our GS1 prefix)."""
    if status not in (OrderStatus.SHIPPED, OrderStatus.INVOICED):
        return []
    found = _edifact_order(uow, order_id)
    if found is None:
        return []
    facts, partner = found
    made: list[str | None] = []
    if status is OrderStatus.SHIPPED and partner.wants_856:
        shipments = uow.documents.shipments(order_id)
        for row in shipments:
            if uow.documents.exists(partner.partner_id, "DESADV", str(row["id"])):
                continue
            despatch = _despatch(row, facts, sscc(uow.documents.next_in_sequence("sscc")), len(shipments))
            draft = despatch_advice(facts, despatch, at.date())
            made.append(keep(uow, partner, facts, kind="DESADV", reference=despatch.number, draft=draft, us=us, at=at))
    if status is OrderStatus.INVOICED and partner.wants_810:
        number = uow.documents.references(order_id).get(("erp", "invoice"), order_id)
        draft = invoice(facts, number, at.date())
        made.append(keep(uow, partner, facts, kind="INVOIC", reference=order_id, draft=draft, us=us, at=at))
    return [m for m in made if m is not None]


def keep(
    uow: UnitOfWork,
    partner: PartnerProfile,
    facts: OrderFacts,
    *,
    kind: str,
    reference: str,
    draft: Draft,
    us: tuple[str, str],
    at: datetime,
) -> str | None:
    """Write and keep one interchange for the partner; None if one of this kind and reference exists."""
    if uow.documents.exists(partner.partner_id, kind, reference):
        return None
    control = uow.partners.next_control_number(partner.partner_id)
    envelope = Envelope(us, facts.partner_address, str(control), at)
    text = write(envelope, [draft], facts.style)
    uow.documents.add(
        partner_id=partner.partner_id,
        order_id=facts.order.id,
        kind=kind,
        reference=reference,
        control_number=control,
        body=text,
        at=at,
    )
    return text


def _edifact_order(uow: UnitOfWork, order_id: str) -> tuple[OrderFacts, PartnerProfile] | None:
    found = uow.fulfilment.channel_and_partner(order_id)
    if found is None or found[0] != CHANNEL or not found[1]:
        return None
    order = uow.fulfilment.load_order(order_id)
    partner = uow.partners.get(found[1])
    if order is None or partner is None:
        return None
    return order_facts(order, uow.documents.references(order_id)), partner


def _despatch(row: dict[str, Any], facts: OrderFacts, sscc: str, shipments: int) -> Despatch:
    shipped: Sequence[tuple[int, int]] = [(int(x["line_no"]), int(x["quantity"])) for x in row.get("lines") or []]
    if not shipped and shipments == 1:  # a WMS that does not list lines shipped everything
        shipped = [(x.line_no, x.quantity) for x in facts.order.lines]
    shipped_at = row["shipped_at"]
    assert isinstance(shipped_at, datetime)
    return Despatch(str(row["id"]), shipped_at, str(row.get("tracking_number") or ""), shipped, sscc)
