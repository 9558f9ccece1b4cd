"""The backlog page: orders held for want of stock, planned together (greedy beside CP-SAT), and the
CP-SAT plan applied in one click. Both go through the API's own code (api/routers/backlog.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from overture.api.deps import ContainerDep
from overture.api.routers.backlog import PlanIn, plan_and_apply
from overture.domain.exceptions import ExceptionType
from overture.services.errors import ServiceError
from overture.ui.routes.common import fragment, page, page_router
from overture.ui.session import Actor

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
        result = await plan_and_apply(request, container, body, actor)
    except ServiceError as error:
        return fragment(request, "_backlog_plan.html", {"error": str(error)}, status_code=409)
    return fragment(request, "_backlog_plan.html", {"result": result, "time_limit_s": body.time_limit_s})
