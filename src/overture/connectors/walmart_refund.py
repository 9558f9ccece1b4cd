"""One Walmart Marketplace refund as the Orders API reads it (``POST /v3/orders/{purchaseOrderId}/refund``).

Per line: a ``PRODUCT`` charge named ``ItemPrice`` (the goods, with their tax as ``tax.taxAmount``) and,
when shipping goes back too, a ``SHIPPING`` charge named ``Shipping``; amounts negative, each with one of
Walmart's refund reasons. Our key goes into ``refundComments`` so the refund is found on the order again.
Walmart reads amounts as JSON numbers: each is sent from a ``Decimal`` of at most two places as the float
whose shortest form prints the same digits (checked, so the number on the wire is exactly the ledger's).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# refundCharge.refundReason as Walmart's Orders API (US) lists it.
REFUND_REASONS = frozenset({
    "BillingError", "TaxExemptCustomer", "ItemNotAsAdvertised", "IncorrectItemReceived", "CancelledYetShipped",
    "ItemNotReceivedByCustomer", "IncorrectShippingPrice", "DamagedItem", "DefectiveItem", "CustomerChangedMind",
    "CustomerReceivedItemLate", "Missing Parts / Instructions", "Finance -> Goodwill", "Finance -> Rollback",
    "Buyer canceled", "Customer returned item", "General adjustment", "Merchandise not received",
    "Quality -> Missing Parts / Instructions", "Shipping & Delivery -> Damaged",
    "Shipping & Delivery -> Shipping Price Discrepancy", "Others",
})  # fmt: skip


@dataclass(frozen=True)
class RefundLine:
    """What one of Walmart's lines gives back, as positive amounts: goods with their tax, and shipping."""

    line_number: str
    reason: str  # one of REFUND_REASONS
    product: Decimal
    tax: Decimal = Decimal(0)
    shipping: Decimal = Decimal(0)
    tax_name: str = "Tax1"

    def charges(self, currency: str) -> list[dict[str, Any]]:
        charges = []
        if self.product or self.tax:
            charges.append(self._charge("PRODUCT", "ItemPrice", self.product, currency, tax=self.tax))
        if self.shipping:
            charges.append(self._charge("SHIPPING", "Shipping", self.shipping, currency))
        return charges

    def _charge(
        self, kind: str, name: str, amount: Decimal, currency: str, *, tax: Decimal | None = None
    ) -> dict[str, Any]:
        charge: dict[str, Any] = {"chargeType": kind, "chargeName": name, "chargeAmount": _money(-amount, currency)}
        if tax is not None:
            charge["tax"] = {"taxName": self.tax_name, "taxAmount": _money(-tax, currency)}
        return {"refundReason": self.reason, "charge": charge}


@dataclass(frozen=True)
class Refund:
    """One refund of an order's lines, under our key (kept in its comments, so it is found again)."""

    key: str
    lines: tuple[RefundLine, ...]
    currency: str = "USD"
    comment: str = ""

    @property
    def marker(self) -> str:
        return f"[overture {self.key}]"

    def body(self, purchase_order_id: str) -> dict[str, Any]:
        comments = f"{self.comment} {self.marker}".strip()
        lines = [
            {
                "lineNumber": x.line_number,
                "isFullRefund": False,
                "refunds": {
                    "refund": [
                        {"refundComments": comments, "refundCharges": {"refundCharge": x.charges(self.currency)}}
                    ]
                },
            }
            for x in self.lines
        ]
        return {"orderRefund": {"purchaseOrderId": purchase_order_id, "orderLines": {"orderLine": lines}}}


def refund_comments(order: dict[str, Any]) -> str:
    """Every line's refund comments, joined: where a refund's key is found again."""
    found: list[str] = []
    for line in (order.get("orderLines") or {}).get("orderLine") or []:
        held = line.get("refund") or []
        for refund in held if isinstance(held, list) else [held]:
            if isinstance(refund, dict):
                found.append(str(refund.get("refundComments") or ""))
    return "\n".join(found)


def _money(amount: Decimal, currency: str) -> dict[str, Any]:
    """Walmart's money: the amount as the JSON number whose digits are exactly the Decimal's."""
    number = float(amount)
    if Decimal(repr(number)) != amount:
        raise ValueError(f"{amount} cannot be written as a JSON number without changing it")
    return {"currency": currency, "amount": number}
