"""Inbound supply: purchase-order lines and transfers expected at a location, and their receipts."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from overture.domain.supply import InboundSupply, SupplyKind, SupplyStatus
from overture.services import supply as use_cases
from overture.services.backorders import Allocated, MovedPromise
from overture.web.auth import ChangedBy
from overture.web.bounds import MAX_UNITS
from overture.web.deps import ContainerDep
from overture.web.responses import Json
from overture.workflows.order.shared import StockPing
from overture.workflows.order.starter import OrderWorkflows
from overture.workflows.order.workflow import OrderWorkflow

router = APIRouter(prefix="/v1", tags=["supply"])
log = logging.getLogger(__name__)
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SupplyLineIn(_Strict):
    kind: SupplyKind = SupplyKind.PURCHASE_ORDER
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    sku: Code
    location_id: Annotated[Code, Field(description="Where the units will arrive")]
    quantity: Annotated[int, Field(strict=True, gt=0, le=MAX_UNITS)]
    expected_at: Annotated[AwareDatetime, Field(description="When the units are expected (with a time zone)")]
    from_location_id: Annotated[Code | None, Field(description="For a transfer: where it comes from")] = None


class SupplyIn(_Strict):
    lines: Annotated[list[SupplyLineIn], Field(min_length=1, max_length=5_000)]


class SupplyReceiptIn(_Strict):
    quantity: Annotated[int, Field(strict=True, gt=0, le=MAX_UNITS)]
    reason: Annotated[str, StringConstraints(max_length=500)] = "receipt"


class SupplyChangeIn(_Strict):
    expected_at: Annotated[AwareDatetime | None, Field(description="When the units are now expected")] = None
    quantity: Annotated[int | None, Field(strict=True, gt=0, le=MAX_UNITS, description="Units now expected in all")] = (
        None
    )


class SupplyCancelIn(_Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


def supply_json(s: InboundSupply) -> dict[str, object]:
    return {
        "id": s.id,
        "kind": s.kind.value,
        "reference": s.reference,
        "sku": s.sku,
        "location_id": s.location_id,
        "from_location_id": s.from_location_id,
        "quantity": s.quantity,
        "received": s.received,
        "outstanding": s.outstanding,
        "expected_at": s.expected_at.isoformat(),
        "status": s.status.value,
        "created_at": s.created_at.isoformat(),
    }


def allocated_json(a: Allocated) -> dict[str, object]:
    return {"completed_orders": list(a.completed), "partly_filled_orders": list(a.partly_filled)}


async def signal_filled(request: Request, order_ids: Iterable[str]) -> None:
    """Tell each completed order's workflow, after the commit, that its stock is reserved.

    A lost signal only delays the order until the workflow's next look at the store."""
    workflows: OrderWorkflows | None = getattr(request.app.state, "order_workflows", None)
    if workflows is None:
        return
    for order_id in order_ids:
        try:
            await workflows.signal(order_id, OrderWorkflow.stock_allocated, StockPing(order_id))
        except Exception:
            log.warning("could not signal order %s about its backorder", order_id, exc_info=True)


@router.post("/supply", status_code=201)
async def announce(body: SupplyIn, container: ContainerDep, actor: ChangedBy) -> Json:
    """Record open purchase-order lines or transfers; backorders of their SKUs get new promise dates."""
    lines = [
        use_cases.SupplyLine(
            line.kind,
            line.reference,
            line.sku,
            line.location_id,
            line.quantity,
            line.expected_at,
            line.from_location_id,
        )
        for line in body.lines
    ]
    created = await run_in_threadpool(use_cases.announce, container.uow, lines, clock=container.clock, actor=actor)
    return Json({"items": [supply_json(s) for s in created]}, status_code=201)


@router.get("/supply")
async def list_supply(container: ContainerDep, sku: str | None = None, status: SupplyStatus | None = None) -> Json:
    """Inbound supply, soonest expected first (of one SKU, in one status, if given)."""
    items = await run_in_threadpool(use_cases.listing, container.uow, sku=sku, status=status)
    return Json({"items": [supply_json(s) for s in items]})


@router.post("/supply/{supply_id}/receipts", status_code=201)
async def receive(
    supply_id: str, body: SupplyReceiptIn, request: Request, container: ContainerDep, actor: ChangedBy
) -> Json:
    """Receive units of a supply line: on hand goes up and backorders are filled, highest priority then oldest first."""
    receipt = await run_in_threadpool(
        partial(use_cases.receive, clock=container.clock, reason=body.reason, actor=actor),
        container.uow,
        supply_id,
        body.quantity,
    )
    await signal_filled(request, receipt.allocated.completed)
    return Json({"supply": supply_json(receipt.supply), **allocated_json(receipt.allocated)}, status_code=201)


@router.patch("/supply/{supply_id}")
async def change(supply_id: str, body: SupplyChangeIn, container: ContainerDep, actor: ChangedBy) -> Json:
    """Move an open line's expected date or change its quantity (not below what came); the
    backorders of its SKU are promised again and each order whose promise moved gets a note."""
    changed = await run_in_threadpool(
        use_cases.change,
        container.uow,
        supply_id,
        expected_at=body.expected_at,
        quantity=body.quantity,
        clock=container.clock,
        actor=actor,
    )
    return Json({"supply": supply_json(changed.supply), "promises_moved": _moved_json(changed.moved)})


@router.post("/supply/{supply_id}/cancel")
async def cancel(supply_id: str, body: SupplyCancelIn, container: ContainerDep, actor: ChangedBy) -> Json:
    """Cancel an open line: the backorders that counted on it are promised from the supply left,
    or lose their promise (with a note on the order saying why) when none covers them."""
    changed = await run_in_threadpool(
        use_cases.change, container.uow, supply_id, cancel_reason=body.reason, clock=container.clock, actor=actor
    )
    return Json({"supply": supply_json(changed.supply), "promises_moved": _moved_json(changed.moved)})


def _moved_json(moved: Iterable[MovedPromise]) -> list[dict[str, object]]:
    return [
        {
            "order_id": m.backorder.order_id,
            "line_no": m.backorder.line_no,
            "before": m.before.isoformat() if m.before else None,
            "after": m.after.isoformat() if m.after else None,
        }
        for m in moved
    ]
