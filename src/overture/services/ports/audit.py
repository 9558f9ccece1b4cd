"""The store's side of the consistency audit (services/audit.py): each read returns only what disagrees."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Check(StrEnum):
    ON_HAND_VS_LEDGER = "on_hand_vs_ledger"
    RESERVED_VS_LEDGER = "reserved_vs_ledger"
    RESERVED_VS_RESERVATIONS = "reserved_vs_reservations"
    CLOSED_ORDER_HOLDS_STOCK = "closed_order_holds_stock"
    SHIPPED_WITHOUT_SHIPMENT = "shipped_without_shipment"


@dataclass(frozen=True, slots=True)
class PositionBooks:
    """A position whose figures disagree with the ledger or the reservations."""

    sku: str
    location_id: str
    on_hand: int
    reserved: int
    ledger_on_hand: int
    ledger_reserved: int
    active_reserved: int


@dataclass(frozen=True, slots=True)
class HeldStock:
    order_id: str
    status: str
    reservation_id: str
    sku: str
    location_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class UnshippedLine:
    order_id: str
    line_no: int
    sku: str
    location_id: str | None  # the location whose reservation says shipped; None: the line says so alone


@dataclass(frozen=True, slots=True)
class Discrepancy:
    check: Check
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.check.value}: {self.subject}: {self.detail}"


class ConsistencyReader(Protocol):
    """The store's side of the audit: each read returns only what disagrees."""

    def position_books(self) -> Sequence[PositionBooks]: ...

    def closed_orders_holding_stock(self) -> Sequence[HeldStock]: ...

    def shipped_without_shipment(self) -> Sequence[UnshippedLine]: ...
