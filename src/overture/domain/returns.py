"""Returns (RMAs): what comes back, why, what inspection found, and how the customer is settled.

A return asks for units of shipped lines back, each with a reason code, inside the channel's return
window. It is approved at once when its value is under the channel's threshold, else it waits for a
person. Received units are inspected one by one: restocked (sellable again at once), sent to
refurbishment (sellable again, as the same unit, once refurbished) or scrapped. Then the customer is
refunded, given store credit, or sent a replacement (an exchange).

Errors::

    ReturnError
     +-- InvalidReturn        a field of the request breaks a rule (names the field and the reason)
     +-- ReturnNotAllowed     the order or the return is not in a state that allows the step
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum


class ReturnReason(StrEnum):
    DAMAGED = "damaged"
    DEFECTIVE = "defective"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    SIZE_OR_FIT = "size_or_fit"
    NO_LONGER_NEEDED = "no_longer_needed"
    ARRIVED_LATE = "arrived_late"
    OTHER = "other"


class Settlement(StrEnum):
    REFUND = "refund"
    STORE_CREDIT = "store_credit"
    EXCHANGE = "exchange"


class ExchangePolicy(StrEnum):
    AT_ONCE = "at_once"  # the replacement ships now, trusting the return
    ON_RECEIPT = "on_receipt"  # the replacement waits, reserved, until the return is received


class Outcome(StrEnum):
    RESTOCK = "restock"
    REFURBISH = "refurbish"
    SCRAP = "scrap"


class ReturnStatus(StrEnum):
    AWAITING_REVIEW = "awaiting_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    RECEIVED = "received"
    SETTLED = "settled"


OPEN = frozenset({ReturnStatus.AWAITING_REVIEW, ReturnStatus.APPROVED, ReturnStatus.RECEIVED})


class ReturnError(Exception):
    """Base of return errors."""


class InvalidReturn(ReturnError):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


class ReturnNotAllowed(ReturnError):
    """The step cannot be taken now (the return is settled, the order has not shipped...)."""


@dataclass(frozen=True, slots=True)
class ReturnLineRequest:
    """Units of one order line asked back: by line number, or by SKU when the channel knows only that."""

    quantity: int
    reason: ReturnReason
    line_no: int | None = None
    sku: str | None = None
    note: str = ""
    exchange_sku: str | None = None  # an exchange's replacement SKU (None: the same SKU)
    exchange_unit_price: Decimal | None = None  # its price (None: the returned line's unit price)


@dataclass(frozen=True, slots=True)
class RequestReturn:
    """A return request, from any channel. The order is named by our id or by the channel's order id."""

    channel: str
    external_id: str
    lines: tuple[ReturnLineRequest, ...]
    settlement: Settlement = Settlement.REFUND
    order_id: str | None = None
    order_external_id: str | None = None  # the order's id in its own channel (a storefront's, a PO number)
    order_channel: str | None = None  # that channel, when it is not the return's own (None: the same)
    exchange_policy: ExchangePolicy = ExchangePolicy.ON_RECEIPT
    actor: str = "customer"
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReturnPolicy:
    """How long after shipment a return may be asked for, and up to what value it is approved at once."""

    window_days: int = 30
    auto_approve_minor: int = 25_000  # in the order's minor units: 250.00 in a two-decimal currency

    def deadline(self, shipped_at: datetime) -> datetime:
        return shipped_at + timedelta(days=self.window_days)


@dataclass(slots=True)
class ReturnLine:
    line_no: int
    sku: str
    quantity: int
    reason: ReturnReason
    note: str = ""
    inspection: list[Outcome] = field(default_factory=list)
    refurbished: int = 0
    exchange_sku: str | None = None
    exchange_unit_price: Decimal | None = None

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.inspection if o is outcome)


@dataclass(slots=True)
class Return:
    id: str
    order_id: str
    channel: str
    external_id: str
    status: ReturnStatus
    settlement: Settlement
    lines: list[ReturnLine]
    actor: str
    requested_at: datetime
    note: str = ""
    raw_message_id: str | None = None
    label: dict[str, str] | None = None
    exchange_order_id: str | None = None
    exchange_policy: ExchangePolicy = ExchangePolicy.ON_RECEIPT
    location_id: str | None = None
    approved_at: datetime | None = None
    received_at: datetime | None = None
    settled_at: datetime | None = None

    def approve(self, at: datetime) -> None:
        if self.status is not ReturnStatus.AWAITING_REVIEW:
            raise ReturnNotAllowed(f"return {self.id} is {self.status}: only one awaiting review can be approved")
        self.status, self.approved_at = ReturnStatus.APPROVED, at

    def reject(self) -> None:
        if self.status is not ReturnStatus.AWAITING_REVIEW:
            raise ReturnNotAllowed(f"return {self.id} is {self.status}: only one awaiting review can be rejected")
        self.status = ReturnStatus.REJECTED

    def receive(self, location_id: str, outcomes: dict[int, list[Outcome]], at: datetime) -> None:
        """Record what inspection found for every unit of every line (all at once: one parcel)."""
        if self.status is not ReturnStatus.APPROVED:
            raise ReturnNotAllowed(f"return {self.id} is {self.status}: only an approved return can be received")
        by_no = {line.line_no: line for line in self.lines}
        for line_no in outcomes:
            if line_no not in by_no:
                raise InvalidReturn(f"lines[{line_no}]", f"return {self.id} has no line {line_no}")
        for line in self.lines:
            found = outcomes.get(line.line_no, [])
            if len(found) != line.quantity:
                raise InvalidReturn(
                    f"lines[{line.line_no}].units",
                    f"{line.quantity} unit(s) of line {line.line_no} are coming back; an outcome is needed "
                    f"for each, got {len(found)}",
                )
            line.inspection = list(found)
        self.status, self.location_id, self.received_at = ReturnStatus.RECEIVED, location_id, at

    def settle(self, at: datetime) -> None:
        if self.status is not ReturnStatus.RECEIVED:
            raise ReturnNotAllowed(f"return {self.id} is {self.status}: only a received return can be settled")
        self.status, self.settled_at = ReturnStatus.SETTLED, at
