"""Sub-orders: a customer order's lines as each seller gets them, and the seller's answer per line.

A sub-order's id is the order's with a letter (``<order>-A``, ``-B``... ``-Z``, ``-AA``), given in the
order its seller first appears among the lines, so a split done twice names them the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from overture.domain.marketplace.commission import CommissionTerms


class LineState(StrEnum):
    PLACED = "placed"  # the buy box gave it to the seller; the order is not paid yet
    PENDING = "pending"  # split: the seller is asked to accept it
    ACCEPTED = "accepted"
    REFUSED = "refused"
    AUTO_REFUSED = "auto_refused"  # not answered before the deadline
    SHIPPED = "shipped"
    CANCELLED = "cancelled"  # the order was cancelled, or an operator took the line back


REFUSALS = frozenset({LineState.REFUSED, LineState.AUTO_REFUSED})
OPEN = frozenset({LineState.PLACED, LineState.PENDING, LineState.ACCEPTED})


class SubOrderStatus(StrEnum):
    AWAITING_ACCEPTANCE = "awaiting_acceptance"
    ACCEPTED = "accepted"  # every line answered, some accepted: to ship
    SHIPPED = "shipped"
    REFUSED = "refused"  # every line refused
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class SellerLine:
    id: str
    order_id: str
    line_no: int
    attempt: int
    seller_id: str
    offer_id: str
    location_id: str
    sku: str
    quantity: int
    currency: str
    commission: CommissionTerms
    fee_minor: int  # frozen at placement for the whole line
    fee_tax_minor: int
    status: LineState = LineState.PLACED
    sub_order_id: str | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SubOrder:
    id: str
    order_id: str
    seller_id: str
    location_id: str
    status: SubOrderStatus
    alert_at: datetime
    accept_by: datetime
    created_at: datetime
    alerted_at: datetime | None = None
    ship_by: datetime | None = None
    shipped_at: datetime | None = None
    late: bool = False
    carrier: str = ""
    tracking_number: str = ""
    tracking_valid: bool | None = None
    rerouted_from: str | None = None


def letter(n: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (spreadsheet columns)."""
    text = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def sub_order_id(order_id: str, n: int) -> str:
    return f"{order_id}-{letter(n)}"


def status_after_answers(states: list[LineState]) -> SubOrderStatus:
    """A sub-order's status once its lines are answered (or still awaiting if one is open)."""
    if any(s is LineState.PENDING for s in states):
        return SubOrderStatus.AWAITING_ACCEPTANCE
    if all(s in REFUSALS or s is LineState.CANCELLED for s in states):
        return SubOrderStatus.REFUSED
    if all(s in (LineState.SHIPPED, LineState.CANCELLED) or s in REFUSALS for s in states):
        return SubOrderStatus.SHIPPED
    return SubOrderStatus.ACCEPTED


# Carriers' tracking number shapes, for the valid tracking rate: a number the carrier could not have
# issued does not count as tracked.
_TRACKING = {
    "ups": r"1Z[0-9A-Z]{16}",
    "usps": r"(9[0-9]{15,21}|[A-Z]{2}[0-9]{9}US)",
    "fedex": r"([0-9]{12}|[0-9]{15}|[0-9]{20}|[0-9]{22})",
    "dhl": r"([0-9]{10}|[A-Z0-9]{10,39})",
}


def tracking_is_valid(carrier: str, number: str) -> bool:
    pattern = _TRACKING.get(carrier.strip().lower())
    cleaned = number.replace(" ", "").upper()
    if pattern is None:
        return len(cleaned) >= 8 and cleaned.isalnum()  # a carrier we have no rule for: a plausible number
    return re.fullmatch(pattern, cleaned) is not None
