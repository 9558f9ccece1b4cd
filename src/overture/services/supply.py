"""Inbound supply use cases: announce purchase-order lines and transfers, move, resize or cancel
them, receive them, list them.

Each call is one transaction. Announcing or changing supply re-promises the backorders of its SKUs
(each order whose promise moves gets a note on its timeline saying why); receiving it books on
hand through the ledger and fills backorders in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from overture.domain.ids import new_id
from overture.domain.inventory import Movement, MovementKind
from overture.domain.supply import InboundSupply, InvalidSupply, SupplyKind, SupplyStatus
from overture.services import changes
from overture.services.backorders import Allocated, MovedPromise, allocate_received, refresh_promises
from overture.services.changes import SYSTEM, listed
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


def announce(
    uow_factory: UnitOfWorkFactory, lines: Sequence[SupplyLine], *, clock: Clock, actor: str = SYSTEM
) -> list[InboundSupply]:
    """Record open supply lines (all or none) and work the promise dates of their SKUs' backorders out again."""
    at = clock()
    items = [_supply(n, line, at) for n, line in enumerate(lines)]

    def work(uow: UnitOfWork) -> list[InboundSupply]:
        _check_references(uow, lines)
        changes.record(uow, at, actor, "supply.announced", "supply", **listed(items, _supply_json))
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
    uow_factory: UnitOfWorkFactory,
    supply_id: str,
    quantity: int,
    *,
    clock: Clock,
    reason: str = "receipt",
    actor: str = SYSTEM,
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
        changes.record(uow, at, actor, "supply.received", f"supply:{supply_id}", quantity=quantity, reason=reason)
        cause = f"{supply.kind} {supply.reference}"
        movement = Movement(MovementKind.RECEIPT, supply.sku, supply.location_id, quantity, reason, reference=cause)
        uow.inventory.receive([movement], at)
        # Also works the promise dates of the lines still waiting out again: the supply left changed.
        allocated = allocate_received(uow, [(supply.sku, supply.location_id)], clock, cause=f"receipt of {cause}")
        return SupplyReceipt(supply, allocated)

    return in_transaction(uow_factory, work)


@dataclass(frozen=True, slots=True)
class SupplyChange:
    supply: InboundSupply
    moved: list[MovedPromise]


def change(
    uow_factory: UnitOfWorkFactory,
    supply_id: str,
    *,
    expected_at: datetime | None = None,
    quantity: int | None = None,
    cancel_reason: str | None = None,
    clock: Clock,
    actor: str = SYSTEM,
) -> SupplyChange:
    """Move (``expected_at``), resize (``quantity``, not below what came) or cancel an open line;
    the backorders of its SKU are promised again, and each order whose promise moved is told why."""
    if quantity is not None and quantity <= 0:
        raise InvalidRequest("quantity", "must be a positive integer", ErrorCode.OUT_OF_RANGE)
    if expected_at is not None and expected_at.tzinfo is None:
        raise InvalidRequest("expected_at", "must carry a time zone")
    if expected_at is None and quantity is None and cancel_reason is None:
        raise InvalidRequest("expected_at", "nothing to change: give expected_at or quantity", ErrorCode.REQUIRED)

    def work(uow: UnitOfWork) -> SupplyChange:
        at = clock()
        cancel = cancel_reason is not None
        changed = uow.supply.change_open(supply_id, at, expected_at=expected_at, quantity=quantity, cancel=cancel)
        if changed is None:
            _refuse_change(uow, supply_id, quantity)
        assert changed is not None
        why = _describe_change(changed, cancel_reason)
        action = "supply.cancelled" if cancel else "supply.changed"
        changes.record(uow, at, actor, action, f"supply:{supply_id}", change=why, quantity=quantity)
        moved = refresh_promises(uow, {changed.sku})
        for m in moved:
            uow.fulfilment.add_note(m.backorder.order_id, _promise_note(m, why), at)
        return SupplyChange(changed, moved)

    return in_transaction(uow_factory, work)


def _refuse_change(uow: UnitOfWork, supply_id: str, quantity: int | None) -> None:
    found = uow.supply.get(supply_id)
    if found is None:
        raise NotFound(f"no supply line {supply_id!r}")
    if found.status is not SupplyStatus.OPEN:
        raise InvalidRequest("supply_id", f"supply line {supply_id} is {found.status}, not open", ErrorCode.REFUSED)
    raise InvalidRequest(
        "quantity", f"{quantity} is below the {found.received} already received", ErrorCode.OUT_OF_RANGE
    )


def _describe_change(supply: InboundSupply, cancel_reason: str | None) -> str:
    what = f"{supply.kind} {supply.reference} ({supply.sku} at {supply.location_id})"
    if cancel_reason is not None:
        return f"{what} cancelled" + (f": {cancel_reason}" if cancel_reason else "")
    return f"{what} now {supply.quantity} unit(s) expected {supply.expected_at.date().isoformat()}"


def _promise_note(moved: MovedPromise, why: str) -> str:
    line = f"line {moved.backorder.line_no} ({moved.backorder.owed} x {moved.backorder.sku})"
    if moved.after is None:
        return f"{line}: promise withdrawn, no open supply covers it any more; {why}"
    before = moved.before.date().isoformat() if moved.before else "none"
    return f"{line}: promise moved from {before} to {moved.after.date().isoformat()}; {why}"


def listing(
    uow_factory: UnitOfWorkFactory, *, sku: str | None = None, status: SupplyStatus | None = None
) -> list[InboundSupply]:
    return read_only(uow_factory, lambda uow: uow.supply.listing(sku=sku, status=status))


def _supply_json(supply: InboundSupply) -> dict[str, Any]:
    return {
        "id": supply.id,
        "sku": supply.sku,
        "location_id": supply.location_id,
        "quantity": supply.quantity,
        "expected_at": supply.expected_at.isoformat(),
    }
