"""Amending an order on a person's decision (or a buyer's change order, services/change_requests.py):
edit its lines (SKU, quantity, price; add or delete one), and/or place it at a location the person
chose; then govern, route and reserve it again. Any order not yet released can be amended.

Errors (raised by ``amend_order``, returned as text by ``try_amendment``)::

    domain.orders.OrderError          an edit breaks a line's rule, or the order is past editing
    placement.LocationCannotFill      the chosen location cannot take the whole order

Either way the transaction rolls back: the order, its reservations and its exceptions are as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from overture.domain.charging import Why
from overture.domain.decisions import Decision, DecisionKind
from overture.domain.ids import new_id
from overture.domain.orders import LineAmendment, LineEdit, NotEditable, OrderError, describe_amendment
from overture.domain.routing import Allocation
from overture.domain.statuses import OrderStatus
from overture.services.errors import ErrorCode, FieldError, NotFound
from overture.services.money import post_edit
from overture.services.placement import ChosenLocation, LocationCannotFill, PlannedAllocation, replace_placement
from overture.services.plans import OrderPlan
from overture.services.ports import Clock, Geocoder, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction, read_only


@dataclass(frozen=True, slots=True)
class Amendment:
    """What a person decided: who, why, the line edits and the location (either may be empty)."""

    actor: str
    reason: str
    exception_type: str
    edits: tuple[LineEdit, ...] = ()
    location_id: str | None = None
    exclude_locations: tuple[str, ...] = ()
    # Names this decision (the exception it resolves): a retried activity whose first attempt
    # committed finds it recorded and does not edit and place the order a second time.
    key: str = ""
    # Exactly where a plan for many orders at once put this order's units (``plan`` names it).
    planned: tuple[Allocation, ...] = ()
    plan: str = ""
    # (system, kind, value) kept with the edits: how the buyer knows a line its change order added.
    references: tuple[tuple[str, str, str], ...] = ()


def amend_order(
    uow_factory: UnitOfWorkFactory,
    order_id: str,
    amendment: Amendment,
    *,
    geocoder: Geocoder,
    clock: Clock,
    only_while: frozenset[str] | None = None,
) -> OrderPlan:
    """In one transaction: apply the edits, record the amendment decision, place the order again.

    ``only_while``: the statuses the order must still have, read with its row locked in this very
    transaction. A person's edit is checked before it is made, but the workflow may release the order
    in between; placing it again then would put an order the warehouse already holds back to routed,
    and its shipment could never be recorded (found by the soak run). Raises NotEditable then."""

    def work(uow: UnitOfWork) -> OrderPlan:
        if only_while is not None:
            status = uow.fulfilment.locked_status(order_id)
            if status is None:
                raise NotFound(f"no order {order_id!r}")
            if status not in only_while:
                raise NotEditable(OrderStatus(status))
        return _amend(uow, order_id, amendment, geocoder, clock)

    return in_transaction(uow_factory, work)


class _TrialDone(Exception):
    """Raised to leave a trial's unit of work uncommitted (it rolls back)."""


def try_amendment(
    uow_factory: UnitOfWorkFactory, order_id: str, amendment: Amendment, *, geocoder: Geocoder, clock: Clock
) -> str:
    """Carry the amendment out and roll it back: "" if it would go through now, else why not.

    The very code that will apply it judges it, so a refusal is said before the exception closes."""

    def trial(uow: UnitOfWork) -> None:
        _amend(uow, order_id, amendment, geocoder, clock)
        raise _TrialDone()

    try:
        in_transaction(uow_factory, trial)
    except _TrialDone:
        return ""
    except (OrderError, LocationCannotFill) as error:
        return str(error)
    raise AssertionError("unreachable")  # pragma: no cover


