"""A seller's own routes (/v1/seller/...), for its seller key only: its offers (JSON rows or a CSV
file, each row applied or refused on its own), its sub-orders (accept or refuse each line, ship with
tracking), its balance, entries and payouts, and holiday mode. The seller is the key's: no route takes
a seller id, so one seller never names another's orders."""

from __future__ import annotations

import csv
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from overture.domain.marketplace.seller_ledger import balance
from overture.domain.marketplace.sub_orders import SubOrderStatus
from overture.domain.money import from_minor
from overture.services.errors import NotFound
from overture.services.marketplace import offers, seller_orders, sellers, shipping
from overture.services.ports.messages import InboundMessage
from overture.services.retry import read_only
from overture.web.auth import current_principal
from overture.web.bounds import MAX_LINE
from overture.web.deps import ContainerDep, workflow_gateway
from overture.web.errors import error_body
from overture.web.marketplace import entry_json, offer_json, payout_json, seller_json, sub_order_json
from overture.web.responses import Json

router = APIRouter(tags=["seller"])
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
MAX_ROWS = 10_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def seller_of(request: Request) -> str:
    principal = current_principal(request)
    seller_id = principal.seller_id if principal is not None else None
    if seller_id is None:  # auth off (local runs): say which seller
        seller_id = request.headers.get("x-seller-id")
    if not seller_id:
        raise NotFound("no seller: use a seller key")
    return seller_id


def _actor(request: Request, seller_id: str) -> str:
    principal = current_principal(request)
    return principal.actor if principal is not None else f"seller {seller_id}"


@router.get("/v1/seller")
def me(request: Request, container: ContainerDep) -> Json:
    seller_id = seller_of(request)
    found = read_only(container.uow, lambda uow: sellers.get(uow, seller_id))
    return Json(seller_json(found, with_profile=True))


@router.get("/v1/seller/offers")
def my_offers(request: Request, container: ContainerDep) -> Json:
    seller_id = seller_of(request)
    found = read_only(container.uow, lambda uow: uow.marketplace.offers_of(seller_id))
    return Json({"offers": [offer_json(o) for o in found]})


class OffersIn(_Strict):
    offers: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=MAX_ROWS)]


@router.post("/v1/seller/offers")
async def put_offers(body: OffersIn, request: Request, container: ContainerDep) -> Json:
    """Create or change offers; a row with a problem is refused with its row, field and reason, the
    others are applied. ``quantity`` is what you can sell now."""
    seller_id = seller_of(request)
    raw = InboundMessage("seller-offers", await request.body(), container.clock())
    report = await run_in_threadpool(
        offers.import_rows,
        container.uow,
        seller_id,
        body.offers,
        actor=_actor(request, seller_id),
        clock=container.clock,
        raw=raw,
    )
    return Json(report.as_json(), status_code=200 if not report.errors else 207)


@router.post("/v1/seller/offers/csv", openapi_extra={"requestBody": {"content": {"text/csv": {}}}})
async def put_offers_csv(request: Request, container: ContainerDep) -> Json:
    """The same as a CSV file (columns: sku, gtin, title, category, price, currency, shipping_price,
    quantity, lead_time_days, min_quantity, max_quantity, active), stored as received first."""
    seller_id = seller_of(request)
    body = await request.body()
    raw = InboundMessage("seller-offers", body, container.clock(), content_type="text/csv")
    try:
        rows = offers.parse_csv(body)
    except (UnicodeDecodeError, ValueError, csv.Error) as error:
        refusal = error_body("invalid_file", f"the file is not readable as an offers CSV: {error}")
        row_errors = [{"row": 0, "field": "file", "reason": str(error)}]
        return Json({**refusal, "created": 0, "updated": 0, "errors": row_errors}, status_code=422)
    report = await run_in_threadpool(
        offers.import_rows,
        container.uow,
        seller_id,
        rows[:MAX_ROWS],
        actor=_actor(request, seller_id),
        clock=container.clock,
        raw=raw,
    )
    return Json(report.as_json(), status_code=200 if not report.errors else 207)


@router.get("/v1/seller/orders")
def my_orders(request: Request, container: ContainerDep, status: SubOrderStatus | None = None) -> Json:
    seller_id = seller_of(request)

    def read(uow: Any) -> list[dict[str, Any]]:
        subs = uow.marketplace.sub_orders_of_seller(seller_id, status=status.value if status else None)
        return [sub_order_json(s, uow.marketplace.lines_of_sub_order(s.id)) for s in subs]

    return Json({"orders": read_only(container.uow, read)})


