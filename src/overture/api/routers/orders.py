"""Orders: idempotent capture and the order's whole story."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ConfigDict, StringConstraints
from starlette.concurrency import run_in_threadpool

from overture.bootstrap import Container
from overture.channels import rest
from overture.domain.commands import PlaceOrder
from overture.services import order_actions, sourcing
from overture.services.capture import CaptureResult, capture_order
from overture.services.errors import NotFound, PayloadError
from overture.services.ports.tax import TaxEngine
from overture.services.tax import RateTable, taxed
from overture.web.auth import actor_of, claimed_note
from overture.web.deps import After, ContainerDep, Limit, workflow_gateway
from overture.web.intake import inbound, wake_dispatcher
from overture.web.responses import Json

router = APIRouter(prefix="/v1/orders", tags=["orders"])

_KEPT_HEADERS = ("content-type", "user-agent", "idempotency-key", "x-request-id")
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Body is not valid JSON (kept in quarantine)"},
    409: {"description": "Idempotency-Key reused with a different body, or order already captured"},
    422: {
        "description": "Schema errors, each with field, code and reason, or refused by a governance rule "
        "(rejected_by_rule); the raw body is kept in quarantine"
    },
}


def _summary(result: CaptureResult) -> dict[str, Any]:
    o = result.order
    return {
        "id": o.id,
        "status": o.status,
        "channel": o.channel,
        "external_id": o.external_id,
        "created_at": o.created_at.isoformat(),
        "exceptions": list(o.exception_types),
        "links": {"self": f"/v1/orders/{o.id}"},
    }


@router.post(
    "",
    status_code=201,
    responses={200: {"description": "Replay of an earlier request with the same Idempotency-Key"}, **_ERRORS},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrderIn"}}},
        }
    },
)
async def place_order(
    request: Request,
    container: ContainerDep,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> Json:
    """Capture an order. The raw body is stored before it is parsed; nothing sent here is lost."""
    message = inbound(request, await request.body(), "rest", container.clock, kept_headers=_KEPT_HEADERS)
    translate = await with_tax(request, container, message.body)
    result = await run_in_threadpool(
        capture_order,
        message,
        translate,
        idempotency_key=idempotency_key,
        uow_factory=container.uow,
        geocoder=container.geocoder,
        clock=container.clock,
    )
    if result.created:
        wake_dispatcher(request)
    status = 201 if result.created else 200
    return Json(_summary(result), status_code=status, headers={"Location": f"/v1/orders/{result.order.id}"})


async def with_tax(request: Request, container: Container, body: bytes) -> Callable[[bytes], PlaceOrder]:
    """The REST translator, with tax per line from the tax engine when the order carries none. Priced
    here, before the capture's transaction opens; a body that does not translate is left to the capture,
    which keeps it in quarantine with its errors."""
    try:
        command = rest.translate(body)
    except PayloadError:
        return rest.translate
    engine: TaxEngine | None = getattr(request.app.state, "tax_engine", None)
    table = RateTable(container.settings.tax_rates)
    taxed_command = await taxed(command, engine or table, fallback=table, today=lambda: container.clock().date())
    return lambda _body: taxed_command


@router.get("")
def list_orders(
    container: ContainerDep,
    limit: Limit = 50,
    after: After = None,
    status: str | None = None,
    channel: str | None = None,
    external_id: str | None = None,
) -> Json:
    """Newest first. Filter by status, channel and the channel's own order id."""
    items = container.views.orders(status=status, channel=channel, external_id=external_id, after=after, limit=limit)
    return Json({"items": items, "next_after": items[-1]["id"] if len(items) == limit else None})


@router.get("/{order_id}")
def get_order(order_id: str, container: ContainerDep) -> Json:
    """The order with lines, reservations, decisions (with reasons), exceptions and a timeline in time order."""
    detail = container.views.order(order_id)
    if detail is None:
        raise NotFound(f"no order {order_id!r}")
    return Json(detail)


@router.get("/{order_id}/routing")
def get_routing(order_id: str, container: ContainerDep) -> Json:
    """How the order was routed: per routing decision, the strategy, the chosen plan, every ranked candidate
    with its cost components, and every rejected one with the constraint that ruled it out."""
    return Json({"order_id": order_id, "decisions": sourcing.routing_decisions(container.uow, order_id)})


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    # Who asks, when the hub requires no keys; with keys the signed-in key is recorded and this is a note.
    actor: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)] | None = None


@router.post("/{order_id}/cancel", responses={409: {"description": "Too late to cancel, or already cancelling"}})
async def cancel_order(order_id: str, body: CancelIn, request: Request, container: ContainerDep) -> Json:
    """Before release: stock is given back at once. After release: the WMS is asked to cancel first,
    and the cancellation is refused if the goods already left. The actor recorded is the signed-in key."""
    actor = actor_of(request) or body.actor
    reason = body.reason + claimed_note(actor_of(request), body.actor)
    # The gateway refuses only when called: an unknown order is a 404 even on a process without the engine.
    outcome = await order_actions.cancel_order(container.views, workflow_gateway(request), order_id, reason, actor)
    status = 200 if outcome.outcome == "cancelled" else 409
    return Json({"order_id": order_id, "outcome": outcome.outcome, "detail": outcome.detail}, status_code=status)
