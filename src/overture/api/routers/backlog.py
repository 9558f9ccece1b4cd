"""The backlog: orders on hold for want of stock, planned together (greedy beside CP-SAT) and, on
request, placed as the chosen plan allocated them.

Applying goes through each order's workflow exactly as a person's reroute would (the update
checks the allocation against the store before accepting it, then the workflow places the order
and carries on to release), so an order whose stock or lines changed since the plan is refused
alone and keeps waiting, with the reason in the answer."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from overture.api.auth import actor_of
from overture.api.deps import ContainerDep, order_workflows_of
from overture.api.responses import Json
from overture.bootstrap import Container
from overture.domain.backlog import BacklogPlan
from overture.domain.exceptions import ExceptionType
from overture.services.backlog import BacklogComparison, reallocate_backlog
from overture.services.errors import ErrorCode, InvalidRequest, WorkflowRefused
from overture.workflows.order.shared import PlannedUnits, Resolution
from overture.workflows.order.starter import OrderWorkflows
from overture.workflows.order.workflow import OrderWorkflow

router = APIRouter(prefix="/v1", tags=["backlog"])

Solver = Literal["cp-sat", "greedy"]


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time_limit_s: float = Field(10.0, ge=0.1, le=120, description="Seconds for CP-SAT, model building included")
    apply: bool = Field(False, description="Place the orders the chosen plan fills, through their workflows")
    solver: Solver = Field("cp-sat", description="Whose plan to apply")
    note: str = Field("", max_length=500, description="Why, recorded with each order's decision")
    actor: str | None = Field(None, min_length=1, max_length=255, description="Who decided (only when auth is off)")


@router.post("/backlog/plan")
async def plan_backlog(body: PlanIn, request: Request, container: ContainerDep) -> Json:
    """Plan the orders on hold for insufficient stock against the stock available now, greedy
    (order by order, as capture would) beside CP-SAT (the whole backlog at once); with ``apply``,
    place every order the chosen plan fills exactly as it allocated it."""
    actor = actor_of(request) or body.actor
    if body.apply and actor is None:
        raise InvalidRequest("actor", "who decided is required when auth is off", ErrorCode.REQUIRED)
    return Json(await plan_and_apply(request, container, body, actor))


async def plan_and_apply(request: Request, container: Container, body: PlanIn, actor: str | None) -> dict[str, object]:
    """The plans as JSON, and with ``body.apply`` what each filled order's workflow answered (the
    dashboard's too). Planning alone needs no workflow engine."""
    workflows = order_workflows_of(request) if body.apply else None
    held = container.views.open_exceptions_by_order(ExceptionType.INSUFFICIENT_STOCK.value)
    comparison = await run_in_threadpool(_plan, container, list(held), body.time_limit_s)
    answer = _comparison_json(comparison)
    if workflows is not None:
        assert actor is not None
        chosen = comparison.optimised if body.solver == "cp-sat" else comparison.greedy
        answer["applied"] = await _apply(workflows, chosen, held, actor, body.note)
    return answer


def _plan(container: Container, held: list[str], time_limit_s: float) -> BacklogComparison:
    return reallocate_backlog(
        container.uow, held, geocoder=container.geocoder, clock=container.clock, time_limit_s=time_limit_s
    )


async def _apply(
    workflows: OrderWorkflows, plan: BacklogPlan, held: dict[str, str], actor: str, note: str
) -> list[dict[str, str]]:
    """Resolve each filled order's exception with a reroute carrying the plan's allocations, one by one."""
    outcomes = []
    source = f"backlog plan ({plan.solver})"
    for order_id, allocations in sorted(plan.allocations.items()):
        units = [PlannedUnits(a.line_no, a.sku, a.location_id, a.quantity) for a in allocations]
        why = note or f"placed as the {source} allocated it"
        resolution = Resolution(held[order_id], "reroute", actor, why, allocations=units, plan=source)
        outcome = {"order_id": order_id, "exception_id": held[order_id], "status": "accepted", "reason": ""}
        try:
            await workflows.update(order_id, OrderWorkflow.resolve, resolution)
        except WorkflowRefused as refused:
            outcome |= {"status": "refused", "reason": str(refused)}
        outcomes.append(outcome)
    return outcomes


def _comparison_json(comparison: BacklogComparison) -> dict[str, object]:
    backlog = comparison.backlog
    return {
        "orders": len(backlog.orders),
        "units_wanted": backlog.units_wanted,
        "units_in_stock": backlog.units_in_stock,
        "plans": {plan.solver: _plan_json(plan) for plan in (comparison.greedy, comparison.optimised)},
    }


def _plan_json(plan: BacklogPlan) -> dict[str, object]:
    return {
        "status": plan.status,
        "orders_filled": plan.orders_filled,
        "units_filled": plan.units_filled,
        "weighted_fill": plan.weighted_fill,
        "cost": f"{plan.cost_cents / 100:.2f}",
        "splits": plan.splits,
        "solve_seconds": round(plan.solve_seconds, 3),
        "allocations": {
            order_id: [
                {"line_no": a.line_no, "sku": a.sku, "location_id": a.location_id, "quantity": a.quantity}
                for a in chosen
            ]
            for order_id, chosen in sorted(plan.allocations.items())
        },
    }
