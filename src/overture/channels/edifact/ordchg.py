"""ORDCHG, the buyer's order change request, applied to the order its ORDERS became (as an X12 860).

1. The change names the order by RFF ON (the buyer's order number): an order of another partner,
   or none, is refused whole (an APERAK says why).
2. Each LIN is turned into our terms by its action (1229): 1 added (our SKU from the partner's
   cross-reference, a new line number), 2 deleted, 3 changed (QTY 21 and PRI, in the partner's
   units, into ours). A line is named by the LIN number the buyer gave it in its ORDERS (kept at
   capture, ``facts.py``); a line it does not name, or cannot be turned, is refused alone.
3. The rest goes through ``services/change_requests.py``, the very use case the 860 goes through
   (the amendment: governed, routed and reserved again, each line refused alone if it cannot be
   made, all of them once a location has the order). The same change again changes nothing.
4. The answer is an ORDRSP (BGM 231) with each line's action, 5 accepted or 7 not accepted, and
   QTY 113 with what the line is now (unchanged when refused, 0 when there is no such line).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from overture.channels.edifact.aperak import Refusal
from overture.channels.edifact.checks import CheckedMessage
from overture.channels.edifact.facts import LINE, SEPARATOR, SYSTEM, order_facts
from overture.channels.edifact.mapping import our_sku
from overture.channels.edifact.orders import CHANNEL, OrderLine, read_purchase_order
from overture.channels.edifact.ordrsp import LineAction, OrderResponse, PartyId, ResponseLine, response_type
from overture.domain.partners import PartnerProfile
from overture.services.change_requests import (
    ChangeOutcome,
    ChangeRequest,
    LineChangeKind,
    RequestedLineChange,
    apply_change_request,
)
from overture.services.errors import ErrorCode, FieldError
from overture.services.ports import Clock, Geocoder, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import read_only

KINDS = {"1": LineChangeKind.ADD, "2": LineChangeKind.DELETE, "3": LineChangeKind.REPLACE}


@dataclass(frozen=True, slots=True)
class ChangeResult:
    order_id: str | None = None
    response: OrderResponse | None = None  # None: refused whole, or the same change again
    refusal: Refusal | None = None
    repeated: bool = False


@dataclass(frozen=True, slots=True)
class _Translated:
    request: ChangeRequest
    by_line: dict[int, RequestedLineChange]  # index of the ORDCHG line -> its change
    refused: dict[int, str]  # index of the ORDCHG line -> why it is refused before any trial


def receive_order_change(
    checked: CheckedMessage,
    partner: PartnerProfile,
    *,
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    clock: Clock,
    us: PartyId,
) -> ChangeResult:
    """Apply one ORDCHG and answer it (see the module docstring)."""
    message = checked.message
    change = read_purchase_order(message)
    po_number = change.references.get("ON", "")
    external_id = f"{partner.partner_id}:{po_number}"
    order_id = read_only(uow_factory, lambda uow: uow.orders.find_by_external_id(CHANNEL, external_id))
    if order_id is None:
        reason = f"{po_number!r} is not an order partner {partner.partner_id} sent us"
        error = FieldError("RFF+ON", ErrorCode.NOT_FOUND, reason)
        return ChangeResult(refusal=Refusal(message.reference, po_number, [error]))
    actions = {s.position: s.get(2) for s in message.body if s.tag == "LIN"}
    key = f"ORDCHG:{po_number}:{change.po_number or checked.interchange.control_reference + '/' + message.reference}"
    translated = _translate(uow_factory, order_id, change.lines, actions, partner, key, change.po_number)
    outcome = apply_change_request(uow_factory, order_id, translated.request, geocoder=geocoder, clock=clock)
    if outcome.repeated:
        return ChangeResult(order_id, repeated=True)
    lines = [_answer(n, line, translated, outcome, partner) for n, line in enumerate(change.lines)]
    buyer = change.parties.get("BY")
    response = OrderResponse(
        number=order_id,
        po_number=po_number,
        response=response_type([line.action for line in lines]),
        issued=clock().date(),
        buyer=PartyId(buyer.id, buyer.agency) if buyer and buyer.id else None,
        supplier=us,
        lines=tuple(lines),
    )
    return ChangeResult(order_id, response)


def _translate(
    uow_factory: UnitOfWorkFactory,
    order_id: str,
    lines: list[OrderLine],
    actions: dict[int, str],
    partner: PartnerProfile,
    key: str,
    number: str,
) -> _Translated:
    def load(uow: UnitOfWork) -> tuple[list[int], dict[str, int]]:
        order = uow.fulfilment.load_order(order_id)
        assert order is not None  # found by its external id a moment ago; orders are never deleted
        facts = order_facts(order, uow.documents.references(order_id))
        ours = {str(x.line_no): x.line_no for x in order.lines}
        ours |= {b.line_no: n for n, b in facts.buyer_lines.items()}
        return [x.line_no for x in order.lines] + list(facts.buyer_lines) + order.removed_lines, ours

    taken, ours = read_only(uow_factory, load)
    next_no = max(taken, default=0) + 1
    by_line: dict[int, RequestedLineChange] = {}
    refused: dict[int, str] = {}
    references: list[tuple[str, str, str]] = []
    for n, line in enumerate(lines):
        action = actions.get(line.position, "")
        line_no = next_no if action == "1" else ours.get(line.line_no)
        try:
            if line_no is None:
                raise ValueError(f"the order has no line {line.line_no!r}")
            by_line[n] = _requested(line, action, line_no, partner)
        except ValueError as error:
            refused[n] = str(error)
            continue
        if action == "1":
            item_type, item = next(iter(line.product_ids.items()), ("", ""))
            value = SEPARATOR.join([line.line_no, item_type, item])
            references.append((SYSTEM, LINE.format(line_no=line_no), value))
            next_no += 1
    reason = f"order change {number} (ORDCHG)"
    request = ChangeRequest(partner.partner_id, reason, key, tuple(by_line.values()), tuple(references))
    return _Translated(request, by_line, refused)


def _requested(line: OrderLine, action: str, line_no: int, partner: PartnerProfile) -> RequestedLineChange:
    """One LIN in our terms; ValueError says why it cannot be."""
    kind = KINDS.get(action)
    if kind is None:
        raise ValueError(f"LIN action {action!r} is not one we carry out (1 added, 2 deleted, 3 changed)")
    if kind is LineChangeKind.DELETE:
        return RequestedLineChange(kind, line_no)
    factor = partner.uom_factors.get(line.unit, 1)
    quantity = None
    if line.quantity is not None:
        units = line.quantity * factor
        if units != units.to_integral_value() or units < 0:
            raise ValueError(f"{line.quantity} {line.unit or 'units'} is not a whole number of units")
        quantity = int(units)
    price = line.price / factor if line.price is not None else None
    sku = our_sku(line, partner) if kind is LineChangeKind.ADD else None
    if kind is LineChangeKind.ADD and (sku is None or quantity is None):
        raise ValueError("an added line needs a product id and its quantity (QTY+21)")
    if kind is LineChangeKind.ADD and price is None:
        price = partner.contract_prices.get(sku or "")
        if price is None:
            raise ValueError(f"the added line has no price (PRI) and there is no contract price for {sku}")
    if quantity is None and price is None and sku is None:
        raise ValueError("a changed line needs its new quantity (QTY+21) or price (PRI)")
    return RequestedLineChange(kind, line_no, sku, quantity, price)


def _answer(
    n: int, line: OrderLine, translated: _Translated, outcome: ChangeOutcome, partner: PartnerProfile
) -> ResponseLine:
    requested = translated.by_line.get(n)
    result = next((o for o in outcome.lines if o.change == requested), None) if requested else None
    accepted = result is not None and result.accepted
    factor = partner.uom_factors.get(line.unit, 1)
    now = next((x for x in outcome.order.lines if requested and x.line_no == requested.line_no), None)
    # What stands after the request, in the buyer's units: the new quantity, or (refused) the old one;
    # 0 for a line that is not there (QTY 113 is left out of a deleted line's answer).
    deleted = accepted and requested is not None and requested.kind is LineChangeKind.DELETE
    confirmed = None if deleted else Decimal(now.quantity if now is not None else 0) / factor
    item_type, item = next(iter(line.product_ids.items()), ("", ""))
    return ResponseLine(
        line_no=line.line_no,
        item=item,
        item_type=item_type if item_type != "?" else "",
        action=LineAction.ACCEPTED if accepted else LineAction.NOT_ACCEPTED,
        ordered=line.quantity,
        confirmed=confirmed,
    )
