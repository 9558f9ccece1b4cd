"""After the sale: an order's money, edits and partial cancels before release, refunds, and returns."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from overture.channels.validation import parse_json
from overture.domain.charging import Why
from overture.domain.money import to_minor
from overture.domain.orders import LineEdit
from overture.domain.returns import ExchangePolicy, Outcome, RequestReturn, ReturnLineRequest, ReturnReason, Settlement
from overture.services import order_edits, payments, returns
from overture.services.amendments import Amendment
from overture.services.capture import keep_apart
from overture.services.errors import EngineUnavailable, InvalidRequest, PayloadError, PayloadRejected
from overture.services.money import ledger_of
from overture.services.ports.payments import PaymentGateway
from overture.services.retry import read_only
from overture.web.auth import actor_of
from overture.web.bounds import MAX_LINE
from overture.web.deps import ContainerDep, Limit, workflow_gateway
from overture.web.intake import inbound, wake_dispatcher
from overture.web.money import money_json, preview_json, return_json
from overture.web.responses import Json

router = APIRouter(tags=["after the sale"])
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Units = Annotated[int, Field(strict=True, ge=1, le=1_000_000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


@router.get("/v1/orders/{order_id}/money")
def get_money(order_id: str, container: ContainerDep) -> Json:
    """Per line: charged, discount, tax, shipping, captured, refunded, credited, outstanding; the totals of
    the lines and the order-level entries (the authorisation) reconcile with every entry listed."""
    return Json(money_json(read_only(container.uow, lambda uow: returns.money_view_of(uow, order_id))))


class LineChangeIn(_Strict):
    line_no: Annotated[int, Field(strict=True, ge=1, le=MAX_LINE)]
    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None
    quantity: Units | None = None
    unit_price: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)] | None = None
    add: bool = False
    remove: bool = False


class EditIn(_Strict):
    lines: Annotated[list[LineChangeIn], Field(min_length=1, max_length=1000)]
    reason: Text
    preview: bool = Field(False, description="true: say what the edit would do, change nothing")


@router.post("/v1/orders/{order_id}/edits", responses={409: {"description": "The order is past editing"}})
async def edit_order(order_id: str, body: EditIn, request: Request, container: ContainerDep) -> Json:
    """Add or remove lines, change a quantity, SKU or price: re-priced, re-reserved and re-routed in one
    transaction, the money difference posted. ``preview`` says what it would do (before release). After
    release the warehouse is asked to take the order back first; refused if it cannot (409)."""
    edits = tuple(LineEdit(**line.model_dump()) for line in body.lines)
    actor = actor_of(request) or "api"
    if not body.preview and order_edits.is_released(container.uow, order_id):
        outcome = await order_edits.edit_released(
            container.uow, workflow_gateway(request), order_id, edits, actor=actor, reason=body.reason
        )
        return Json({"order_id": order_id, "applied": True, "detail": outcome.detail, **_money_of(container, order_id)})
    amendment = Amendment(actor, body.reason, "edit", edits)
    run = order_edits.preview_edit if body.preview else order_edits.apply_edit
    result = await run_in_threadpool(
        run, container.uow, order_id, amendment, geocoder=container.geocoder, clock=container.clock
    )
    return Json(preview_json(order_id, result, applied=not body.preview))


class CancelLineIn(_Strict):
    line_no: Annotated[int, Field(strict=True, ge=1, le=MAX_LINE)]
    quantity: Units


class CancelLinesIn(_Strict):
    lines: Annotated[list[CancelLineIn], Field(min_length=1, max_length=1000)]
    reason: Text
    preview: bool = False


@router.post("/v1/orders/{order_id}/cancel-lines", responses={409: {"description": "The order is past editing"}})
async def cancel_lines(order_id: str, body: CancelLinesIn, request: Request, container: ContainerDep) -> Json:
    """Cancel some units of some lines: their stock goes back and the order owes exactly their share.
    After release the warehouse is asked to take the order back first; refused if it cannot (409)."""
    cancels = [(x.line_no, x.quantity) for x in body.lines]
    if not body.preview and order_edits.is_released(container.uow, order_id):
        edits = order_edits.cancel_edits_of(container.uow, order_id, cancels)
        outcome = await order_edits.edit_released(
            container.uow,
            workflow_gateway(request),
            order_id,
            edits,
            actor=actor_of(request) or "api",
            reason=body.reason,
        )
        return Json({"order_id": order_id, "applied": True, "detail": outcome.detail, **_money_of(container, order_id)})
    result = await run_in_threadpool(
        order_edits.cancel_units,
        container.uow,
        order_id,
        [(x.line_no, x.quantity) for x in body.lines],
        actor=actor_of(request) or "api",
        reason=body.reason,
        geocoder=container.geocoder,
        clock=container.clock,
        preview=body.preview,
    )
    return Json(preview_json(order_id, result, applied=not body.preview))


class RefundLineIn(_Strict):
    line_no: Annotated[int, Field(strict=True, ge=1, le=MAX_LINE)]
    amount: Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=6)]


class RefundIn(_Strict):
    lines: Annotated[list[RefundLineIn], Field(min_length=1, max_length=1000)]
    reason: Text
    key: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


@router.post("/v1/orders/{order_id}/refunds", responses={409: {"description": "More than a line captured"}})
async def refund_order(order_id: str, body: RefundIn, request: Request, container: ContainerDep) -> Json:
    """A goodwill refund per line (the goods stay with the customer): never more than a line captured and
    has not given back; ``key`` makes a repeated request refund once."""
    currency = read_only(container.uow, lambda uow: ledger_of(uow, order_id).currency)  # 404 first
    gateway = _payments(request)
    per_line: dict[int, int] = {}
    for n, line in enumerate(body.lines):
        try:
            per_line[line.line_no] = per_line.get(line.line_no, 0) + to_minor(line.amount, currency)
        except ValueError as error:
            raise InvalidRequest(f"lines[{n}].amount", str(error)) from None
    why = Why(f"refund: {body.reason}", actor_of(request) or "api", container.clock())
    owed = payments.goodwill_entries(order_id, currency, per_line, why)
    reference = await payments.refund(
        container.uow, gateway, order_id, key=f"goodwill:{order_id}:{body.key}", per_line=per_line, owed=owed, why=why
    )
    return Json(
        {
            "order_id": order_id,
            "refund": reference,
            "money": money_json(read_only(container.uow, lambda uow: returns.money_view_of(uow, order_id))),
        },
        status_code=201,
    )


def _money_of(container: Any, order_id: str) -> dict[str, Any]:
    return {"money": money_json(read_only(container.uow, lambda uow: returns.money_view_of(uow, order_id)))}


def _payments(request: Request) -> PaymentGateway:
    gateway: PaymentGateway | None = getattr(request.app.state, "payments", None)
    if gateway is None:
        raise EngineUnavailable("no payment provider is configured for this process")
    return gateway


class ReturnLineIn(_Strict):
    line_no: Annotated[int, Field(strict=True, ge=1, le=MAX_LINE)] | None = None
    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None
    quantity: Units
    reason: ReturnReason
    note: Annotated[str, StringConstraints(max_length=2000)] = ""
    exchange_sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None
    exchange_unit_price: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)] | None = None


class ReturnIn(_Strict):
    external_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    lines: Annotated[list[ReturnLineIn], Field(min_length=1, max_length=1000)]
    settlement: Settlement = Settlement.REFUND
    exchange_policy: ExchangePolicy = ExchangePolicy.ON_RECEIPT
    note: Annotated[str, StringConstraints(max_length=2000)] = ""


@router.post("/v1/orders/{order_id}/returns", status_code=201)
async def request_return(order_id: str, request: Request, container: ContainerDep) -> Json:
    """Ask for units of shipped lines back (reason codes, refund / store credit / exchange). The raw
    request is kept; the same ``external_id`` twice is one return (200)."""
    raw = await request.body()
    message = inbound(request, raw, "returns:api", container.clock, kept_headers=("content-type", "user-agent"))
    try:
        body = parse_json(ReturnIn, raw)
    except PayloadError as error:  # kept in quarantine with its fields, answered 422 (400: not JSON)
        message_id = await run_in_threadpool(keep_apart, container.uow, message, reason=error.kind.value)
        raise PayloadRejected(message_id=message_id, kind=error.kind, errors=error.errors) from None
    lines = tuple(ReturnLineRequest(**line.model_dump()) for line in body.lines)
    command = RequestReturn(
        "api",
        body.external_id,
        lines,
        body.settlement,
        order_id=order_id,
        exchange_policy=body.exchange_policy,
        actor=actor_of(request) or "api",
        note=body.note,
    )
    outcome = await run_in_threadpool(
        returns.request_return,
        container.uow,
        command,
        message=message,
        policy=container.settings.return_policy(),
        clock=container.clock,
    )
    if outcome.created:
        wake_dispatcher(request)
    return Json(return_json(outcome.ret), status_code=201 if outcome.created else 200)


@router.get("/v1/returns")
def list_returns(
    container: ContainerDep, limit: Limit = 50, before: str | None = None, status: str | None = None
) -> Json:
    """Newest first; page with ``before`` (the last id of a page)."""
    rows = read_only(container.uow, lambda uow: uow.returns.listing(status=status, limit=limit, before=before))
    items = [_row(r) for r in rows]
    return Json({"items": items, "next_before": items[-1]["id"] if len(items) == limit else None})


def _row(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "order_id": r.order_id,
        "channel": r.channel,
        "status": r.status,
        "settlement": r.settlement,
        "units": r.units,
        "reasons": list(r.reasons),
        "requested_at": r.requested_at.isoformat(),
        "settled_at": None if r.settled_at is None else r.settled_at.isoformat(),
    }


@router.get("/v1/returns/{return_id}")
def get_return(return_id: str, container: ContainerDep) -> Json:
    return Json(return_json(read_only(container.uow, lambda uow: returns.get_return(uow, return_id))))


class ReviewIn(_Strict):
    approve: bool
    note: Annotated[str, StringConstraints(max_length=2000)] = ""


@router.post("/v1/returns/{return_id}/review", responses={409: {"description": "Not awaiting review"}})
async def review(return_id: str, body: ReviewIn, request: Request, container: ContainerDep) -> Json:
    ret = await run_in_threadpool(
        returns.review_return,
        container.uow,
        return_id,
        approve=body.approve,
        actor=actor_of(request) or "api",
        note=body.note,
        clock=container.clock,
    )
    await _nudge(request, return_id)
    return Json(return_json(ret))


class UnitsIn(_Strict):
    line_no: Annotated[int, Field(strict=True, ge=1, le=MAX_LINE)]
    units: Annotated[list[Outcome], Field(min_length=1, max_length=1_000_000)]


class ReceiptIn(_Strict):
    location_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    lines: Annotated[list[UnitsIn], Field(min_length=1, max_length=1000)]


@router.post("/v1/returns/{return_id}/receipt", responses={409: {"description": "Not approved, or settled"}})
async def receive(return_id: str, body: ReceiptIn, request: Request, container: ContainerDep) -> Json:
    """The parcel is in: one inspection outcome per unit (restock, refurbish, scrap)."""
    outcomes = {line.line_no: line.units for line in body.lines}
    ret = await run_in_threadpool(
        returns.receive_return,
        container.uow,
        return_id,
        location_id=body.location_id,
        outcomes=outcomes,
        actor=actor_of(request) or "api",
        clock=container.clock,
    )
    await _nudge(request, return_id)
    return Json(return_json(ret))


class RefurbishedIn(_Strict):
    units: Units


@router.post("/v1/returns/{return_id}/lines/{line_no}/refurbished")
async def refurbished(
    return_id: str, line_no: int, body: RefurbishedIn, request: Request, container: ContainerDep
) -> Json:
    """Units back from refurbishment: sellable again, as the same unit for a serialized SKU."""
    ret = await run_in_threadpool(
        returns.refurbished,
        container.uow,
        return_id,
        line_no,
        units=body.units,
        actor=actor_of(request) or "api",
        clock=container.clock,
    )
    return Json(return_json(ret))


async def _nudge(request: Request, return_id: str) -> None:
    starter = getattr(request.app.state, "return_workflows", None)
    if starter is not None:
        await starter.nudge(return_id)
