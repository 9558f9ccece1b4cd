"""Point of sale in: a store's POS batch file, and Shopify POS orders (from the Shopify webhook route).

``POST /v1/channels/pos/batches`` takes a POS batch CSV (``channels/pos.py`` documents its columns) and
answers 200 whenever the file was read, even when some receipts were rejected: the body gives each
receipt's outcome and each row's (its receipt, its status, its order, its problems). A file that cannot
be read at all is 422 with every problem; it is kept in quarantine either way.

A Shopify orders/create webhook whose ``source_name`` is ``pos`` is handed here by
``api/routers/storefronts.py`` once its signature is checked: it is recorded as a till's sale at the
store its ``location_id`` maps to (setting ``shopify_locations``), never placed as an online order. A
refunds/create of such an order is a return at the same store (its own receipt, ``refund-<id>``).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from overture.bootstrap import Container
from overture.channels.csv_intake import RowError
from overture.channels.pos import refunded_order_id, translate_shopify_pos, translate_shopify_pos_refund
from overture.channels.pos_import import PosBatchImport, ReceiptOutcome, import_pos_batch
from overture.services.errors import ErrorCode, PayloadRejected
from overture.services.ports import InboundMessage
from overture.services.pos import PosTranslator, pos_order_of, record_pos_sale
from overture.web.deps import ContainerDep
from overture.web.errors import error_body
from overture.web.intake import inbound
from overture.web.responses import Json

router = APIRouter(prefix="/v1/channels/pos", tags=["channels"])
_KEPT_HEADERS = ("content-type", "user-agent", "x-request-id")
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The file was read: each receipt's and each row's outcome (some may be rejected)"},
    422: {"description": "The file could not be read at all (kept in quarantine): every problem"},
}


@router.post("/batches", responses=_RESPONSES)
async def receive_batch(request: Request, container: ContainerDep) -> Json:
    """A POS batch file (text/csv, one row per receipt line; negative quantities are returns)."""
    body = await request.body()
    message = inbound(
        request, body, "pos", container.clock, default_content_type="text/csv", kept_headers=_KEPT_HEADERS
    )
    try:
        result = await run_in_threadpool(
            import_pos_batch,
            container.uow,
            body,
            clock=container.clock,
            content_type=message.content_type,
            headers=message.headers,
        )
    except PayloadRejected as error:
        fields = [{"field": e.field, "code": e.code.value, "reason": e.reason} for e in error.errors]
        detail = error_body(ErrorCode.VALIDATION_FAILED, "the POS file could not be read; nothing was recorded")
        return Json({**detail, "message_id": error.message_id, "errors": fields}, status_code=422)
    return Json(_batch_json(result))


def _batch_json(result: PosBatchImport) -> dict[str, Any]:
    rows = sorted((n, r) for r in result.receipts for n in r.rows)
    return {
        "message_id": result.message_id,
        "complete": result.complete,
        "receipts": [_receipt_json(r) for r in result.receipts],
        "rows": [_row_json(n, r) for n, r in rows],
    }


def _receipt_json(receipt: ReceiptOutcome) -> dict[str, Any]:
    return {
        "store": receipt.location_id,
        "receipt": receipt.receipt_id,
        "rows": list(receipt.rows),
        "status": receipt.status,
        "order_id": receipt.order_id,
        "message_id": receipt.message_id,
        "errors": [_error_json(e) for e in receipt.errors],
        "stock_count_needed": list(receipt.shortfalls),
    }


def _row_json(number: int, receipt: ReceiptOutcome) -> dict[str, Any]:
    mine = [_error_json(e) for e in receipt.errors if e.row == number]
    outcome = "rejected" if mine else receipt.status
    return {
        "row": number,
        "store": receipt.location_id,
        "receipt": receipt.receipt_id,
        "status": outcome,
        "order_id": receipt.order_id,
        "errors": mine,
    }


def _error_json(error: RowError) -> dict[str, Any]:
    return {"row": error.row, "column": error.column, "code": error.code.value, "reason": error.reason}


async def record_shopify_pos_refund(container: Container, message: InboundMessage) -> Json | None:
    """A signed Shopify refunds/create of a POS order: a return at that order's store (units back on its
    shelf, the money refunded), answered as a sale is; None when it refunds no POS order of ours."""
    order_id = refunded_order_id(message.body)
    stores = container.settings.shopify_locations.values()
    if order_id is None or not stores:
        return None
    sold = await run_in_threadpool(pos_order_of, container.uow, order_id, stores)
    if sold is None:
        return None
    store = sold.external_id.split(":", 1)[0]
    translate = partial(translate_shopify_pos_refund, store=store, currency=sold.currency)
    return await _record(container, message, translate)


async def record_shopify_pos(container: Container, message: InboundMessage) -> Json:
    """A signed Shopify POS order (storefronts.py checked it): a till's sale, answered 2xx as every
    outcome a redelivery cannot change (Shopify retries anything else for two days)."""
    translate = partial(translate_shopify_pos, locations=container.settings.shopify_locations)
    return await _record(container, message, translate)


async def _record(container: Container, message: InboundMessage, translate: PosTranslator) -> Json:
    try:
        done = await run_in_threadpool(record_pos_sale, container.uow, message, translate, clock=container.clock)
    except PayloadRejected as error:
        fields = [{"field": e.field, "code": e.code.value, "reason": e.reason} for e in error.errors]
        return Json({"outcome": "quarantined", "message_id": error.message_id, "errors": fields}, status_code=200)
    if not done.created:
        return Json({"outcome": "duplicate", "order_id": done.order_id, "reason": "external_id"}, status_code=200)
    body = {
        "outcome": "created",
        "order_id": done.order_id,
        "status": done.status,
        "channel": "pos",
        "stock_count_needed": list(done.shortfalls),
        "links": {"order": f"/v1/orders/{done.order_id}"},
    }
    return Json(body, status_code=201, headers={"Location": f"/v1/orders/{done.order_id}"})
