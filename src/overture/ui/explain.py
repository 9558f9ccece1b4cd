"""What went wrong with an order, in the words an operator would use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from overture.domain.exceptions import ExceptionType
from overture.domain.statuses import OrderStatus
from overture.services.outcomes import AfterDecision

T = ExceptionType
_HEADLINES: dict[str, str] = {
    T.INVALID_DATA: "The order arrived with data we could not use",
    T.UNKNOWN_SKU: "The order names a product we do not know",
    T.PRICE_MISMATCH: "A price on the order differs from the agreed price",
    T.CREDIT_HOLD: "The customer's account is over its credit limit",
    T.INSUFFICIENT_STOCK: "There is not enough stock to fill the order",
    T.CONNECTOR_FAILURE: "Another system did not answer",
    T.SLA_BREACH: "The warehouse has not shipped in time",
    T.SELLER_VIOLATION: "The location breaks a marketplace rule",
    T.INVALID_QUANTITY: "A quantity on the order looks wrong",
    T.DUPLICATE_ORDER: "This looks like an order we already have",
    T.EMBARGO: "The destination is under an embargo",
    T.ADDRESS_MISMATCH: "The ship-to address does not check out",
    T.LOW_MARGIN: "The order would sell below the allowed margin",
    T.PAYMENT_TERMS: "Payment is not in yet under the customer's terms",
    T.TOTAL_MISMATCH: "The order's total differs from the total the channel sent",
    T.AWAITING_RETURN: "This exchange's replacement waits for the returned goods",
    T.PAYMENT_AUTHORISATION: "The payment authorisation was refused or will lapse before shipment",
    T.RETURN_REVIEW: "A return over the approval threshold waits for a person (override approves, cancel rejects)",
}
_STEPS: dict[str, str] = {
    "sales_order": "creating the sales order in the ERP",
    "release": "releasing the order to the warehouse",
    "shipment": "waiting for the shipment",
    "invoice": "sending the invoice",
    "payment": "authorising or capturing the payment",
}


def explain_exception(row: Mapping[str, Any]) -> str:
    """One sentence: what happened, at which step, and the recorded reason."""
    headline = _HEADLINES.get(str(row["type"]), str(row["type"]).replace("_", " ").capitalize())
    step = _STEPS.get(str(row.get("step") or ""))
    where = f" while {step}" if step else ""
    reason = str(row.get("reason") or "").strip()
    return f"{headline}{where}" + (f": {reason}" if reason else ".")


def explain_after(after: AfterDecision, action: str) -> str:
    """What a decision led to, as the row says it: "held again: ...", "released to EWR1", "cancelled"."""
    if after.new_holds:
        hold = after.new_holds[-1]
        reason = str(hold.get("reason") or "").strip() or _HEADLINES.get(str(hold["type"]), str(hold["type"]))
        more = f" (and {len(after.new_holds) - 1} more open)" if len(after.new_holds) > 1 else ""
        return f"held again: {reason}{more}"
    if not after.closed:
        return f"{action} accepted; the order's workflow has not acted on it yet (refresh to see what happened)"
    status = str(after.status or "")
    if status == OrderStatus.RELEASED and after.locations:
        return f"released to {', '.join(after.locations)}"
    said = _STATUS_WORDS.get(status, f"the order is now {status.replace('_', ' ')}")
    return said if after.settled else f"{action} accepted; {said} so far (its workflow is still working)"


_STATUS_WORDS: dict[str, str] = {
    OrderStatus.COMPLETED: "completed",
    OrderStatus.CANCELLED: "cancelled",
    OrderStatus.SHIPPED: "shipped",
    OrderStatus.INVOICED: "invoiced",
    OrderStatus.RELEASED: "released to the warehouse",
    OrderStatus.BACKORDERED: "backordered: waiting for stock to arrive",
}
