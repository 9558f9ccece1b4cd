"""The canonical order: one shape for every channel.

Errors::

    OrderError
     +-- InvalidOrder            a field breaks a rule (names the field and the reason)
     +-- IllegalTransition       a status change the lifecycle does not allow
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from overture.domain.commands import Charge, ChargeKind
from overture.domain.money import Money
from overture.domain.parties import Address, Customer
from overture.domain.statuses import LineStatus, OrderStatus, can_transition


class OrderError(Exception):
    """Base of order errors."""


class InvalidOrder(OrderError):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


class IllegalTransition(OrderError):
    def __init__(self, current: OrderStatus, target: OrderStatus) -> None:
        super().__init__(f"an order cannot go from {current} to {target}")
        self.current = current
        self.target = target


@dataclass(slots=True)
class OrderLine:
    line_no: int
    sku: str
    quantity: int
    unit_price: Money
    status: LineStatus = LineStatus.PENDING

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise InvalidOrder(f"lines[{self.line_no - 1}].quantity", "must be a positive integer")
        if self.unit_price.amount < 0:
            raise InvalidOrder(f"lines[{self.line_no - 1}].unit_price", "must not be negative")

    @property
    def total(self) -> Money:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class StatusChange:
    from_status: OrderStatus | None
    to_status: OrderStatus
    note: str
    at: datetime


@dataclass(slots=True)
class Order:
    id: str
    channel: str
    external_id: str
    customer: Customer
    ship_to: Address
    currency: str
    lines: list[OrderLine]
    created_at: datetime
    status: OrderStatus = OrderStatus.RECEIVED
    raw_message_id: str | None = None
    history: list[StatusChange] = field(default_factory=list)
    charges: tuple[Charge, ...] = ()

    def __post_init__(self) -> None:
        if not self.lines:
            raise InvalidOrder("lines", "an order needs at least one line")
        for line in self.lines:
            if line.unit_price.currency != self.currency:
                raise InvalidOrder(
                    f"lines[{line.line_no - 1}].unit_price",
                    f"currency {line.unit_price.currency} differs from the order's {self.currency}",
                )
        for n, charge in enumerate(self.charges):
            if charge.line_no is not None and not 1 <= charge.line_no <= len(self.lines):
                raise InvalidOrder(f"charges[{n}].line_no", f"there is no line {charge.line_no}")
            if charge.kind is ChargeKind.DISCOUNT and charge.amount > 0:
                raise InvalidOrder(f"charges[{n}].amount", "a discount is a negative amount")

    @property
    def total(self) -> Money:
        """Lines plus charges (shipping, tax, fees; discounts are negative charges)."""
        total = Money(Decimal(0), self.currency)
        for line in self.lines:
            total = total + line.total
        for charge in self.charges:
            total = total + Money(charge.amount, self.currency)
        return total.rounded()

    def demand(self) -> dict[str, int]:
        """Units wanted per SKU (a SKU may appear on several lines)."""
        wanted: dict[str, int] = {}
        for line in self.lines:
            wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
        return wanted

    def transition(self, target: OrderStatus, note: str, at: datetime) -> None:
        if not can_transition(self.status, target):
            raise IllegalTransition(self.status, target)
        self.history.append(StatusChange(self.status, target, note, at))
        self.status = target

    def set_line_status(self, status: LineStatus) -> None:
        for line in self.lines:
            line.status = status
