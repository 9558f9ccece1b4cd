"""Backorders: an order the network cannot fill now waits for inbound supply instead of a person.

At placement (``backorder``) the units in stock are reserved, the short lines are marked with
what they are still owed and a promise date from open supply (``domain.supply.promise``), and
the order waits as BACKORDERED. An order that no expected supply completes is left to the
caller to hold. At a receipt (``allocate_received``), in the receipt's transaction, the units
received go to the backordered lines of the SKU in queue order (priority, then age); an order
whose every line is covered moves BACKORDERED -> RESERVED -> ROUTED, and the promises of the
others are worked out again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from overture.domain.decisions import Decision, DecisionKind
from overture.domain.inventory import InsufficientStock, Reservation
from overture.domain.orders import Order
from overture.domain.routing import Allocation, RoutingPlan
from overture.domain.statuses import LineStatus, OrderStatus
from overture.domain.supply import Backorder, Fill, Promise, fill, promise
from overture.services.errors import ConflictError
from overture.services.ports import Clock, OrderRecord, UnitOfWork

Route = Callable[[Order], RoutingPlan]


def backorder(
    record: OrderRecord, shortage: InsufficientStock, uow: UnitOfWork, clock: Clock, *, route: Route
) -> str | None:
    """Backorder the order (None), or say why it cannot be (the caller holds it and gives the reason)."""
    order = record.order
    short = {s.sku: s.available for s in shortage.shortages}
    serialized = uow.supply.serialized(short)
    if serialized:
        return f"{', '.join(sorted(serialized))} is serialized (one of a kind) and is never backordered"
    owed = _owed_by_line(order, short)
    waiting = [
        Backorder(order.id, n, order.lines[n - 1].sku, q, order.priority, order.created_at) for n, q in owed.items()
    ]
    others = uow.supply.backorders(short, excluding=order.id)
    promises = promise([*others, *waiting], uow.supply.open_for(short))
    uncovered = [b for b in waiting if promises[b.key].at is None]
    if uncovered:
        missing = ", ".join(f"{b.sku} ({b.owed} unit(s) on line {b.line_no})" for b in uncovered)
        return f"no inbound supply expected to cover {missing}"
    trimmed = _trimmed(order, owed)
    plan = None
    if trimmed is not None:
        try:
            plan = route(trimmed)
        except InsufficientStock as error:
            return f"the units in stock cannot be routed now ({error}), so nothing is backordered"
    _reserve_part(record, plan, uow, clock)
    _mark_backordered(record, owed, promises, clock)
    uow.supply.set_promises([(b.order_id, b.line_no, promises[b.key].at) for b in others])
    return None


def _owed_by_line(order: Order, available: dict[str, int]) -> dict[int, int]:
    """Units each line of a short SKU still lacks once the SKU's available units go to its lines in line order."""
    left = dict(available)
    owed = {}
    for line in order.lines:
        if line.sku not in left:
            continue
        take = min(line.quantity, left[line.sku])
        left[line.sku] -= take
        if line.quantity > take:
            owed[line.line_no] = line.quantity - take
    return owed


def _trimmed(order: Order, owed: dict[int, int]) -> Order | None:
    """The order reduced to what can be filled now; None if nothing can."""
    lines = [
        replace(line, quantity=line.quantity - owed.get(line.line_no, 0))
        for line in order.lines
        if line.quantity > owed.get(line.line_no, 0)
    ]
    return replace(order, lines=lines, history=[]) if lines else None


def _reserve_part(record: OrderRecord, plan: RoutingPlan | None, uow: UnitOfWork, clock: Clock) -> None:
    if plan is None:
        return
    d = plan.decision
    record.decisions.append(Decision(d.kind, d.outcome, d.reason, d.inputs, d.alternatives, clock()))
    at = clock()
    record.reservations = uow.inventory.reserve(record.order.id, plan.allocations, at)
    units = sum(a.quantity for a in plan.allocations)
    reason = f"{units} unit(s) in stock reserved at {', '.join(plan.location_ids)}; the rest is backordered"
    inputs = {"allocations": len(plan.allocations)}
    record.decisions.append(Decision(DecisionKind.RESERVATION, "reserved_partly", reason, inputs, at=at))


def _mark_backordered(
    record: OrderRecord, owed: dict[int, int], promises: dict[tuple[str, int], Promise], clock: Clock
) -> None:
    order = record.order
    parts, inputs = [], []
    for line in order.lines:
        if line.line_no not in owed:
            line.status = LineStatus.ALLOCATED
            continue
        p = promises[(order.id, line.line_no)]
        assert p.at is not None and p.supply is not None
        line.status, line.backordered, line.promised_at = LineStatus.BACKORDERED, owed[line.line_no], p.at
        parts.append(
            f"{line.sku} x{line.backordered} (line {line.line_no}) promised {p.at.date().isoformat()} "
            f"from {p.supply.kind} {p.supply.reference} due at {p.supply.location_id}"
        )
        inputs.append(_promise_inputs(line.line_no, line.sku, line.backordered, p))
    reason = "backordered: " + "; ".join(parts)
    order.transition(OrderStatus.BACKORDERED, reason, clock())
    decision_inputs = {"priority": order.priority, "lines": inputs}
    record.decisions.append(Decision(DecisionKind.ROUTING, "backordered", reason, decision_inputs, at=clock()))


def _promise_inputs(line_no: int, sku: str, owed: int, p: Promise) -> dict[str, object]:
    assert p.at is not None and p.supply is not None
    return {
        "line_no": line_no,
        "sku": sku,
        "owed": owed,
        "promised_at": p.at.isoformat(),
        "supply_id": p.supply.id,
        "supply": f"{p.supply.kind}:{p.supply.reference}",
    }