@router.get("/v1/seller/orders/{sub_order_id}")
def my_order(sub_order_id: str, request: Request, container: ContainerDep) -> Json:
    seller_id = seller_of(request)

    def read(uow: Any) -> dict[str, Any]:
        sub = seller_orders.own(uow, sub_order_id, seller_id)
        return sub_order_json(sub, uow.marketplace.lines_of_sub_order(sub.id))

    return Json(read_only(container.uow, read))


class AnswerIn(_Strict):
    lines: (
        Annotated[list[Annotated[int, Field(strict=True, ge=1, le=MAX_LINE)]], Field(min_length=1, max_length=1000)]
        | None
    ) = None


class RefuseIn(AnswerIn):
    reason: Text


async def _answered(request: Request, answer: seller_orders.Answer) -> Json:
    await workflow_gateway(request).nudge_sub_order(answer.sub_order.id)
    return Json(
        {
            **sub_order_json(answer.sub_order),
            "changed": answer.changed,
            "rerouted_to": answer.rerouted_to,
            "refunded": answer.refunded,
        }
    )


@router.post("/v1/seller/orders/{sub_order_id}/accept", responses={409: {"description": "Already answered"}})
async def accept(sub_order_id: str, body: AnswerIn, request: Request, container: ContainerDep) -> Json:
    """Accept the given lines (all still pending if none are named)."""
    seller_id = seller_of(request)
    answer = await run_in_threadpool(
        seller_orders.accept,
        container.uow,
        sub_order_id,
        seller_id=seller_id,
        actor=_actor(request, seller_id),
        clock=container.clock,
        line_nos=body.lines,
    )
    return await _answered(request, answer)


@router.post("/v1/seller/orders/{sub_order_id}/refuse", responses={409: {"description": "Already answered"}})
async def refuse(sub_order_id: str, body: RefuseIn, request: Request, container: ContainerDep) -> Json:
    """Refuse the given lines (all still pending if none are named), saying why: each goes to the next
    offer, or is refunded to the customer."""
    seller_id = seller_of(request)
    answer = await run_in_threadpool(
        seller_orders.refuse,
        container.uow,
        sub_order_id,
        seller_id=seller_id,
        actor=_actor(request, seller_id),
        reason=body.reason,
        clock=container.clock,
        line_nos=body.lines,
    )
    return await _answered(request, answer)


class ShipIn(_Strict):
    carrier: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    tracking_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


@router.post("/v1/seller/orders/{sub_order_id}/ship", responses={409: {"description": "Not every line answered"}})
async def ship(sub_order_id: str, body: ShipIn, request: Request, container: ContainerDep) -> Json:
    """Ship the accepted lines with their tracking number (a repeated call changes nothing)."""
    seller_id = seller_of(request)
    done = await run_in_threadpool(
        shipping.ship,
        container.uow,
        sub_order_id,
        seller_id=seller_id,
        carrier=body.carrier,
        tracking_number=body.tracking_number,
        actor=_actor(request, seller_id),
        clock=container.clock,
    )
    await workflow_gateway(request).nudge_sub_order(sub_order_id)
    return Json(
        {
            **sub_order_json(done.sub_order),
            "recorded": done.recorded,
            "late": done.late,
            "tracking_valid": done.tracking_valid,
        }
    )


@router.get("/v1/seller/balance")
def my_balance(request: Request, container: ContainerDep) -> Json:
    """The balance (the sum of the entries), the entries, newest first, and the payouts."""
    seller_id = seller_of(request)

    def read(uow: Any) -> dict[str, Any]:
        seller = sellers.get(uow, seller_id)
        entries = uow.marketplace.entries(seller_id)
        return {
            "balance": str(from_minor(balance(entries), seller.currency)),
            "currency": seller.currency,
            "entries": [entry_json(e) for e in reversed(entries[-500:])],
            "payouts": [payout_json(p) for p in uow.marketplace.payouts(seller_id)],
        }

    return Json(read_only(container.uow, read))


class HolidayIn(_Strict):
    on: bool


@router.post("/v1/seller/holiday")
async def holiday(body: HolidayIn, request: Request, container: ContainerDep) -> Json:
    """Away (``on``): your offers win nothing until you are back; orders you have are still yours."""
    seller_id = seller_of(request)
    found = await run_in_threadpool(
        sellers.set_holiday, container.uow, seller_id, body.on, actor=_actor(request, seller_id), clock=container.clock
    )
    return Json(seller_json(found))
