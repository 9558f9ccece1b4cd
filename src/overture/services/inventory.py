"""Inventory use cases: catalogue, locations, receipts, adjustments, releases, shipments.

Each call is one transaction: a bulk request applies every entry or none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from overture.domain.inventory import InventoryPosition, Location, Movement, MovementKind, Reservation, Sku
from overture.services import changes
from overture.services.backorders import Allocated, allocate_received
from overture.services.changes import SYSTEM, listed
from overture.services.errors import AlreadyExists, ErrorCode, InvalidRequest, NotFound
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction


@dataclass(frozen=True, slots=True)
class StockEntry:
    sku: str
    location_id: str
    quantity: int
    reason: str = ""
    reference: str = ""


def upsert_skus(uow_factory: UnitOfWorkFactory, skus: Sequence[Sku], *, clock: Clock, actor: str = SYSTEM) -> int:
    def work(uow: UnitOfWork) -> int:
        _check_one_of_a_kind(uow, skus)
        at = clock()
        changes.record(uow, at, actor, "skus.upserted", "skus", **listed(skus, _sku_json))
        return uow.catalog.upsert_skus(skus, at)

    return in_transaction(uow_factory, work)


def _check_one_of_a_kind(uow: UnitOfWork, skus: Sequence[Sku]) -> None:
    """A SKU may become serialized (one of a kind) only while at most one unit of it is on hand."""
    serialized = [(index, s.sku) for index, s in enumerate(skus) if s.serialized]
    if not serialized:
        return
    held = uow.catalog.units_on_hand({sku for _, sku in serialized})
    for index, sku in serialized:
        if held.get(sku, 0) > 1:
            raise InvalidRequest(
                f"body[{index}].serialized",
                f"{sku} has {held[sku]} units on hand; a serialized (one-of-a-kind) SKU holds at most 1",
                ErrorCode.INVALID_VALUE,
            )


def add_location(uow_factory: UnitOfWorkFactory, location: Location, *, clock: Clock, actor: str = SYSTEM) -> None:
    def work(uow: UnitOfWork) -> None:
        if uow.catalog.known_locations({location.id}):
            raise AlreadyExists(f"location {location.id!r} already exists")
        at = clock()
        detail = {"name": location.name, "kind": location.kind.value, "postal_code": location.postal_code}
        changes.record(uow, at, actor, "location.created", f"location:{location.id}", **detail)
        uow.catalog.add_location(location, at)

    in_transaction(uow_factory, work)


def _check_references(uow: UnitOfWork, entries: Sequence[StockEntry]) -> None:
    unknown = sorted({e.sku for e in entries} - uow.catalog.known_skus({e.sku for e in entries}))
    if unknown:
        raise NotFound(f"unknown SKU(s): {', '.join(unknown[:20])}")
    known = uow.catalog.known_locations({e.location_id for e in entries})
    for index, entry in enumerate(entries):
        if entry.location_id not in known:
            raise InvalidRequest(
                f"entries[{index}].location_id", f"unknown location {entry.location_id!r}", ErrorCode.NOT_FOUND
            )


def _movements(entries: Sequence[StockEntry], kind: MovementKind) -> list[Movement]:
    return [Movement(kind, e.sku, e.location_id, e.quantity, e.reason, reference=e.reference) for e in entries]


def receive(uow_factory: UnitOfWorkFactory, entries: Sequence[StockEntry], *, clock: Clock, actor: str = SYSTEM) -> int:
    """Book goods in (on hand goes up). All entries or none; returns how many were booked."""
    return receive_and_allocate(uow_factory, entries, clock=clock, actor=actor)[0]


def receive_and_allocate(
    uow_factory: UnitOfWorkFactory, entries: Sequence[StockEntry], *, clock: Clock, actor: str = SYSTEM
) -> tuple[int, Allocated]:
    """Book goods in and, in the same transaction, fill the backorders of the SKUs received there."""
    for index, entry in enumerate(entries):
        if entry.quantity <= 0:
            raise InvalidRequest(
                f"entries[{index}].quantity", "a receipt needs a positive quantity", ErrorCode.OUT_OF_RANGE
            )

    def work(uow: UnitOfWork) -> tuple[int, Allocated]:
        _check_references(uow, entries)
        at = clock()
        changes.record(uow, at, actor, "inventory.received", "inventory", **listed(entries, _entry_json))
        count = uow.inventory.receive(_movements(entries, MovementKind.RECEIPT), at)
        cause = "receipt " + (", ".join(sorted({e.reference for e in entries if e.reference})) or "into stock")
        return count, allocate_received(uow, {(e.sku, e.location_id) for e in entries}, clock, cause=cause)

    return in_transaction(uow_factory, work)


def adjust(
    uow_factory: UnitOfWorkFactory, entries: Sequence[StockEntry], *, clock: Clock, actor: str = SYSTEM
) -> list[InventoryPosition]:
    """Correct on hand by a signed quantity with a reason; refused if it would drop below reserved."""
    for index, entry in enumerate(entries):
        if entry.quantity == 0:
            raise InvalidRequest(f"entries[{index}].quantity", "an adjustment must not be zero", ErrorCode.OUT_OF_RANGE)
        if not entry.reason.strip():
            raise InvalidRequest(f"entries[{index}].reason", "an adjustment needs a reason", ErrorCode.REQUIRED)

    def work(uow: UnitOfWork) -> list[InventoryPosition]:
        _check_references(uow, entries)
        at = clock()
        changes.record(uow, at, actor, "inventory.adjusted", "inventory", **listed(entries, _entry_json))
        return [uow.inventory.adjust(m, at) for m in _movements(entries, MovementKind.ADJUSTMENT)]

    return in_transaction(uow_factory, work)


def set_safety_stock(
    uow_factory: UnitOfWorkFactory, sku: str, location_id: str, quantity: int, *, clock: Clock, actor: str = SYSTEM
) -> InventoryPosition:
    if quantity < 0:
        raise InvalidRequest("safety_stock", "must not be negative", ErrorCode.OUT_OF_RANGE)

    def work(uow: UnitOfWork) -> InventoryPosition:
        _check_references(uow, [StockEntry(sku, location_id, 0)])
        at = clock()
        before = uow.inventory.safety_stock(sku, location_id)  # None: the position is made by this
        detail = {"safety_stock": quantity, "before": {"safety_stock": before}, "after": {"safety_stock": quantity}}
        changes.record(uow, at, actor, "safety_stock.set", f"position:{sku}@{location_id}", **detail)
        return uow.inventory.set_safety_stock(sku, location_id, quantity, at)

    return in_transaction(uow_factory, work)


def release_order(uow_factory: UnitOfWorkFactory, order_id: str, *, reason: str, clock: Clock) -> list[Reservation]:
    """Give back every active reservation of an order (cancel, reroute)."""
    return in_transaction(
        uow_factory, lambda uow: uow.inventory.settle_reservations(order_id, shipped=False, at=clock(), reason=reason)
    )


def ship_order(uow_factory: UnitOfWorkFactory, order_id: str, *, clock: Clock) -> list[Reservation]:
    """Turn every active reservation of an order into a shipment (on hand and reserved go down)."""
    return in_transaction(
        uow_factory, lambda uow: uow.inventory.settle_reservations(order_id, shipped=True, at=clock(), reason="shipped")
    )


def available_units(uow: UnitOfWork, skus: Sequence[str]) -> list[tuple[str, int]]:
    """Units available for sale per SKU, over every active location, in SKU order."""
    totals = dict.fromkeys(skus, 0)
    for site in uow.inventory.availability(skus).stock:
        for sku, units in site.available.items():
            totals[sku] += units
    return sorted(totals.items())


def _entry_json(entry: StockEntry) -> dict[str, Any]:
    return {
        "sku": entry.sku,
        "location_id": entry.location_id,
        "quantity": entry.quantity,
        "reason": entry.reason,
        "reference": entry.reference,
    }


def _sku_json(sku: Sku) -> dict[str, Any]:
    return {"sku": sku.sku, "description": sku.description, "serialized": sku.serialized}
