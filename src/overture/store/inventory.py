"""The inventory ledger: positions per SKU x location and an append-only list of movements.

Every change to a position is a single conditional UPDATE whose WHERE clause re-checks
the invariant against the row as it is at write time, and whose row count is checked.
Check and change are one statement, so no interleaving can oversell, on SQLite (where
writers are serialised anyway) or PostgreSQL (where the UPDATE re-reads the locked row).
A CHECK constraint on the table refuses anything that slips past.
"""

from __future__ import annotations

import math
import time
import weakref
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from datetime import time as time_of_day
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from overture.domain.ids import new_id
from overture.domain.inventory import (
    InvalidMovement,
    InventoryPosition,
    Location,
    LocationKind,
    Movement,
    MovementKind,
    Reservation,
    ReservationStatus,
    SupplierTransport,
)
from overture.domain.routing import Allocation, LocationStock
from overture.services.errors import StockChanged
from overture.services.ports import Availability, SkuTraits
from overture.store import statements
from overture.store.tables import availability_dirty, inventory_positions, skus

P = inventory_positions
D = availability_dirty
# Built once: an UPSERT that adds a SKU's flag or bumps its version (see _mark_changed).
_MARK_CHANGED = {
    name: dialect.insert(D).on_conflict_do_update(index_elements=[D.c.sku], set_={"version": D.c.version + 1})
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}


def _position(row: Any) -> InventoryPosition:
    return InventoryPosition(row.sku, row.location_id, row.on_hand, row.reserved, row.safety_stock)


def _location(row: Any) -> Location:
    return Location(
        id=row.id,
        name=row.name,
        latitude=row.latitude,
        longitude=row.longitude,
        kind=LocationKind(row.kind),
        postal_code=row.postal_code,
        country=row.country,
        capabilities=frozenset(row.capabilities),
        priority=row.priority,
        active=row.active,
        ship_by_seconds=row.ship_by_seconds,
        daily_capacity=row.daily_capacity,
        cutoff_utc=None if row.cutoff_utc is None else time_of_day.fromisoformat(row.cutoff_utc),
        supplier_partner_id=row.supplier_partner_id,
        supplier_transport=SupplierTransport(row.supplier_transport),
        supplier_url=row.supplier_url,
    )


class _LocationCache:
    """Locations change rarely and every order needs them all, so each engine keeps them in
    memory for a few seconds. Whether a location is active is never taken from here: the
    availability query filters on it, so a deactivated location stops receiving orders at once."""

    TTL_S = 5.0

    def __init__(self) -> None:
        self._by_id: dict[str, Location] = {}
        self._loaded_at = -math.inf

    def get(self, connection: Connection, ids: Collection[str]) -> dict[str, Location]:
        stale = time.monotonic() - self._loaded_at > self.TTL_S
        if stale or not self._by_id.keys() >= set(ids):
            self._by_id = {row.id: _location(row) for row in connection.execute(statements.ALL_LOCATIONS)}
            self._loaded_at = time.monotonic()
        return self._by_id


_location_caches: weakref.WeakKeyDictionary[Engine, _LocationCache] = weakref.WeakKeyDictionary()


def forget_locations(engine: Engine) -> None:
    """Drop this process's cached locations (a location was edited): the next order reads them again."""
    _location_caches.pop(engine, None)


class SqlInventoryRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection
        self._dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        self._mark = _MARK_CHANGED[connection.dialect.name]

    def availability(self, wanted: Collection[str]) -> Availability:
        known: set[str] = set()
        traits: dict[str, SkuTraits] = {}
        by_location: dict[str, dict[str, int]] = {}
        for row in self._c.execute(statements.AVAILABILITY, {"b_skus": list(wanted)}):
            if row.row_kind == "sku":
                known.add(row.sku)
                traits[row.sku] = SkuTraits(row.weight_kg or 0.0, bool(row.hazmat), bool(row.oversize))
            elif row.row_kind == "site":
                by_location.setdefault(row.location_id, {})
            else:
                by_location.setdefault(row.location_id, {})[row.sku] = max(0, row.available)
        cache = _location_caches.setdefault(self._c.engine, _LocationCache())
        sites = cache.get(self._c, by_location)
        return Availability(known, [LocationStock(sites[loc], stock) for loc, stock in by_location.items()], traits)

    def reserve(self, order_id: str, allocations: Sequence[Allocation], at: datetime) -> list[Reservation]:
        per_position: dict[tuple[str, str], int] = defaultdict(int)
        for a in allocations:
            per_position[(a.sku, a.location_id)] += a.quantity
        # Primary-key order, so concurrent multi-line reservations lock rows in one order. Each
        # UPDATE matches at most one row, so the summed row count is complete only if every one held.
        params = [
            {"b_sku": sku, "b_location_id": location_id, "b_quantity": quantity, "b_at": at}
            for (sku, location_id), quantity in sorted(per_position.items())
        ]
        if self._c.execute(statements.RESERVE, params).rowcount != len(params):
            raise StockChanged(f"order {order_id}: stock at a chosen location changed while reserving")
        made = [Reservation(new_id("res"), order_id, a.line_no, a.sku, a.location_id, a.quantity) for a in allocations]
        self._log(
            [
                Movement(MovementKind.RESERVATION, r.sku, r.location_id, r.quantity, "order reserved", order_id)
                for r in made
            ],
            at,
        )
        return made

    def receive(self, movements: Sequence[Movement], at: datetime) -> int:
        """Book receipts in bulk: one upsert per position, executed as a batch."""
        for m in movements:
            if m.kind is not MovementKind.RECEIPT:
                raise InvalidMovement(f"receive() takes receipts, not {m.kind}")
            m.deltas()  # validates the quantity
        self._guard_one_of_a_kind([(m.sku, m.location_id, m.quantity) for m in movements])
        self._add_on_hand([(m.sku, m.location_id, m.quantity) for m in movements], at)
        self._log(movements, at)
        return len(movements)

    def _guard_one_of_a_kind(self, increases: Sequence[tuple[str, str, int]]) -> None:
        """Refuse to hold more than one unit, anywhere, of a serialized SKU (a one-of-a-kind unit).

        The SKU's catalogue row is locked first (FOR UPDATE on PostgreSQL; SQLite serialises writers),
        so two receipts of the same unit at two locations cannot both pass the check."""
        wanted = {sku for sku, _, _ in increases}
        serialized = set(
            self._c.execute(
                select(skus.c.sku).where(skus.c.sku.in_(wanted), skus.c.serialized.is_(True)).with_for_update()
            ).scalars()
        )
        if not serialized:
            return
        held: defaultdict[str, list[tuple[str, int]]] = defaultdict(list)
        for row in self._c.execute(
            select(P.c.sku, P.c.location_id, P.c.on_hand).where(P.c.sku.in_(serialized), P.c.on_hand > 0)
        ):
            held[row.sku].append((row.location_id, row.on_hand))
        for sku in sorted(serialized):
            adding = sum(q for s, _, q in increases if s == sku)
            on_hand = sum(q for _, q in held[sku])
            if on_hand + adding > 1:
                where = ", ".join(f"{q} at {loc}" for loc, q in held[sku]) or "none on hand"
                raise InvalidMovement(
                    f"{sku} is serialized (one of a kind): adding {adding} would hold {on_hand + adding} units "
                    f"({where}); a serialized SKU holds at most 1"
                )

    def _add_on_hand(self, changes: Sequence[tuple[str, str, int]], at: datetime) -> None:
        statement = self._dialect.insert(P)
        statement = statement.on_conflict_do_update(
            index_elements=[P.c.sku, P.c.location_id],
            set_={"on_hand": P.c.on_hand + statement.excluded.on_hand, "updated_at": statement.excluded.updated_at},
        )
        self._c.execute(
            statement,
            [
                {
                    "sku": sku,
                    "location_id": location_id,
                    "on_hand": quantity,
                    "reserved": 0,
                    "safety_stock": 0,
                    "updated_at": at,
                }
                for sku, location_id, quantity in changes
            ],
        )

    def positions(self, pairs: Collection[tuple[str, str]]) -> dict[tuple[str, str], InventoryPosition]:
        """These (SKU, location) positions as they stand; a pair never stocked is absent."""
        skus_wanted = {sku for sku, _ in pairs}
        if not skus_wanted:
            return {}
        rows = self._c.execute(select(P).where(P.c.sku.in_(skus_wanted)))
        found = {(row.sku, row.location_id): _position(row) for row in rows}
        return {pair: found[pair] for pair in pairs if pair in found}

    def adjust(self, movement: Movement, at: datetime) -> InventoryPosition:
        """Apply a signed correction; refuse one that would leave on hand below reserved."""
        delta, _ = movement.deltas()
        if movement.kind is not MovementKind.ADJUSTMENT:
            raise InvalidMovement(f"adjust() takes adjustments, not {movement.kind}")
        if delta > 0:
            self._guard_one_of_a_kind([(movement.sku, movement.location_id, delta)])
        row = self._c.execute(
            update(P)
            .where(
                P.c.sku == movement.sku, P.c.location_id == movement.location_id, P.c.on_hand + delta >= P.c.reserved
            )
            .values(on_hand=P.c.on_hand + delta, updated_at=at)
            .returning(P)
        ).first()
        if row is None:
            current = self._c.execute(
                select(P).where(P.c.sku == movement.sku, P.c.location_id == movement.location_id)
            ).first()
            if current is not None or delta < 0:
                on_hand, reserved = (current.on_hand, current.reserved) if current is not None else (0, 0)
                raise InvalidMovement(
                    f"adjustment of {delta:+d} {movement.sku} at {movement.location_id} would leave on hand "
                    f"{on_hand + delta} below reserved {reserved}"
                )
            self._add_on_hand([(movement.sku, movement.location_id, delta)], at)
            row = self._c.execute(
                select(P).where(P.c.sku == movement.sku, P.c.location_id == movement.location_id)
            ).one()
        self._log([movement], at)
        return _position(row)

    def sell(self, movement: Movement, at: datetime) -> int:
        """Take a till's sale off on hand at its position, never below what is reserved there; the units
        taken. Fewer than sold when the book holds fewer free units (the goods left the shop anyway: the
        caller raises the shortfall for a count). The ledger logs what was taken, so it still sums to on hand."""
        if movement.kind is not MovementKind.SALE:
            raise InvalidMovement(f"sell() takes sales, not {movement.kind}")
        movement.deltas()  # validates the quantity
        where = (P.c.sku == movement.sku, P.c.location_id == movement.location_id)
        row = self._c.execute(select(P.c.on_hand, P.c.reserved).where(*where).with_for_update()).first()
        taken = 0 if row is None else max(0, min(movement.quantity, row.on_hand - row.reserved))
        if taken == 0:
            return 0
        # Conditional, like every write here: a writer between the read and this (SQLite without the lock)
        # makes it match nothing, and the transaction starts over.
        changed = self._c.execute(
            update(P)
            .where(*where, P.c.on_hand - taken >= P.c.reserved)
            .values(on_hand=P.c.on_hand - taken, updated_at=at)
        )
        if changed.rowcount != 1:
            raise StockChanged(f"{movement.sku} at {movement.location_id} changed while a sale was taken off")
        self._log([replace(movement, quantity=taken)], at)
        return taken

    def settle_reservations(
        self,
        order_id: str,
        *,
        shipped: bool,
        at: datetime,
        reason: str,
        location_id: str | None = None,
        line_nos: Collection[int] | None = None,
    ) -> list[Reservation]:
        status = ReservationStatus.SHIPPED if shipped else ReservationStatus.RELEASED
        if location_id is None:
            active = self._c.execute(statements.ACTIVE_RESERVATIONS, {"b_order_id": order_id}).all()
        else:
            where = {"b_order_id": order_id, "b_location_id": location_id}
            active = self._c.execute(statements.ACTIVE_RESERVATIONS_AT, where).all()
        if line_nos is not None:
            active = [r for r in active if r.line_no in line_nos]
        if not active:
            return []
        claim = {"b_ids": [r.id for r in active], "b_status": status.value, "b_at": at}
        claimed = set(self._c.scalars(statements.CLAIM_RESERVATIONS, claim))
        settled = [
            Reservation(r.id, r.order_id, r.line_no, r.sku, r.location_id, r.quantity, status)
            for r in active
            if r.id in claimed
        ]
        changes = [
            {
                "b_sku": r.sku,
                "b_location_id": r.location_id,
                "b_quantity": r.quantity,
                "b_on_hand_change": -r.quantity if shipped else 0,
                "b_at": at,
            }
            for r in settled
        ]
        if changes and self._c.execute(statements.SETTLE_POSITION, changes).rowcount != len(changes):
            raise InvalidMovement(
                f"order {order_id}: a reservation holds more than is reserved at its position "
                f"({', '.join(f'{r.sku} at {r.location_id}' for r in settled)})"
            )
        kind = MovementKind.SHIPMENT if shipped else MovementKind.RELEASE
        self._log([Movement(kind, r.sku, r.location_id, r.quantity, reason, order_id) for r in settled], at)
        return settled

    def safety_stock(self, sku: str, location_id: str) -> int | None:
        query = select(P.c.safety_stock).where(P.c.sku == sku, P.c.location_id == location_id)
        found: int | None = self._c.scalar(query)
        return found

    def set_safety_stock(self, sku: str, location_id: str, quantity: int, at: datetime) -> InventoryPosition:
        statement = self._dialect.insert(P).values(
            sku=sku, location_id=location_id, on_hand=0, reserved=0, safety_stock=quantity, updated_at=at
        )
        statement = statement.on_conflict_do_update(
            index_elements=[P.c.sku, P.c.location_id], set_={"safety_stock": quantity, "updated_at": at}
        )
        position = _position(self._c.execute(statement.returning(P)).one())
        self._mark_changed([sku], at)
        return position

    def _mark_changed(self, skus: Collection[str], at: datetime) -> None:
        """Flag SKUs for the availability publisher, in the transaction that changed them, so the flag
        commits or rolls back with the change: no change can be missed and none is announced early.

        One batched statement per write. Sorted, so writers touching several SKUs lock the flags in
        one order (they take them after every position lock, so no new lock cycle appears)."""
        rows = [{"sku": sku, "version": 1, "changed_at": at} for sku in sorted(set(skus))]
        if rows:
            self._c.execute(self._mark, rows)

    def _log(self, movements: Sequence[Movement], at: datetime) -> None:
        if not movements:
            return
        rows = []
        for m in movements:
            on_hand_delta, reserved_delta = m.deltas()
            rows.append(
                {
                    "sku": m.sku,
                    "location_id": m.location_id,
                    "kind": m.kind.value,
                    "on_hand_delta": on_hand_delta,
                    "reserved_delta": reserved_delta,
                    "reason": m.reason,
                    "reference": m.reference,
                    "order_id": m.order_id,
                    "created_at": at,
                }
            )
        self._c.execute(statements.INSERT_MOVEMENTS, rows)
        # Every change of on hand or reserved is logged here, so this is where availability changes are caught.
        self._mark_changed({m.sku for m in movements}, at)
