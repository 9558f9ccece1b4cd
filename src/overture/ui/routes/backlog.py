"""The backlog page: orders held for want of stock, planned together (greedy beside CP-SAT), and the
CP-SAT plan applied in one click. Both run the same use case as the API (services/operator_actions.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from overture.domain.exceptions import ExceptionType
from overture.services.errors import ServiceError
from overture.services.operator_actions import plan_backlog
from overture.ui.routes.common import fragment, page, page_router
from overture.ui.session import Actor
from overture.web.deps import ContainerDep
from overture.web.schemas import PlanIn, backlog_json

router = page_router()


@router.get("/backlog", response_class=HTMLResponse)
def backlog_page(request: Request, container: ContainerDep) -> HTMLResponse:
    held = container.views.open_exceptions_by_order(ExceptionType.INSUFFICIENT_STOCK.value)
    return page(request, "backlog.html", {"page": "backlog", "held": len(held)})


@router.post("/backlog/plan", response_class=HTMLResponse)
async def plan(
    request: Request,
    container: ContainerDep,
    actor: Actor,
    time_limit_s: Annotated[str, Form()] = "10",
    apply: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Plan (and with ``apply``, place the CP-SAT plan's orders); the fragment shows both plans and
    what each order's workflow answered."""
    try:
        body = PlanIn.model_validate({"time_limit_s": time_limit_s, "apply": bool(apply), "note": note, "actor": actor})
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        return fragment(request, "_backlog_plan.html", {"error": problems}, status_code=422)
    try:
        workflows = getattr(request.app.state, "order_workflows", None)
        outcome = await plan_backlog(
            container.uow,
            container.views,
            workflows,
            body.request(),
            actor=actor,
            geocoder=container.geocoder,
            clock=container.clock,
        )
        result = backlog_json(outcome)
    except ServiceError as error:
        return fragment(request, "_backlog_plan.html", {"error": str(error)}, status_code=409)
    return fragment(request, "_backlog_plan.html", {"result": result, "time_limit_s": body.time_limit_s})
