"""Commands: what a caller asks the hub to do. Channels translate their payloads into these."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from overture.domain.parties import Address, Customer


@dataclass(frozen=True, slots=True)
class LineRequest:
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    channel: str
    external_id: str
    customer: Customer
    ship_to: Address
    currency: str
    lines: tuple[LineRequest, ...]
