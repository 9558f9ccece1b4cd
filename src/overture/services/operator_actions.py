"""What a person decides about held orders, once for every entry point: the API's routers and the
dashboard's forms both call these, and only translate HTTP.

A decision goes to the order's workflow, which is waiting for it durably; the workflow checks it
again against what it knows (the action allowed, goods already gone) and may refuse it, which
comes back as ``WorkflowRefused`` with nothing changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Protocol

from overture.domain.backlog import BacklogPlan
from overture.domain.exceptions import ExceptionStatus, ExceptionType
from overture.domain.orders import LineEdit
from overture.services.amendments import check_request
from overture.services.backlog import BacklogComparison, reallocate_backlog
from overture.services.errors import EngineUnavailable, ErrorCode, InvalidRequest, NotFound, WorkflowRefused
from overture.services.ports import Clock, Geocoder, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.order_workflow import LineChange, OrderWorkflowGateway, PlannedUnits, Resolution
from overture.services.retry import in_transaction
from overture.services.returns import review_return

Solver = Literal["cp-sat", "greedy"]


class ExceptionLookup(Protocol):
    def exception(self, exception_id: str) -> Mapping[str, Any] | None: ...

    def open_exceptions_by_order(self, type_: str) -> dict[str, str]: ...


@dataclass(frozen=True, slots=True)
class ExceptionDecision:
    """A person's decision on one exception. ``lines`` go with an edit, ``unit_prices`` (line number,
    price) with an override, ``location_id`` with a reroute; ``actor`` is who is signed in (None only
    with access control off, when the request must name one)."""

    exception_id: str
    action: str
    actor: str | None
    note: str = ""
    lines: tuple[LineChange, ...] | None = None
    unit_prices: tuple[tuple[int, Decimal], ...] | None = None
    location_id: str | None = None

    def changes(self) -> list[LineChange]:
        if self.lines:
            return list(self.lines)
        return [LineChange(line_no, unit_price=str(price)) for line_no, price in self.unit_prices or ()]


@dataclass(frozen=True, slots=True)
class AppliedOrder:
    order_id: str
    exception_id: str
    status: str  # accepted | refused
    reason: str = ""


@dataclass(frozen=True, slots=True)
class BacklogOutcome:
    comparison: BacklogComparison
    applied: list[AppliedOrder] | None  # None: a plan only


async def resolve_exception(
    uow_factory: UnitOfWorkFactory,
    views: ExceptionLookup,
    workflows: OrderWorkflowGateway,
    decision: ExceptionDecision,
    *,
    clock: Clock,
) -> str:
    """Hand the decision to the order's workflow; the order's id. Refused (nothing changed) when it
    is malformed, the exception is unknown or already resolved, or the workflow will not take it.
    A return review is no order's workflow's: override approves the return, cancel rejects it."""
    _check_shape(decision)
    exception = views.exception(decision.exception_id)
    if exception is None:
        raise NotFound(f"no exception {decision.exception_id!r}")
    if exception["status"] != ExceptionStatus.OPEN:
        raise WorkflowRefused(f"exception {decision.exception_id} was already resolved ({exception['resolution']})")
    if decision.actor is None:
        raise InvalidRequest("actor", "who decided is required when auth is off", ErrorCode.REQUIRED)
    order_id = str(exception["order_id"])
    if exception["type"] == ExceptionType.RETURN_REVIEW:
        return _review_return(uow_factory, exception, decision, clock)
    if exception["type"] in (ExceptionType.DELIVERY_EXCEPTION, ExceptionType.STOCK_COUNT):
        return _close_delivery(uow_factory, exception, decision, clock)
    if decision.lines or decision.unit_prices or decision.location_id:
        _check_against_order(uow_factory, order_id, decision)
    resolution = Resolution(
        decision.exception_id,
        decision.action,
        decision.actor,
        decision.note,
        decision.changes(),
        decision.location_id or "",
    )
    await workflows.resolve(order_id, resolution)
    return order_id


def _close_delivery(
    uow_factory: UnitOfWorkFactory, exception: Mapping[str, Any], decision: ExceptionDecision, clock: Clock
) -> str:
    """A parcel's problem, or a store's shelf to count, is dealt with outside the order's run (the carrier,
    the customer, a count and an adjustment): no workflow waits on it, the exception closes as override."""
    kind = str(exception["type"]).replace("_", " ")
    if decision.action != "override":
        raise WorkflowRefused(f"a {kind} is closed as dealt with (override), not {decision.action!r}")
    order_id = str(exception["order_id"])
    actor = decision.actor or "operator"

    def work(uow: UnitOfWork) -> None:
        uow.fulfilment.resolve_exception(str(exception["id"]), "override", actor, decision.note, clock())
        uow.fulfilment.add_note(order_id, f"{kind} dealt with by {actor}: {decision.note}", clock())

    in_transaction(uow_factory, work)
    return order_id


def _review_return(
    uow_factory: UnitOfWorkFactory, exception: Mapping[str, Any], decision: ExceptionDecision, clock: Clock
) -> str:
    if decision.action not in ("override", "cancel"):
        raise WorkflowRefused(f"a return review is approved (override) or rejected (cancel), not {decision.action!r}")
    return_id = str(exception["details"]["return_id"])
    review_return(
        uow_factory,
        return_id,
        approve=decision.action == "override",
        actor=decision.actor or "",
        note=decision.note,
        clock=clock,
    )
    return str(exception["order_id"])


def _check_shape(decision: ExceptionDecision) -> None:
    """Fields that go with one action only, and the reason an edit or a price override needs."""
    only_with = {"lines": "edit", "unit_prices": "override", "location_id": "reroute"}
    for name, action in only_with.items():
        if getattr(decision, name) is not None and decision.action != action:
            raise InvalidRequest(name, f"only with action {action!r}")
    if decision.action == "edit" and not decision.lines:
        raise InvalidRequest("lines", "an edit names at least one line to change", ErrorCode.REQUIRED)
    for n, edit in enumerate(decision.lines or ()):
        if not edit.sku and not edit.quantity and not edit.unit_price:
            raise InvalidRequest(f"lines[{n}]", "give a sku, a quantity or a unit_price to change", ErrorCode.REQUIRED)
    numbers = [e.line_no for e in decision.lines or ()] or [n for n, _ in decision.unit_prices or ()]
    if len(set(numbers)) != len(numbers):
        raise InvalidRequest("lines" if decision.lines else "unit_prices", "each line_no at most once")
    if (decision.lines or decision.unit_prices) and not decision.note:
        why = "an edit" if decision.lines else "a price override"
        raise InvalidRequest("note", f"the reason for {why} is required", ErrorCode.REQUIRED)


def _check_against_order(uow_factory: UnitOfWorkFactory, order_id: str, decision: ExceptionDecision) -> None:
    edits = [LineEdit(c.line_no, sku=c.sku or None) for c in decision.changes()]
    problem = check_request(uow_factory, order_id, edits, decision.location_id)
    if problem is not None:
        field = problem.field.replace("lines[", "unit_prices[", 1) if decision.unit_prices else problem.field
        raise InvalidRequest(field, problem.reason, problem.code)


@dataclass(frozen=True, slots=True)
class BacklogRequest:
    time_limit_s: float = 10.0
    apply: bool = False
    solver: Solver = "cp-sat"
    note: str = ""


async def plan_backlog(
    uow_factory: UnitOfWorkFactory,
    views: ExceptionLookup,
    workflows: OrderWorkflowGateway | None,
    request: BacklogRequest,
    *,
    actor: str | None,
    geocoder: Geocoder,
    clock: Clock,
) -> BacklogOutcome:
    """Plan the orders held for stock (greedy beside CP-SAT) and, with ``request.apply``, place each
    order the chosen plan fills through its workflow, exactly as a person's reroute would: an order
    whose stock changed since is refused alone, with the reason. Planning needs no workflow engine."""
    if request.apply and actor is None:
        raise InvalidRequest("actor", "who decided is required when auth is off", ErrorCode.REQUIRED)
    held = views.open_exceptions_by_order(ExceptionType.INSUFFICIENT_STOCK.value)
    comparison = await asyncio.to_thread(
        reallocate_backlog, uow_factory, list(held), geocoder=geocoder, clock=clock, time_limit_s=request.time_limit_s
    )
    if not request.apply:
        return BacklogOutcome(comparison, None)
    if workflows is None:
        raise EngineUnavailable("the workflow engine is not connected to this API process")
    assert actor is not None
    chosen = comparison.optimised if request.solver == "cp-sat" else comparison.greedy
    return BacklogOutcome(comparison, await _apply(workflows, chosen, held, actor, request.note))


async def _apply(
    workflows: OrderWorkflowGateway, plan: BacklogPlan, held: dict[str, str], actor: str, note: str
) -> list[AppliedOrder]:
    """Resolve each filled order's exception with a reroute carrying the plan's allocations, one by one."""
    outcomes = []
    source = f"backlog plan ({plan.solver})"
    for order_id, allocations in sorted(plan.allocations.items()):
        units = [PlannedUnits(a.line_no, a.sku, a.location_id, a.quantity) for a in allocations]
        why = note or f"placed as the {source} allocated it"
        resolution = Resolution(held[order_id], "reroute", actor, why, allocations=units, plan=source)
        try:
            await workflows.resolve(order_id, resolution)
        except WorkflowRefused as refused:
            outcomes.append(AppliedOrder(order_id, held[order_id], "refused", str(refused)))
        else:
            outcomes.append(AppliedOrder(order_id, held[order_id], "accepted"))
    return outcomes
