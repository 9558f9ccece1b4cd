"""Walmart's refund of order lines as the simulator applies it (``POST /v3/orders/{po}/refund``), by the rules
Walmart documents: only a ``Shipped`` line is refunded, every amount is negative, each charge names one of
the documented ``refundReason`` values, and what a line gives back (goods, shipping, and the tax of each)
never adds up to more than it was charged (a ``PRODUCT`` charge's amount is per unit, times the line's
units). The whole request is checked before anything changes; a refund kept is shown on its line as
``refund`` (``refundId``, the latest ``refundComments``, every ``refundCharge`` so far).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

INVALID = "INVALID_REQUEST_CONTENT.GMP_ORDER_API"
KINDS = ("PRODUCT", "SHIPPING")
# refundCharge.refundReason, as Walmart's Orders API reference lists it (held apart from the connector's
# copy on purpose: the simulator checks what we send against the documentation, not against ourselves).
REASONS = frozenset({
    "BillingError", "TaxExemptCustomer", "ItemNotAsAdvertised", "IncorrectItemReceived", "CancelledYetShipped",
    "ItemNotReceivedByCustomer", "IncorrectShippingPrice", "DamagedItem", "DefectiveItem", "CustomerChangedMind",
    "CustomerReceivedItemLate", "Missing Parts / Instructions", "Finance -> Goodwill", "Finance -> Rollback",
    "Buyer canceled", "Customer returned item", "General adjustment", "Merchandise not received",
    "Quality -> Missing Parts / Instructions", "Shipping & Delivery -> Damaged",
    "Shipping & Delivery -> Shipping Price Discrepancy", "Others",
})  # fmt: skip


class RefundRefused(ValueError):
    def __init__(self, description: str, *, code: str = INVALID) -> None:
        super().__init__(description)
        self.code = code


def refund_lines(order: dict[str, Any], body: Any) -> None:
    """Apply the refund to ``order`` (in place), or raise RefundRefused having changed nothing."""
    by_number = {str(line["lineNumber"]): line for line in order["orderLines"]["orderLine"]}
    planned: list[tuple[dict[str, Any], str, list[dict[str, Any]]]] = []
    for n, sent in enumerate(_sent_lines(body)):
        where = f"orderRefund.orderLines.orderLine[{n}]"
        line = by_number.get(str(sent.get("lineNumber")))
        if line is None:
            raise RefundRefused(f"{where}.lineNumber: no line {sent.get('lineNumber')!r} on the order")
        status = line["orderLineStatuses"]["orderLineStatus"][0]["status"]
        if status != "Shipped":
            raise RefundRefused(f"line {line['lineNumber']} is {status}: only a Shipped line can be refunded")
        for k, refund in enumerate(_listed(sent, "refunds", "refund", f"{where}.refunds")):
            charges = _listed(refund, "refundCharges", "refundCharge", f"{where}.refunds.refund[{k}]")
            for charge in charges:
                _check_charge(charge, _currency(line), where)
            planned.append((line, str(refund.get("refundComments") or ""), charges))
    _within_charged(planned)
    for line, comments, charges in planned:
        held = line.get("refund") or {"refundCharges": {"refundCharge": []}}
        kept = [*held["refundCharges"]["refundCharge"], *charges]
        refund_id = f"{order['purchaseOrderId']}-{line['lineNumber']}-{len(kept)}"
        line["refund"] = {"refundId": refund_id, "refundComments": comments, "refundCharges": {"refundCharge": kept}}


def _sent_lines(body: Any) -> list[dict[str, Any]]:
    refund = (body or {}).get("orderRefund") if isinstance(body, dict) else None
    if not isinstance(refund, dict):
        raise RefundRefused("orderRefund is required")
    return _listed(refund, "orderLines", "orderLine", "orderRefund")


def _listed(parent: Any, outer: str, inner: str, where: str) -> list[dict[str, Any]]:
    found = ((parent or {}).get(outer) or {}).get(inner) if isinstance(parent, dict) else None
    if not isinstance(found, list) or not found or not all(isinstance(x, dict) for x in found):
        raise RefundRefused(f"{where}.{outer}.{inner} is required (a non-empty list)")
    return found


def _check_charge(refund_charge: dict[str, Any], currency: str, where: str) -> None:
    reason = refund_charge.get("refundReason")
    if reason not in REASONS:
        raise RefundRefused(f"{where}: refundReason {reason!r} is not one of Walmart's refund reasons")
    charge = refund_charge.get("charge") or {}
    if charge.get("chargeType") not in KINDS or not charge.get("chargeName"):
        raise RefundRefused(f"{where}: chargeType must be PRODUCT or SHIPPING, with a chargeName")
    amounts = [charge.get("chargeAmount")]
    if charge.get("tax") is not None:
        amounts.append((charge.get("tax") or {}).get("taxAmount"))
    for money in amounts:
        if not isinstance(money, dict) or money.get("currency") != currency:
            raise RefundRefused(f"{where}: every amount needs the order's currency {currency}")
        amount = money.get("amount")
        if not isinstance(amount, (int, Decimal)) or isinstance(amount, bool) or amount > 0:
            raise RefundRefused(f"{where}: amount {amount!r} must be a negative number")
    if not _dec(charge["chargeAmount"]["amount"]) and not _tax(charge):
        raise RefundRefused(f"{where}: a refund charge of nothing")


def _within_charged(planned: list[tuple[dict[str, Any], str, list[dict[str, Any]]]]) -> None:
    """Refuse when a line would give back more of a charge (or of its tax) than it was charged."""
    asked: dict[tuple[str, str], Decimal] = {}
    lines: dict[str, dict[str, Any]] = {}
    for line, _, charges in planned:
        number = str(line["lineNumber"])
        lines[number] = line
        for part, amount in _parts(charges):
            asked[(number, part)] = asked.get((number, part), Decimal(0)) + amount
    for number, line in lines.items():
        held = ((line.get("refund") or {}).get("refundCharges") or {}).get("refundCharge") or []
        charged, refunded = _charged(line), dict(_parts(held))
        for part in charged:
            total = asked.get((number, part), Decimal(0)) + refunded.get(part, Decimal(0))
            if total > charged[part]:
                raise RefundRefused(
                    f"line {number}: a refund of {total} {part} is more than the {charged[part]} charged on it"
                )


def _parts(charges: list[dict[str, Any]]) -> Iterator[tuple[str, Decimal]]:
    """(PRODUCT | PRODUCT tax | SHIPPING | SHIPPING tax, the positive amount given back) of each charge."""
    totals: dict[str, Decimal] = {}
    for refund_charge in charges:
        charge = refund_charge["charge"]
        kind = str(charge["chargeType"])
        totals[kind] = totals.get(kind, Decimal(0)) - _dec(charge["chargeAmount"]["amount"])
        totals[f"{kind} tax"] = totals.get(f"{kind} tax", Decimal(0)) - _tax(charge)
    yield from totals.items()


def _charged(line: dict[str, Any]) -> dict[str, Decimal]:
    units = int(line["orderLineQuantity"]["amount"])
    charged = {part: Decimal(0) for kind in KINDS for part in (kind, f"{kind} tax")}
    for charge in line["charges"]["charge"]:
        kind = str(charge["chargeType"])
        amount = _dec(charge["chargeAmount"]["amount"])
        charged[kind] += amount * units if kind == "PRODUCT" else amount
        charged[f"{kind} tax"] += _tax(charge)
    return charged


def _tax(charge: dict[str, Any]) -> Decimal:
    return _dec(((charge.get("tax") or {}).get("taxAmount") or {}).get("amount") or 0)


def _dec(value: Any) -> Decimal:
    """An amount as held: Decimal from our requests, but a float from orders seeded from parsed JSON
    files (read through its shortest digits, so 19.99 stays 19.99)."""
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def _currency(line: dict[str, Any]) -> str:
    return str(line["charges"]["charge"][0]["chargeAmount"]["currency"])
