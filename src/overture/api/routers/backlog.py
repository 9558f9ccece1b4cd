"""The backlog: orders on hold for want of stock, planned together (greedy beside CP-SAT) and, on
request, placed as the chosen plan allocated them.

Applying goes through each order's workflow exactly as a person's reroute would (the update
checks the allocation against the store before accepting it, then the workflow places the order
and carries on to release), so an order whose stock or lines changed since the plan is refused
alone and keeps waiting, with the reason in the answer."""

from __future__ import annotations

from fastapi import APIRouter, Request

from overture.services.operator_actions import plan_backlog as plan_and_apply
from overture.web.auth import actor_of
from overture.web.deps import ContainerDep
from overture.web.responses import Json
from overture.web.schemas import PlanIn, backlog_json

router = APIRouter(prefix="/v1", tags=["backlog"])


@router.post("/backlog/plan")
async def plan_backlog(body: PlanIn, request: Request, container: ContainerDep) -> Json:
    """Plan the orders on hold for insufficient stock against the stock available now, greedy
    (order by order, as capture would) beside CP-SAT (the whole backlog at once); with ``apply``,
    place every order the chosen plan fills exactly as it allocated it."""
    workflows = getattr(request.app.state, "order_workflows", None)
    outcome = await plan_and_apply(
        container.uow,
        container.views,
        workflows,
        body.request(),
        actor=actor_of(request) or body.actor,
        geocoder=container.geocoder,
        clock=container.clock,
    )
    return Json(backlog_json(outcome))