def _amend(uow: UnitOfWork, order_id: str, amendment: Amendment, geocoder: Geocoder, clock: Clock) -> OrderPlan:
    if amendment.key and uow.fulfilment.amended(order_id, amendment.key):
        return _current_plan(uow, order_id)
    order = uow.fulfilment.load_order(order_id)
    if order is None:
        raise NotFound(f"no order {order_id!r}")
    if amendment.edits:
        before = list(order.lines)
        changes = order.amend_lines(list(amendment.edits))
        uow.fulfilment.add_decision(order_id, _decision(changes, amendment, clock))
        why = Why(amendment.exception_type or "edit", amendment.actor, clock())
        post_edit(uow, before, order, why, f"edit:{order_id}:{amendment.key or new_id('edt')}")
        for system, kind, value in amendment.references:
            uow.fulfilment.add_reference(order_id, system, kind, value, clock())
    chosen: ChosenLocation | PlannedAllocation | None = None
    if amendment.planned:
        chosen = PlannedAllocation(amendment.planned, amendment.actor, amendment.plan or "plan")
    elif amendment.location_id:
        chosen = ChosenLocation(amendment.location_id, amendment.actor)
    replace_placement(
        uow,
        order_id,
        geocoder=geocoder,
        clock=clock,
        exclude_locations=amendment.exclude_locations,
        chosen=chosen,
        order=order,
    )
    if amendment.key and not amendment.edits:  # a reroute alone still leaves its mark for retries
        uow.fulfilment.add_decision(order_id, _decision([], amendment, clock))
    return _current_plan(uow, order_id)


def _current_plan(uow: UnitOfWork, order_id: str) -> OrderPlan:
    plan = uow.fulfilment.plan(order_id)
    assert plan is not None
    return plan


def _decision(changes: Sequence[LineAmendment], amendment: Amendment, clock: Clock) -> Decision:
    placed = f"placed at {amendment.location_id}" if amendment.location_id else "placed again"
    if amendment.planned:
        placed = f"placed as the {amendment.plan or 'plan'} allocated it"
    what = "; ".join(describe_amendment(c) for c in changes) or placed
    inputs = {
        "key": amendment.key,
        "actor": amendment.actor,
        "reason": amendment.reason,
        "exception_type": amendment.exception_type,
        "before": [c.before | {"line_no": c.line_no} for c in changes],
        "after": [c.after | {"line_no": c.line_no} for c in changes],
    }
    reason = f"{what}, by {amendment.actor}: {amendment.reason}"
    return Decision(DecisionKind.AMENDMENT, "amended", reason, inputs, at=clock())


# ---- request checks (the API's, before the workflow is asked) -----------------------------------


def check_request(
    uow_factory: UnitOfWorkFactory, order_id: str, edits: Sequence[LineEdit], location_id: str | None
) -> FieldError | None:
    """The first field of an amendment that cannot be right for this order, if any: a line the
    order does not have, a SKU not in the catalogue, a location that is unknown or inactive."""

    def work(uow: UnitOfWork) -> FieldError | None:
        order = uow.fulfilment.load_order(order_id)
        if order is None:
            raise NotFound(f"no order {order_id!r}")
        line_nos = {line.line_no for line in order.lines}
        known = uow.catalog.known_skus({e.sku for e in edits if e.sku})
        for n, edit in enumerate(edits):
            if edit.line_no not in line_nos:
                return FieldError(f"lines[{n}].line_no", ErrorCode.NOT_FOUND, f"the order has no line {edit.line_no}")
            if edit.sku and edit.sku not in known:
                return FieldError(f"lines[{n}].sku", ErrorCode.NOT_FOUND, f"{edit.sku!r} is not in the catalogue")
        if location_id is not None:
            location = uow.sourcing.locations([location_id]).get(location_id)
            if location is None or not location.active:
                why = "is not a location" if location is None else "is not active"
                return FieldError("location_id", ErrorCode.INVALID_VALUE, f"{location_id!r} {why}")
        return None

    return read_only(uow_factory, work)


def fillable_locations(uow_factory: UnitOfWorkFactory, order_id: str) -> set[str]:
    """Active locations whose available stock covers the whole order now: the ones to offer first
    for a reroute (one availability read; units the order itself holds somewhere are not added back,
    so a location may be left out that the placement would still accept)."""

    def work(uow: UnitOfWork) -> set[str]:
        order = uow.fulfilment.load_order(order_id)
        if order is None:
            raise NotFound(f"no order {order_id!r}")
        demand = order.demand()
        return {
            s.location.id
            for s in uow.inventory.availability(set(demand)).stock
            if all(s.available.get(sku, 0) >= n for sku, n in demand.items())
        }

    return read_only(uow_factory, work)
