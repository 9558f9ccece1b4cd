"""Point of sale: what a store's till sold and took back, goods already handed over.

A receipt names its store (a location of ours) and its id at that store; the two together are the
receipt's identity, so a file or a webhook sent again records nothing twice. A line's quantity is
signed: a negative one is a unit brought back to the till (a return), put back on that store's shelf
and refunded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from overture.domain.commands import Charge, Reference

CHANNEL = "pos"


@dataclass(frozen=True, slots=True)
class PosLine:
    """One line of a receipt. ``tax`` is what the line's units carried (positive, given back on a
    return); ``discount`` what was taken off them (zero or negative)."""

    sku: str
    quantity: int  # negative: returned at the till
    unit_price: Decimal
    tax: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)

    @property
    def returned(self) -> bool:
        return self.quantity < 0


@dataclass(frozen=True, slots=True)
class RecordPosSale:
    """A till's receipt to record: sold lines leave the store's stock, returned lines come back to it."""

    location_id: str
    receipt_id: str
    currency: str
    lines: tuple[PosLine, ...]
    sold_at: datetime | None = None
    register: str = ""
    tender: str = ""  # how it was paid (cash, card, ...): the capture's reference
    original_receipt: str = ""  # a return's original sale, when the till names it
    source: str = "batch"  # batch (a POS file) | shopify (a Shopify POS order)
    charges: tuple[Charge, ...] = ()  # order-level amounts (a Shopify POS order's shipping, tips)
    references: tuple[Reference, ...] = ()

    @property
    def external_id(self) -> str:
        """The order's id in the pos channel: store and receipt, unique together."""
        return f"{self.location_id}:{self.receipt_id}"

    @property
    def only_returns(self) -> bool:
        return all(line.returned for line in self.lines)
