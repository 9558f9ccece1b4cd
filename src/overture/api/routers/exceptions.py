"""The exception queue and the quarantine of messages that could not be parsed."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from overture.api.auth import actor_of
from overture.api.deps import After, ContainerDep, Limit, OrderWorkflowsDep
from overture.api.responses import Json
from overture.domain.exceptions import ExceptionStatus, ExceptionType
from overture.domain.orders import LineEdit
from overture.services.amendments import check_request
from overture.services.errors import ErrorCode, InvalidRequest, NotFound, WorkflowRefused
from overture.workflows.order.shared import LineChange, Resolution
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


Price = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4, allow_inf_nan=False)]


class LineEditIn(BaseModel):
    """One line to change (``edit``): any of its SKU, quantity and unit price."""

    model_config = ConfigDict(extra="forbid")
    line_no: Annotated[int, Field(ge=1, strict=True)]
    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None
    quantity: Annotated[int, Field(gt=0, le=1_000_000, strict=True)] | None = None
    unit_price: Price | None = None


class UnitPriceIn(BaseModel):
    """A line's new unit price (``override``: the price accepted, with the reason in ``note``)."""

    model_config = ConfigDict(extra="forbid")
    line_no: Annotated[int, Field(ge=1, strict=True)]
    unit_price: Price


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["retry", "cancel", "reroute", "override", "edit"]
    # Kept for compatibility: with auth on, the actor recorded is the key's name and this is ignored.
    actor: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)] | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    lines: Annotated[list[LineEditIn], Field(max_length=1000)] | None = None  # edit
    unit_prices: Annotated[list[UnitPriceIn], Field(max_length=1000)] | None = None  # override
    location_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None

    def changes(self) -> list[LineChange]:
        if self.lines:
            return [
                LineChange(
                    e.line_no, e.sku or "", e.quantity or 0, str(e.unit_price) if e.unit_price is not None else ""
                )
                for e in self.lines
            ]
        return [LineChange(p.line_no, unit_price=str(p.unit_price)) for p in self.unit_prices or []]


def _check_shape(body: ResolveIn) -> None:
    """Fields that go with one action only, and the reason an edit or a price override needs."""
    only_with = {"lines": "edit", "unit_prices": "override", "location_id": "reroute"}
    for name, action in only_with.items():
        if getattr(body, name) is not None and body.action != action:
            raise InvalidRequest(name, f"only with action {action!r}")
    if body.action == "edit" and not body.lines:
        raise InvalidRequest("lines", "an edit names at least one line to change", ErrorCode.REQUIRED)
    for n, edit in enumerate(body.lines or []):
        if edit.sku is None and edit.quantity is None and edit.unit_price is None:
            raise InvalidRequest(f"lines[{n}]", "give a sku, a quantity or a unit_price to change", ErrorCode.REQUIRED)
    numbers = [e.line_no for e in body.lines or body.unit_prices or []]
    if len(set(numbers)) != len(numbers):
        field = "lines" if body.lines else "unit_prices"
        raise InvalidRequest(field, "each line_no at most once")
    if (body.lines or body.unit_prices) and not body.note:
        why = "an edit" if body.lines else "a price override"
        raise InvalidRequest("note", f"the reason for {why} is required", ErrorCode.REQUIRED)


def _check_against_order(container: ContainerDep, order_id: str, body: ResolveIn) -> None:
    edits = [LineEdit(c.line_no, sku=c.sku or None) for c in body.changes()]
    problem = check_request(container.uow, order_id, edits, body.location_id)
    if problem is not None:
        field = problem.field.replace("lines[", "unit_prices[", 1) if body.unit_prices else problem.field
        raise InvalidRequest(field, problem.reason, problem.code)


@router.post("/exceptions/{exception_id}/resolve")
async def resolve_exception(
    exception_id: str, body: ResolveIn, request: Request, container: ContainerDep, workflows: OrderWorkflowsDep
) -> Json:
    """Decide on an exception; the order's workflow resumes (retry, override, edit, reroute) or cancels.

    ``edit`` changes lines (``lines``); ``override`` may set unit prices (``unit_prices``); both need
    a reason (``note``). ``reroute`` may name the location (``location_id``). The workflow tries an
    edit, a price or a location before accepting it: a refusal (409) changes nothing."""
    _check_shape(body)
    exception = container.views.exception(exception_id)
    if exception is None:
        raise NotFound(f"no exception {exception_id!r}")
    if exception["status"] != ExceptionStatus.OPEN:
        raise WorkflowRefused(f"exception {exception_id} was already resolved ({exception['resolution']})")
    actor = actor_of(request) or body.actor
    if actor is None:
        raise InvalidRequest("actor", "who decided is required when auth is off", ErrorCode.REQUIRED)
    if body.lines or body.unit_prices or body.location_id:
        _check_against_order(container, exception["order_id"], body)
    resolution = Resolution(exception_id, body.action, actor, body.note, body.changes(), body.location_id or "")
    await workflows.update(exception["order_id"], OrderWorkflow.resolve, resolution)
    return Json(
        {"exception_id": exception_id, "order_id": exception["order_id"], "action": body.action, "status": "accepted"}
    )
