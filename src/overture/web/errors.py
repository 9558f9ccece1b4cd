"""Map service errors to HTTP responses with one body shape:

``{"error": {"code": ..., "message": ..., "fields": [{"field", "code", "reason"}], ...}}``
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from overture.channels.validation import error_code, field_path
from overture.domain.inventory import InvalidMovement
from overture.domain.money.ledger import LedgerError
from overture.domain.rules import InvalidScope
from overture.services.errors import (
    ActionRefused,
    AlreadyExists,
    DuplicateOrder,
    EngineUnavailable,
    ErrorCode,
    FieldError,
    IdempotencyConflict,
    InvalidRequest,
    NotFound,
    OrderRejected,
    PayloadRejected,
    WorkflowRefused,
)
from overture.web.htmx_errors import HtmxErrors
from overture.web.responses import Json


def error_body(code: str, message: str, fields: Sequence[FieldError] = (), **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, **extra}
    if fields:
        body["fields"] = [{"field": f.field, "code": f.code.value, "reason": f.reason} for f in fields]
    return {"error": body}


def _payload_rejected(_: Request, error: Exception) -> Json:
    assert isinstance(error, PayloadRejected)
    malformed = error.kind is ErrorCode.MALFORMED_JSON
    message = "the body is not valid JSON" if malformed else "the order failed validation"
    body = error_body(
        error.kind.value, message + "; the raw message is kept in quarantine", error.errors, message_id=error.message_id
    )
    return Json(body, status_code=400 if malformed else 422)


def _order_rejected(_: Request, error: Exception) -> Json:
    assert isinstance(error, OrderRejected)
    rules = [asdict(r) for r in error.rejections]
    message = "the order was refused by governance rules; the raw message is kept in quarantine"
    body = error_body(error.kind.value, message, error.errors, message_id=error.message_id, rules=rules)
    return Json(body, status_code=422)


def _invalid_scope(_: Request, error: Exception) -> Json:
    assert isinstance(error, InvalidScope)
    field = FieldError("scope", ErrorCode.INVALID_VALUE, str(error))
    return Json(error_body(ErrorCode.INVALID_VALUE, str(error), [field]), status_code=422)


def _idempotency_conflict(_: Request, error: Exception) -> Json:
    assert isinstance(error, IdempotencyConflict)
    # No order id: the key's first user may be another caller of the channel, whose order is not theirs to see.
    return Json(error_body(ErrorCode.IDEMPOTENCY_CONFLICT, str(error)), status_code=409)


def _duplicate_order(_: Request, error: Exception) -> Json:
    assert isinstance(error, DuplicateOrder)
    return Json(error_body(ErrorCode.DUPLICATE_ORDER, str(error), order_id=error.order_id), status_code=409)


def _not_found(_: Request, error: Exception) -> Json:
    return Json(error_body(ErrorCode.NOT_FOUND, str(error)), status_code=404)


def _already_exists(_: Request, error: Exception) -> Json:
    return Json(error_body(ErrorCode.ALREADY_EXISTS, str(error)), status_code=409)


def _invalid_request(_: Request, error: Exception) -> Json:
    assert isinstance(error, InvalidRequest)
    return Json(error_body(error.error.code, str(error), [error.error]), status_code=422)


def _invalid_movement(_: Request, error: Exception) -> Json:
    return Json(error_body(ErrorCode.INVENTORY_INVARIANT, str(error)), status_code=409)


def _request_validation(_: Request, error: Exception) -> Json:
    assert isinstance(error, RequestValidationError)
    fields = [FieldError(field_path(tuple(e["loc"])), error_code(e["type"]), e["msg"]) for e in error.errors()]
    return Json(error_body(ErrorCode.VALIDATION_FAILED, "the request failed validation", fields), status_code=422)


# What the framework refuses before a route of ours runs: a body that does not parse, an unknown path,
# a method the path does not take. Said in our one error shape like everything else.
_HTTP_CODES = {
    400: "malformed_body",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "body_too_large",
    415: "unsupported_media_type",
}


def _http_exception(_: Request, error: Exception) -> Json:
    assert isinstance(error, HTTPException)
    code = _HTTP_CODES.get(error.status_code, f"http_{error.status_code}")
    message = error.detail if isinstance(error.detail, str) else "the request was refused"
    return Json(error_body(code, message[:500]), status_code=error.status_code, headers=dict(error.headers or {}))


def _engine_unavailable(_: Request, error: Exception) -> Json:
    return Json(error_body(ErrorCode.ENGINE_UNAVAILABLE, str(error)), status_code=503)


def _workflow_refused(_: Request, error: Exception) -> Json:
    return Json(error_body(ErrorCode.REFUSED, str(error)), status_code=409)


def install_error_handlers(app: FastAPI) -> None:
    # The dashboard's htmx requests get these bodies (and auth's refusals) as readable HTML instead.
    app.add_middleware(HtmxErrors)
    app.add_exception_handler(EngineUnavailable, _engine_unavailable)
    app.add_exception_handler(WorkflowRefused, _workflow_refused)
    app.add_exception_handler(ActionRefused, _workflow_refused)
    app.add_exception_handler(LedgerError, _workflow_refused)
    app.add_exception_handler(PayloadRejected, _payload_rejected)
    app.add_exception_handler(OrderRejected, _order_rejected)
    app.add_exception_handler(InvalidScope, _invalid_scope)
    app.add_exception_handler(IdempotencyConflict, _idempotency_conflict)
    app.add_exception_handler(DuplicateOrder, _duplicate_order)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(AlreadyExists, _already_exists)
    app.add_exception_handler(InvalidRequest, _invalid_request)
    app.add_exception_handler(InvalidMovement, _invalid_movement)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(HTTPException, _http_exception)
