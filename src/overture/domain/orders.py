"""The canonical order: one shape for every channel.

Errors::

    OrderError
     +-- InvalidOrder            a field breaks a rule (names the field and the reason)
     +-- IllegalTransition       a status change the lifecycle does not allow
     +-- NotEditable             lines changed once the order has been released
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


class NotEditable(OrderError):
    def __init__(self, status: OrderStatus) -> None:
        super().__init__(f"the order is {status}: its lines can no longer be edited")
        self.status = status


# Lines can be edited while the order is still being placed; once released, a location has them.
EDITABLE = frozenset(
    {OrderStatus.RECEIVED, OrderStatus.VALIDATED, OrderStatus.ON_HOLD, OrderStatus.BACKORDERED}
    | {OrderStatus.RESERVED, OrderStatus.ROUTED}
)


@dataclass(frozen=True, slots=True)
class LineEdit:
    """A change to one line: any of SKU, quantity and unit price (None keeps it). A buyer's change
    order may also add a line (``add``: a new ``line_no`` with all three given) or delete one
    (``remove``): both only while the order may be edited, so no location has the line yet."""

    line_no: int
    sku: str | None = None
    quantity: int | None = None
    unit_price: Decimal | None = None
    add: bool = False
    remove: bool = False


@dataclass(frozen=True, slots=True)
class LineAmendment:
    """One line before and after an edit, as the amendment decision records it."""

    line_no: int
    before: dict[str, str | int]
    after: dict[str, str | int]


@dataclass(slots=True)
class OrderLine:
    line_no: int
    sku: str
    quantity: int
    unit_price: Money
    status: LineStatus = LineStatus.PENDING
    backordered: int = 0  # units still owed while the line waits for inbound supply
    promised_at: datetime | None = None  # when the supply that completes a backordered line is expected

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
    priority: int = 1  # the customer's priority: 1 is the lowest; backorders are filled highest first
    declared_total: Decimal | None = None  # what the channel said the order totals (domain.totals checks it)
    payment_method: str | None = None  # authorised through our payment provider when given (services/payments.py)
    # Lines an amendment deleted, for the store to delete too (a loaded order has none).
    removed_lines: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.lines:
            raise InvalidOrder("lines", "an order needs at least one line")
        if self.priority < 1:
            raise InvalidOrder("priority", "must be an integer of at least 1")
        for line in self.lines:
            if line.unit_price.currency != self.currency:
                raise InvalidOrder(
                    f"lines[{line.line_no - 1}].unit_price",
                    f"currency {line.unit_price.currency} differs from the order's {self.currency}",
                )
        line_nos = {line.line_no for line in self.lines}
        for n, charge in enumerate(self.charges):
            if charge.line_no is not None and charge.line_no not in line_nos:
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

    def amend_lines(self, edits: list[LineEdit]) -> list[LineAmendment]:
        """Apply every edit or none (each is checked first); returns the lines before and after
        (an added line has nothing before, a deleted one nothing after), which the caller records as
        a decision with who and why (the status does not change)."""
        if self.status not in EDITABLE:
            raise NotEditable(self.status)
        lines = list(self.lines)
        amendments = []
        for n, edit in enumerate(edits):
            by_no = {line.line_no: (k, line) for k, line in enumerate(lines)}
            before, after = _apply_edit(lines, by_no, n, edit, self.currency)
            amendments.append(LineAmendment(edit.line_no, before, after))
        if not lines:
            raise InvalidOrder("lines", "an order needs at least one line: cancel the order instead")
        kept = {line.line_no for line in lines}
        # A deleted line's own charges (its tax, its share of a discount) go with it: the money ledger
        # gives back everything the line carried (domain/charging.py whole_line_back).
        self.charges = tuple(c for c in self.charges if c.line_no is None or c.line_no in kept)
        self.removed_lines += [line.line_no for line in self.lines if line.line_no not in kept]
        self.lines[:] = lines
        return amendments

    def set_line_status(self, status: LineStatus) -> None:
        for line in self.lines:
            line.status = status


def _apply_edit(
    lines: list[OrderLine], by_no: dict[int, tuple[int, OrderLine]], n: int, edit: LineEdit, currency: str
) -> tuple[dict[str, str | int], dict[str, str | int]]:
    """Carry one edit out on ``lines`` (a working copy); the line's facts before and after."""
    if edit.add:
        if edit.line_no in by_no:
            raise InvalidOrder(f"lines[{n}].line_no", f"the order has a line {edit.line_no} already")
        if not edit.sku or not edit.sku.strip() or edit.quantity is None or edit.unit_price is None:
            raise InvalidOrder(f"lines[{n}]", "a new line needs a sku, a quantity and a unit_price")
        new_line = _checked_line(n, edit.line_no, edit.sku.strip(), edit.quantity, Money(edit.unit_price, currency))
        lines.append(new_line)
        return {}, _line_facts(new_line)
    if edit.line_no not in by_no:
        raise InvalidOrder(f"lines[{n}].line_no", f"the order has no line {edit.line_no}")
    index, line = by_no[edit.line_no]
    if edit.remove:
        del lines[index]
        return _line_facts(line), {}
    index, changed = _edited(by_no, n, edit, currency)
    lines[index] = changed
    return _line_facts(line), _line_facts(changed)


def _edited(by_no: dict[int, tuple[int, OrderLine]], n: int, edit: LineEdit, currency: str) -> tuple[int, OrderLine]:
    """The line as the edit would leave it (checked by OrderLine itself), and its index."""
    index, line = by_no[edit.line_no]
    if edit.sku is not None and not edit.sku.strip():
        raise InvalidOrder(f"lines[{n}].sku", "must not be blank")
    if edit.sku is None and edit.quantity is None and edit.unit_price is None:
        raise InvalidOrder(f"lines[{n}]", "nothing to change: give a sku, a quantity or a unit_price")
    return index, _checked_line(
        n,
        line.line_no,
        edit.sku.strip() if edit.sku is not None else line.sku,
        edit.quantity if edit.quantity is not None else line.quantity,
        Money(edit.unit_price, currency) if edit.unit_price is not None else line.unit_price,
    )


def _checked_line(n: int, line_no: int, sku: str, quantity: int, unit_price: Money) -> OrderLine:
    try:
        return OrderLine(line_no, sku, quantity, unit_price)
    except InvalidOrder as error:  # OrderLine names the field by line number; name the edit's instead
        raise InvalidOrder(f"lines[{n}].{error.field.rsplit('.', 1)[-1]}", error.reason) from None


def _line_facts(line: OrderLine) -> dict[str, str | int]:
    return {"sku": line.sku, "quantity": line.quantity, "unit_price": str(line.unit_price.amount)}


def describe_amendment(amendment: LineAmendment) -> str:
    """``line 1: sku X -> Y, quantity 2 -> 3``."""
    before, after = amendment.before, amendment.after
    if not before:
        return f"line {amendment.line_no} added: {after['quantity']} x {after['sku']} at {after['unit_price']}"
    if not after:
        return f"line {amendment.line_no} deleted ({before['quantity']} x {before['sku']})"
    changes = ", ".join(f"{k} {before[k]} -> {after[k]}" for k in before if before[k] != after[k])
    return f"line {amendment.line_no}: {changes or 'unchanged'}"