# ---- receipts ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Allocated:
    """What a receipt did for the backorders: the orders it completed and the ones it filled in part."""

    completed: tuple[str, ...] = ()
    partly_filled: tuple[str, ...] = ()


def allocate_received(uow: UnitOfWork, places: Collection[tuple[str, str]], clock: Clock, *, cause: str) -> Allocated:
    """Give the units available at each received (SKU, location) to that SKU's backorders, in queue order.

    Runs in the receipt's transaction. ``cause`` names the receipt in the decisions."""
    skus = {sku for sku, _ in places}
    waiting = {b.key: b for b in uow.supply.backorders(skus)} if skus else {}
    if not waiting:
        return Allocated()
    available = {
        (sku, s.location.id): units
        for s in uow.inventory.availability(skus).stock
        for sku, units in s.available.items()
    }
    by_order: dict[str, list[Allocation]] = defaultdict(list)
    for sku, location_id in sorted(set(places)):
        units = available.get((sku, location_id), 0)
        for f in fill([b for b in waiting.values() if b.sku == sku], units):
            _take(uow, f)
            by_order[f.backorder.order_id].append(Allocation(f.backorder.line_no, sku, location_id, f.quantity))
            waiting[f.backorder.key] = replace(f.backorder, owed=f.backorder.owed - f.quantity)
    # In the order they were first served (queue order), so decisions and signals follow the queue.
    completed = [order_id for order_id, made in by_order.items() if _apply(uow, order_id, made, clock, cause)]
    _refresh_promises(uow, [b for b in waiting.values() if b.owed > 0])
    partly = tuple(order_id for order_id in by_order if order_id not in completed)
    return Allocated(tuple(completed), partly)


def _take(uow: UnitOfWork, f: Fill) -> None:
    b = f.backorder
    if not uow.supply.take_backordered(b.order_id, b.line_no, f.quantity):
        # Another receipt filled this line meanwhile: start over with fresh reads.
        raise ConflictError(f"order {b.order_id} line {b.line_no}: backorder changed while filling it")


def _apply(uow: UnitOfWork, order_id: str, allocations: list[Allocation], clock: Clock, cause: str) -> bool:
    """Reserve the order's share of the receipt; True if that completed the order (it is then routed)."""
    order = uow.fulfilment.load_order(order_id)
    assert order is not None, order_id
    record = OrderRecord(order)
    at = clock()
    record.reservations = uow.inventory.reserve(order_id, allocations, at)
    units = sum(a.quantity for a in allocations)
    for line in order.lines:
        if line.status is LineStatus.BACKORDERED and line.backordered == 0:
            line.status, line.promised_at = LineStatus.ALLOCATED, None
    where = ", ".join(sorted({a.location_id for a in allocations}))
    owed = sum(line.backordered for line in order.lines)
    reason = f"{units} unit(s) reserved at {where} from {cause}" + (f"; {owed} still owed" if owed else "")
    inputs = {"receipt": cause, "allocations": [_allocation_inputs(a) for a in allocations], "still_owed": owed}
    outcome = "backorder_filled" if owed == 0 else "backorder_filled_partly"
    record.decisions.append(Decision(DecisionKind.RESERVATION, outcome, reason, inputs, at=at))
    if owed == 0:
        order.transition(OrderStatus.RESERVED, f"every backordered unit reserved ({cause})", clock())
        routed = f"routed: the backordered units ship from {where}, where {cause} arrived"
        record.decisions.append(Decision(DecisionKind.ROUTING, "routed_from_receipt", routed, inputs, at=clock()))
        order.transition(OrderStatus.ROUTED, routed, clock())
    uow.fulfilment.append(record)
    return owed == 0


def _allocation_inputs(a: Allocation) -> dict[str, object]:
    return {"line_no": a.line_no, "sku": a.sku, "location_id": a.location_id, "quantity": a.quantity}


@dataclass(frozen=True, slots=True)
class MovedPromise:
    """A waiting line whose promise date changed with the supply (None: no open supply covers it)."""

    backorder: Backorder
    before: datetime | None
    after: datetime | None


def _refresh_promises(uow: UnitOfWork, waiting: Iterable[Backorder]) -> list[MovedPromise]:
    """Work the promise date of every line still waiting out again from the supply still open."""
    still = list(waiting)
    if not still:
        return []
    promises = promise(still, uow.supply.open_for({b.sku for b in still}))
    uow.supply.set_promises([(b.order_id, b.line_no, promises[b.key].at) for b in still])
    return [MovedPromise(b, b.promised_at, promises[b.key].at) for b in still if promises[b.key].at != b.promised_at]


def refresh_promises(uow: UnitOfWork, skus: Collection[str]) -> list[MovedPromise]:
    """After supply changed (added, received, cancelled): every waiting line of these SKUs gets its
    promise again; returns the lines whose promise moved."""
    return _refresh_promises(uow, uow.supply.backorders(skus)) if skus else []


def after_backorder_cancelled(uow: UnitOfWork, order_id: str, released: Iterable[Reservation], clock: Clock) -> None:
    """A backordered order was cancelled: its units go to the next in the queue, the others are promised again.

    The orders this completes are routed here; their workflows notice at their next recheck."""
    order = uow.fulfilment.load_order(order_id)
    skus = {line.sku for line in order.lines} if order is not None else set()
    places = {(r.sku, r.location_id) for r in released}
    allocate_received(uow, places, clock, cause=f"units given back by cancelled order {order_id}")
    refresh_promises(uow, skus)
