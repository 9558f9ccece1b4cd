"""The exception queue and the quarantine of messages that could not be parsed."""

from __future__ import annotations

from fastapi import APIRouter, Request

from overture.domain.exceptions import ExceptionStatus, ExceptionType
from overture.services import operator_actions
from overture.web.auth import actor_of
from overture.web.deps import After, ContainerDep, Limit, workflow_gateway
from overture.web.responses import Json
from overture.web.schemas import ResolveIn

router = APIRouter(prefix="/v1", tags=["exceptions"])


@router.get("/exceptions")
def list_exceptions(
    container: ContainerDep,
    limit: Limit = 50,
    after: After = None,
    status: ExceptionStatus | None = ExceptionStatus.OPEN,
    type: ExceptionType | None = None,  # noqa: A002 - the public query parameter is called "type"
) -> Json:
    """Open exceptions by default, newest first."""
    items = container.views.exceptions(
        status=status.value if status else None, type_=type.value if type else None, after=after, limit=limit
    )
    return Json({"items": items, "next_after": items[-1]["id"] if len(items) == limit else None})


@router.get("/quarantine")
def list_quarantine(container: ContainerDep, limit: Limit = 50, after: After = None) -> Json:
    """Inbound messages that could not be parsed, with the raw body and every error."""
    items = container.views.quarantine(after=after, limit=limit)
    return Json({"items": items, "next_after": items[-1]["id"] if len(items) == limit else None})


@router.post("/exceptions/{exception_id}/resolve")
async def resolve_exception(exception_id: str, body: ResolveIn, request: Request, container: ContainerDep) -> Json:
    """Decide on an exception; the order's workflow resumes (retry, override, edit, reroute) or cancels.

    ``edit`` changes lines (``lines``); ``override`` may set unit prices (``unit_prices``); both need
    a reason (``note``). ``reroute`` may name the location (``location_id``). The workflow tries an
    edit, a price or a location before accepting it: a refusal (409) changes nothing."""
    decision = body.decision(exception_id, actor_of(request))
    order_id = await operator_actions.resolve_exception(
        container.uow, container.views, workflow_gateway(request), decision, clock=container.clock
    )
    return Json({"exception_id": exception_id, "order_id": order_id, "action": body.action, "status": "accepted"})
