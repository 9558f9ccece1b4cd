"""The exception queue and the quarantine of messages that could not be parsed."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, StringConstraints

from overture.api.deps import After, ContainerDep, Limit, OrderWorkflowsDep
from overture.api.responses import Json
from overture.domain.exceptions import ExceptionStatus, ExceptionType
from overture.services.errors import NotFound, WorkflowRefused
from overture.workflows.order.shared import Resolution
from overture.workflows.order.workflow import OrderWorkflow

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


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["retry", "cancel", "reroute", "override"]
    actor: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


@router.post("/exceptions/{exception_id}/resolve")
async def resolve_exception(
    exception_id: str, body: ResolveIn, container: ContainerDep, workflows: OrderWorkflowsDep
) -> Json:
    """Decide on an exception; the order's workflow resumes (retry, override, reroute) or cancels."""
    exception = container.views.exception(exception_id)
    if exception is None:
        raise NotFound(f"no exception {exception_id!r}")
    if exception["status"] != ExceptionStatus.OPEN:
        raise WorkflowRefused(f"exception {exception_id} was already resolved ({exception['resolution']})")
    resolution = Resolution(exception_id, body.action, body.actor, body.note)
    await workflows.update(exception["order_id"], OrderWorkflow.resolve, resolution)
    return Json(
        {"exception_id": exception_id, "order_id": exception["order_id"], "action": body.action, "status": "accepted"}
    )
