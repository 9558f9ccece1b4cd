"""A partner seller's 855 and 856 about the 850 of one of its sub-orders (services/marketplace/seller_edi.py).

The EDI intake reads them as it reads a drop-ship supplier's (``supplier.read_po_ack``,
``read_ship_notice``) and hands them here first: a PO number that is a sub-order's goes through
the same use cases as the seller portal's answers, so the deadlines, re-routing, refunds, shipment
and seller ledger behave as they do for an API seller.

- 855: each PO1's ACK01 accepts (IA, AC, ...: ``drop_ship.ACCEPTED_CODES``) or refuses (IR, R2, IB
  backordered, ...) that order line: ``seller_orders.accept`` / ``refuse``, a refusal with the line's
  MSG as its reason. A whole-PO rejection (BAK02 RJ, no lines) refuses every line. Lines answered
  before are left as they are, so a repeated 855 changes nothing; a line number the sub-order lacks
  quarantines the 855 before any line is answered.
- 856: ``shipping.ship`` with its TD5 carrier and REF CN tracking number.

Either returns the customer order's id, or None when the PO is not a sub-order's (the caller then
tries its drop-ship POs). The sub-order's workflow is not signalled from here: the intake holds no
engine handle, and the workflow re-reads the store at each recheck (``recheck_interval_s``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from overture.domain.marketplace.sub_orders import LineState, SubOrder
from overture.domain.partners import PartnerProfile
from overture.services.drop_ship import ACCEPTED_CODES, AckLine, SupplierAck, SupplierShipment
from overture.services.errors import ActionRefused, ErrorCode, FieldError, InvalidRequest, PayloadError
from overture.services.marketplace import seller_edi, seller_orders, shipping
from overture.services.ports import Clock, InboundMessage, MessageStatus, UnitOfWorkFactory
from overture.services.retry import in_transaction, read_only

WORDS = {"IB": "backordered", "IR": "rejected", "R2": "rejected", "R3": "rejected", "RJ": "rejected"}


@dataclass(frozen=True, slots=True)
class Plan:
    accepted: list[int]
    refused: dict[str, list[int]]  # reason -> line numbers, so each refusal keeps its own reason


def acknowledge(
    uow_factory: UnitOfWorkFactory, raw: InboundMessage, partner: PartnerProfile, ack: SupplierAck, *, clock: Clock
) -> str | None:
    """Answer the sub-order's lines as the 855 says (see the module docstring); the order id."""
    sub = read_only(uow_factory, lambda uow: seller_edi.locate(uow, partner.partner_id, ack.po_number))
    if sub is None:
        return None
    plan = _plan(ack, _pending(uow_factory, sub, ack.lines))
    actor = f"edi:{partner.partner_id}"
    try:
        if plan.accepted:
            seller_orders.accept(
                uow_factory, sub.id, seller_id=sub.seller_id, actor=actor, clock=clock, line_nos=plan.accepted
            )
        for reason, line_nos in plan.refused.items():
            seller_orders.refuse(
                uow_factory, sub.id, seller_id=sub.seller_id, actor=actor, reason=reason, clock=clock, line_nos=line_nos
            )
    except (ActionRefused, InvalidRequest) as refused:  # e.g. the deadline refused a line meanwhile
        raise _error("ACK01", ErrorCode.INVALID_VALUE, f"{sub.id}: {refused}") from refused
    _keep(uow_factory, raw, sub)
    return sub.order_id


def ship(
    uow_factory: UnitOfWorkFactory,
    raw: InboundMessage,
    partner: PartnerProfile,
    notice: SupplierShipment,
    *,
    clock: Clock,
) -> str | None:
    """Ship the sub-order's accepted lines with the 856's carrier and tracking; the order id."""
    sub = read_only(uow_factory, lambda uow: seller_edi.locate(uow, partner.partner_id, notice.po_number))
    if sub is None:
        return None
    try:
        shipping.ship(
            uow_factory,
            sub.id,
            seller_id=sub.seller_id,
            carrier=notice.carrier,
            tracking_number=notice.tracking_number,
            actor=f"edi:{partner.partner_id}",
            clock=clock,
        )
    except (ActionRefused, InvalidRequest) as refused:  # not accepted yet: the 855 must come first
        raise _error("PRF01", ErrorCode.INVALID_VALUE, f"{sub.id}: {refused}") from refused
    _keep(uow_factory, raw, sub)
    return sub.order_id


def _pending(uow_factory: UnitOfWorkFactory, sub: SubOrder, lines: Sequence[AckLine]) -> set[int]:
    """The sub-order's lines still awaiting an answer; an 855 line it does not have is refused whole."""
    own = read_only(uow_factory, lambda uow: uow.marketplace.lines_of_sub_order(sub.id))
    numbers = {x.line_no for x in own}
    unknown = sorted({x.line_no for x in lines} - numbers)
    if unknown:
        reason = f"{sub.id} has no line {', '.join(map(str, unknown))} (PO1 numbers are those of our 850)"
        raise _error("PO101", ErrorCode.NOT_FOUND, reason)
    return {x.line_no for x in own if x.status is LineState.PENDING}


def _plan(ack: SupplierAck, pending: set[int]) -> Plan:
    lines = list(ack.lines)
    if ack.purpose == "RJ" and not lines:
        lines = [AckLine(n, "RJ", 0, "the whole purchase order rejected (BAK02 RJ)") for n in sorted(pending)]
    accepted: list[int] = []
    refused: dict[str, list[int]] = {}
    for line in lines:
        if line.line_no not in pending:
            continue  # answered before (a repeated 855) or by the deadline: left as it is
        if line.status in ACCEPTED_CODES:
            accepted.append(line.line_no)
        else:
            word = WORDS.get(line.status, "refused")
            reason = f"{word} ({line.status})" + (f": {line.reason}" if line.reason else "")
            refused.setdefault(reason, []).append(line.line_no)
    return Plan(accepted, refused)


def _keep(uow_factory: UnitOfWorkFactory, raw: InboundMessage, sub: SubOrder) -> None:
    """The set as its own raw message on the order, as a drop-ship supplier's is."""
    in_transaction(uow_factory, lambda uow: uow.messages.add(raw, status=MessageStatus.ACCEPTED, order_id=sub.order_id))


def _error(field_name: str, code: ErrorCode, reason: str) -> PayloadError:
    kind = ErrorCode.NOT_FOUND if code is ErrorCode.NOT_FOUND else ErrorCode.VALIDATION_FAILED
    return PayloadError(kind, [FieldError(field_name, code, reason)])
