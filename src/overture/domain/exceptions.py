"""Order exceptions: typed problems that stop an order and wait for a decision.

These are business records shown to operators, not Python exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class ExceptionType(StrEnum):
    INVALID_DATA = "invalid_data"
    UNKNOWN_SKU = "unknown_sku"
    PRICE_MISMATCH = "price_mismatch"
    CREDIT_HOLD = "credit_hold"
    INSUFFICIENT_STOCK = "insufficient_stock"
    CONNECTOR_FAILURE = "connector_failure"
    # A connector's answer did not fit the fields it reads (a renamed, missing or retyped field): the raw
    # answer is kept in the details; someone checks the vendor's API version before retrying.
    API_DRIFT = "api_drift"
    SLA_BREACH = "sla_breach"
    SELLER_VIOLATION = "seller_violation"
    SUPPLIER_REJECTED = "supplier_rejected"  # a drop-ship supplier refused or backordered lines of our PO
    # A supplier's invoice differs from our PO (price, quantity ordered) or its shipment (quantity shipped).
    SUPPLIER_INVOICE_MISMATCH = "supplier_invoice_mismatch"
    # Governance rules (domain/rules): one type per rule, so an override waives exactly that rule.
    INVALID_QUANTITY = "invalid_quantity"
    DUPLICATE_ORDER = "duplicate_order"
    EMBARGO = "embargo"
    ADDRESS_MISMATCH = "address_mismatch"
    LOW_MARGIN = "low_margin"
    PAYMENT_TERMS = "payment_terms"
    # The channel's declared total and the order's own (lines + charges) differ beyond the tolerance.
    TOTAL_MISMATCH = "total_mismatch"
    # An exchange's replacement, reserved, waits for the returned goods (domain/returns.py ExchangePolicy).
    AWAITING_RETURN = "awaiting_return"
    # A payment authorisation that would lapse before the order ships, or was refused.
    PAYMENT_AUTHORISATION = "payment_authorisation"
    # A return giving back more than the threshold for approval at once: a person approves or rejects it.
    RETURN_REVIEW = "return_review"
    # A store sold more than its book held (services/pos.py): the sale stands, the shelf needs counting.
    STOCK_COUNT = "stock_count"
    # The carrier reports a parcel it cannot deliver (failure, returned to sender): someone deals with it.
    DELIVERY_EXCEPTION = "delivery_exception"


class ExceptionAction(StrEnum):
    RETRY = "retry"
    EDIT = "edit"
    OVERRIDE = "override"
    REROUTE = "reroute"
    CANCEL = "cancel"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ExceptionStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


A = ExceptionAction
_DEFAULT_ACTIONS: dict[ExceptionType, tuple[ExceptionAction, ...]] = {
    ExceptionType.INVALID_DATA: (A.EDIT, A.CANCEL),
    ExceptionType.UNKNOWN_SKU: (A.EDIT, A.RETRY, A.CANCEL),
    ExceptionType.PRICE_MISMATCH: (A.OVERRIDE, A.EDIT, A.CANCEL),
    # retry: check again once the account has paid or other orders closed.
    # edit: fewer units (or a lower price) bring the order within the account's limit.
    ExceptionType.CREDIT_HOLD: (A.OVERRIDE, A.RETRY, A.EDIT, A.CANCEL),
    ExceptionType.INSUFFICIENT_STOCK: (A.RETRY, A.REROUTE, A.EDIT, A.CANCEL),
    # override: the step was done by hand in the other system.
    ExceptionType.CONNECTOR_FAILURE: (A.RETRY, A.OVERRIDE, A.CANCEL),
    # retry: once the connector's pinned version (or the vendor) is put right; override: done by hand.
    ExceptionType.API_DRIFT: (A.RETRY, A.OVERRIDE, A.CANCEL),
    # retry: give the location another ship-by window; override: acknowledge and stop alerting.
    ExceptionType.SLA_BREACH: (A.RETRY, A.OVERRIDE, A.CANCEL),
    ExceptionType.SELLER_VIOLATION: (A.REROUTE, A.CANCEL),
    # override: the supplier will ship after all (agreed by phone); reroute: place the lines elsewhere.
    ExceptionType.SUPPLIER_REJECTED: (A.REROUTE, A.OVERRIDE, A.CANCEL),
    # override: the invoice is right after all (a price agreed since), or settled with the supplier.
    ExceptionType.SUPPLIER_INVOICE_MISMATCH: (A.OVERRIDE,),
    ExceptionType.INVALID_QUANTITY: (A.OVERRIDE, A.EDIT, A.CANCEL),
    # override: not a duplicate after all (a genuine re-order with a reused PO number).
    ExceptionType.DUPLICATE_ORDER: (A.OVERRIDE, A.CANCEL),
    # override: cleared by compliance (an export licence, a list that changed).
    ExceptionType.EMBARGO: (A.OVERRIDE, A.CANCEL),
    # No edit: "edit" changes lines (SKU, quantity, price), which cannot fix an address.
    ExceptionType.ADDRESS_MISMATCH: (A.OVERRIDE, A.CANCEL),
    ExceptionType.LOW_MARGIN: (A.OVERRIDE, A.EDIT, A.CANCEL),
    # retry: check again once the payment has come in.
    ExceptionType.PAYMENT_TERMS: (A.OVERRIDE, A.RETRY, A.CANCEL),
    # override: the order's total is right (the channel's figure is off, or the difference was agreed);
    # edit: a line was misread (its price, its quantity), and the edited order is checked again.
    # No retry: nothing that could change between two tries enters either figure.
    ExceptionType.TOTAL_MISMATCH: (A.OVERRIDE, A.EDIT, A.CANCEL),
    ExceptionType.AWAITING_RETURN: (A.RETRY, A.CANCEL),
    # retry: authorise again (the old authorisation is voided); override: keep waiting on it as it is.
    ExceptionType.PAYMENT_AUTHORISATION: (A.RETRY, A.OVERRIDE, A.CANCEL),
    # override: approve the return; cancel: reject it (the order itself is not touched either way).
    ExceptionType.RETURN_REVIEW: (A.OVERRIDE, A.CANCEL),
    # override: dealt with (the carrier re-attempts, the customer was contacted, a replacement sent).
    ExceptionType.DELIVERY_EXCEPTION: (A.OVERRIDE,),
    # override: the shelf was counted and the book corrected (an inventory adjustment).
    ExceptionType.STOCK_COUNT: (A.OVERRIDE,),
}
_HIGH_SEVERITY = frozenset({ExceptionType.INSUFFICIENT_STOCK, ExceptionType.EMBARGO, ExceptionType.SUPPLIER_REJECTED})


def default_actions(kind: ExceptionType) -> tuple[ExceptionAction, ...]:
    return _DEFAULT_ACTIONS[kind]


def default_severity(kind: ExceptionType) -> Severity:
    return Severity.HIGH if kind in _HIGH_SEVERITY else Severity.MEDIUM


@dataclass(frozen=True, slots=True)
class OrderException:
    id: str
    order_id: str
    type: ExceptionType
    step: str
    reason: str
    severity: Severity = Severity.MEDIUM
    allowed_actions: tuple[ExceptionAction, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    status: ExceptionStatus = ExceptionStatus.OPEN
    created_at: datetime | None = None
