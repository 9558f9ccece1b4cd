"""Commands: what a caller asks the hub to do. Channels translate their payloads into these."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from overture.domain.parties import Address, Customer


@dataclass(frozen=True, slots=True)
class LineRequest:
    sku: str
    quantity: int
    unit_price: Decimal


class ChargeKind(StrEnum):
    SHIPPING = "shipping"
    TAX = "tax"
    DISCOUNT = "discount"
    FEE = "fee"


@dataclass(frozen=True, slots=True)
class Charge:
    """An amount on top of the lines: shipping, tax, a discount (negative) or a fee.

    ``line_no`` ties it to one line by its number (lines are numbered 1, 2, ... in the order they came);
    None means the whole order.
    """

    kind: ChargeKind
    amount: Decimal
    code: str = ""
    line_no: int | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    """How another system knows this order: a buyer's PO number, a storefront's order name, ..."""

    system: str
    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    channel: str
    external_id: str
    customer: Customer
    ship_to: Address
    currency: str
    lines: tuple[LineRequest, ...]
    charges: tuple[Charge, ...] = ()
    references: tuple[Reference, ...] = ()
    priority: int = 1  # the customer's priority (1 is the lowest): backorders are filled highest first
    # The total the channel states for the order, in its currency (None: it states none). Reconciled
    # with lines plus charges at placement: the last field, so that commands without it keep their repr.
    declared_total: Decimal | None = None
    # How the buyer pays through our payment provider (a Stripe PaymentMethod id); None when the channel
    # collected the money itself (a storefront, a marketplace) or the buyer pays on invoice (EDI terms).
    payment_method: str | None = None


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """An update webhook's order: its platform id, the lines it has now, the SKUs edited down to nothing,
    and whether a line missing from ``lines`` was removed (``complete``) or is just not mentioned."""

    external_id: str
    lines: tuple[LineRequest, ...]
    dropped: tuple[str, ...] = ()
    complete: bool = True
