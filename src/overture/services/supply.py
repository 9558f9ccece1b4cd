"""Inbound supply use cases: announce purchase-order lines and transfers, receive them, list them.

Each call is one transaction. Announcing supply re-promises the backorders of its SKUs; receiving
it books on hand through the ledger and fills backorders in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from overture.domain.ids import new_id
from overture.domain.inventory import Movement, MovementKind
from overture.domain.supply import InboundSupply, InvalidSupply, SupplyKind, SupplyStatus
from overture.services.backorders import Allocated, allocate_received, refresh_promises
from overture.services.errors import ErrorCode, InvalidRequest, NotFound
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction, read_only


@dataclass(frozen=True, slots=True)
class SupplyLine:
    kind: SupplyKind
    reference: str
    sku: str
    location_id: str
    quantity: int
    expected_at: datetime
    from_location_id: str | None = None


@dataclass(frozen=True, slots=True)
class SupplyReceipt:
    supply: InboundSupply
    allocated: Allocated


def announce(uow_factory: UnitOfWorkFactory, lines: Sequence[SupplyLine], *, clock: Clock) -> list[InboundSupply]:
    """Record open supply lines (all or none) and work the promise dates of their SKUs' backorders out again."""
    at = clock()
    items = [_supply(n, line, at) for n, line in enumerate(lines)]

    def work(uow: UnitOfWork) -> list[InboundSupply]:
        _check_references(uow, lines)
        uow.supply.add(items, at)
        refresh_promises(uow, {s.sku for s in items})
        return items

    return in_transaction(uow_factory, work)


def _supply(index: int, line: SupplyLine, at: datetime) -> InboundSupply:
    try:
        return InboundSupply(
            id=new_id("sup"),
            kind=line.kind,
            reference=line.reference,
            sku=line.sku,
            location_id=line.location_id,
            quantity=line.quantity,
            expected_at=line.expected_at,
            created_at=at,
            from_location_id=line.from_location_id,
        )
    except InvalidSupply as error:
        raise InvalidRequest(f"lines[{index}].{error.field}", error.reason) from error


def _check_references(uow: UnitOfWork, lines: Sequence[SupplyLine]) -> None:
    known_skus = uow.catalog.known_skus({line.sku for line in lines})
    wanted = {line.location_id for line in lines} | {line.from_location_id for line in lines if line.from_location_id}
    known_locations = uow.catalog.known_locations(wanted)
    for index, line in enumerate(lines):
        if line.sku not in known_skus:
            raise InvalidRequest(f"lines[{index}].sku", f"unknown SKU {line.sku!r}", ErrorCode.NOT_FOUND)
        for name in ("location_id", "from_location_id"):
            value = getattr(line, name)
            if value is not None and value not in known_locations:
                raise InvalidRequest(f"lines[{index}].{name}", f"unknown location {value!r}", ErrorCode.NOT_FOUND)


def receive(
    uow_factory: UnitOfWorkFactory, supply_id: str, quantity: int, *, clock: Clock, reason: str = "receipt"
) -> SupplyReceipt:
    """Receive units of an open supply line: on hand goes up at its location, backorders are filled."""
    if quantity <= 0:
        raise InvalidRequest("quantity", "a receipt needs a positive quantity", ErrorCode.OUT_OF_RANGE)

    def work(uow: UnitOfWork) -> SupplyReceipt:
        at = clock()
        supply = uow.supply.record_receipt(supply_id, quantity, at)
        if supply is None:
            found = uow.supply.get(supply_id)
            if found is None:
                raise NotFound(f"no supply line {supply_id!r}")
            raise InvalidRequest("supply_id", f"supply line {supply_id} is {found.status}, not open", ErrorCode.REFUSED)
        cause = f"{supply.kind} {supply.reference}"
        movement = Movement(MovementKind.RECEIPT, supply.sku, supply.location_id, quantity, reason, reference=cause)
        uow.inventory.receive([movement], at)
        # Also works the promise dates of the lines still waiting out again: the supply left changed.
        allocated = allocate_received(uow, [(supply.sku, supply.location_id)], clock, cause=f"receipt of {cause}")
        return SupplyReceipt(supply, allocated)

    return in_transaction(uow_factory, work)


def listing(
    uow_factory: UnitOfWorkFactory, *, sku: str | None = None, status: SupplyStatus | None = None
) -> list[InboundSupply]:
    return read_only(uow_factory, lambda uow: uow.supply.listing(sku=sku, status=status))
