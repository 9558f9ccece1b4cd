"""The 812 (Credit/Debit Adjustment) an EDI partner gets when a return of its order settles.

A partner invoiced by 810 is told what its return credited, against that invoice, so that it can
deduct it: BCD (the day, our adjustment number, BCD03 ``I`` remittance information only, the
credit in cents with BCD05 ``C``, the 810's invoice number in BCD07 and the PO in BCD10), CUR, an
N9 ``RZ`` (returned goods authorization) naming the return (the partner's own RMA number when it
came by 180, else ours), the buyer's N1, and per credited line a CDD (the adjustment reason, ``C``,
our line number, the line's credit in cents, its units) with the item as the partner knows it (LIN).

CDD01 (element 426, Adjustment Reason Code) follows the return line's reason: 11 Returns - Damage,
12 Returns - Quality, else 72 Authorized Return. Amounts are N2 (two implied decimals), as the 810's
TDS. Each 812 is enveloped and counted as every document we send (ISA13 and GS06 per partner, GS01
``CD``) and kept in ``outbound_documents`` once per return (kind ``812``, the return id as reference),
so a retried step sends nothing twice. Orders of other channels, and partners who take no 810, get
none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from overture.channels.x12.documents import CHANNEL, buyer_lines, keep
from overture.channels.x12.writer import (
    SegmentValues,
    Sender,
    TransactionDraft,
)
from overture.domain.partners import PartnerProfile
from overture.domain.returns import Return, ReturnReason
from overture.services.ports import UnitOfWork
from overture.services.ports.partner_documents import CreditAdjustment, CreditLine

KIND = "812"
REMITTANCE_ONLY = "I"  # BCD03 (305): we pay nothing with it; the partner takes the credit
CREDIT = "C"  # BCD05 / CDD02 (478)
RETURN_AUTHORIZATION = "RZ"  # N901 (128): Returned Goods Authorization Number
AUTHORIZED_RETURN = "72"  # CDD01 (426) for a reason without a code of its own
ADJUSTMENT_REASONS = {
    ReturnReason.DAMAGED: "11",  # Returns - Damage
    ReturnReason.DEFECTIVE: "12",  # Returns - Quality
    ReturnReason.NOT_AS_DESCRIBED: "12",
}


@dataclass(frozen=True, slots=True)
class AdjustmentLine:
    line_no: int
    quantity: int
    amount: Decimal
    reason_code: str  # CDD01
    product_ids: Sequence[tuple[str, str]]  # the item as the partner knows it, qualifier and id


@dataclass(frozen=True, slots=True)
class AdjustmentFacts:
    number: str  # BCD02, at most 22 characters
    invoice_number: str  # BCD07: the 810's BIG02
    po_number: str  # BCD10
    currency: str
    total: Decimal
    authorization: str  # N902: the return as the partner knows it
    buyer: str  # N102
    lines: Sequence[AdjustmentLine]


def credit_adjustment_812(facts: AdjustmentFacts, at: datetime) -> TransactionDraft:
    """BCD, CUR, N9 RZ, N1 BY, then a CDD loop (CDD, LIN) per credited line."""
    body: list[SegmentValues] = [
        [
            "BCD",
            at.strftime("%Y%m%d"),
            facts.number[:22],
            REMITTANCE_ONLY,
            _cents(facts.total),
            CREDIT,
            "",
            facts.invoice_number[:22],
            "",
            "",
            facts.po_number[:22],
        ],
        ["CUR", "SE", facts.currency],
        ["N9", RETURN_AUTHORIZATION, facts.authorization[:30]],
        ["N1", "BY", facts.buyer[:60] or "BUYER"],
    ]
    for line in facts.lines:
        cdd = ["CDD", line.reason_code, CREDIT, str(line.line_no), _cents(line.amount), "", "", str(line.quantity)]
        body.append([*cdd, "EA"])
        body.append(["LIN", str(line.line_no), *(x for pair in line.product_ids[:10] for x in pair)])
    return TransactionDraft(KIND, body)


def credit_adjustment(uow: UnitOfWork, adjustment: CreditAdjustment, *, sender: Sender, at: datetime) -> str | None:
    """The 812 for a settled return of an EDI partner's order, kept once per return; None when the
    order is not a partner's, the partner takes no 810, the return credited nothing, or it was sent."""
    partner = _partner_of(uow, adjustment.order_id)
    if partner is None or not partner.wants_810 or adjustment.total <= 0 or not adjustment.lines:
        return None
    if uow.documents.exists(partner.partner_id, KIND, adjustment.return_id):
        return None  # decided before a number is drawn: a retried step leaves no gap in the sequence
    ret = uow.returns.get(adjustment.return_id)
    number = f"CR{uow.documents.next_in_sequence(f'{KIND}:{partner.partner_id}')}"
    facts = _facts(uow, adjustment, partner, ret, number)
    draft = credit_adjustment_812(facts, at)
    return keep(
        uow,
        partner,
        kind=KIND,
        reference=adjustment.return_id,
        order_id=adjustment.order_id,
        drafts=[draft],
        sender=sender,
        at=at,
    )


def _partner_of(uow: UnitOfWork, order_id: str) -> PartnerProfile | None:
    # Most orders are not a partner's: learn that from one read by key.
    found = uow.fulfilment.channel_and_partner(order_id)
    if found is None or found[0] != CHANNEL or not found[1]:
        return None
    partner = uow.partners.get(found[1])
    return partner if partner is not None and partner.x12 is not None else None


def _facts(
    uow: UnitOfWork, adjustment: CreditAdjustment, partner: PartnerProfile, ret: Return | None, number: str
) -> AdjustmentFacts:
    references = uow.documents.references(adjustment.order_id)
    reasons = {line.line_no: line.reason for line in ret.lines} if ret is not None else {}
    buyer = buyer_lines(references)
    lines = [
        AdjustmentLine(
            x.line_no,
            x.quantity,
            x.amount,
            ADJUSTMENT_REASONS.get(reasons.get(x.line_no, ReturnReason.OTHER), AUTHORIZED_RETURN),
            tuple(buyer[x.line_no].product_ids.items()) if x.line_no in buyer else _product_ids(x, partner),
        )
        for x in adjustment.lines
    ]
    return AdjustmentFacts(
        number=number,
        invoice_number=references.get(("erp", "invoice"), adjustment.order_id),  # as the 810's BIG02
        po_number=references.get(("buyer", "po_number"), ""),
        currency=adjustment.currency,
        total=adjustment.total,
        authorization=_authorization(ret, adjustment.return_id),
        buyer=partner.name or partner.partner_id,
        lines=lines,
    )


def _authorization(ret: Return | None, return_id: str) -> str:
    """The partner's RMA number (BGN02 of its 180, kept as ``<partner>:<BGN02>``), else our return id."""
    if ret is not None and ret.channel == CHANNEL and ":" in ret.external_id:
        return ret.external_id.split(":", 1)[1]
    return return_id


def _product_ids(line: CreditLine, partner: PartnerProfile) -> tuple[tuple[str, str], ...]:
    theirs = partner.their_id(line.sku)
    return (("BP", theirs), ("VN", line.sku)) if theirs != line.sku else (("VN", line.sku),)


def _cents(amount: Decimal) -> str:
    """An N2 amount: two implied decimals (12.34 is 1234)."""
    return str((amount * 100).quantize(Decimal(1)))
