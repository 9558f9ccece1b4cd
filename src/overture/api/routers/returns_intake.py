"""Returns asked for through a returns platform: Loop Returns' webhooks, ``POST /v1/channels/loop/webhooks``.

Every delivery is stored raw before anything is decided, even one whose ``X-Loop-Signature`` does
not verify (base64 HMAC-SHA256 of the body under ``loop_webhook_secret``): that one is kept in
quarantine with the reason ``invalid_signature``, never acted on, and answered 401, so a secret set
wrong on either side loses nothing. A signed delivery then goes by its trigger:

- ``return.created``: translated (``channels/loop_returns.py``) and asked through
  ``services/returns.request_return`` with the raw body as its message. Loop's return id is the
  return's external id, so the same delivery twice is one return: 201 the first time, 200 after.
- every other trigger (``return.updated``, ``return.closed``, or another topic sent here) is stored,
  linked to the order when the return is known, and answered 200 with nothing else done: what becomes
  of a return here (received, inspected, settled) is decided by its own workflow, not by Loop's state.

Loop delivers again what is not answered 2xx, so every outcome a retry cannot change is a 200: a
body we cannot read, an order we do not know, lines that cannot be returned. Each is kept in
quarantine with the reason and the fields, for a person to look at.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from overture.bootstrap import Container
from overture.channels import loop_returns
from overture.channels.signatures import InvalidSignature, verify
from overture.services import returns
from overture.services.capture import keep_apart
from overture.services.errors import ActionRefused, ErrorCode, FieldError, InvalidRequest, NotFound, PayloadError
from overture.services.ports import InboundMessage, MessageStatus, UnitOfWork
from overture.services.retry import in_transaction
from overture.web.deps import ContainerDep
from overture.web.errors import error_body
from overture.web.intake import inbound, wake_dispatcher
from overture.web.money import return_json
from overture.web.responses import Json

router = APIRouter(prefix="/v1/channels", tags=["channels"])
log = logging.getLogger(__name__)
security_log = logging.getLogger("overture.security")

INVALID_SIGNATURE = "invalid_signature"
_KEPT = ("content-type", "user-agent", loop_returns.SIGNATURE_HEADER)
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "A redelivery, a trigger recorded only, or a body kept in quarantine with the reason"},
    201: {"description": "The return was asked for (approved at once, or waiting for review)"},
    401: {"description": "The signature is missing or wrong: the body is kept in quarantine, nothing is done"},
}


@router.post("/loop/webhooks", status_code=201, responses=_RESPONSES)
async def loop_webhook(request: Request, container: ContainerDep) -> Json:
    """A Loop Returns webhook (topic ``return``): ``return.created`` asks for the return."""
    body = await request.body()
    message = inbound(request, body, loop_returns.CHANNEL, container.clock, kept_headers=_KEPT)
    secret = container.settings.loop_webhook_secret
    try:
        signature = request.headers.get(loop_returns.SIGNATURE_HEADER)
        verify(body, signature=signature, secret=secret.get_secret_value() if secret else None)
    except InvalidSignature as error:
        message_id = await run_in_threadpool(keep_apart, container.uow, message, reason=INVALID_SIGNATURE)
        return _unauthorized(request, error.reason, message_id)
    try:
        event = loop_returns.describe(body)
    except PayloadError as error:
        return await _quarantined(container, message, error.kind.value, error.errors)
    if event.trigger != loop_returns.CREATE_TRIGGER:
        return await _record(container, message, event)
    return await _request(request, container, message)


def _unauthorized(request: Request, reason: str, message_id: str) -> Json:
    client = request.client.host if request.client else "-"
    security_log.warning("rejected Loop webhook: %s (kept as %s, client=%s)", reason, message_id, client)
    message = "the webhook signature could not be verified; kept in quarantine, not acted on"
    body = error_body(INVALID_SIGNATURE, message, message_id=message_id)
    return Json(body, status_code=401)


async def _record(container: Container, message: InboundMessage, event: loop_returns.LoopEvent) -> Json:
    """A trigger we do not act on: kept (with the order, when the return is one of ours) and acknowledged."""

    def work(uow: UnitOfWork) -> tuple[str, str | None]:
        found = uow.returns.find(loop_returns.CHANNEL, event.return_id)
        ret = None if found is None else uow.returns.get(found)
        order_id = None if ret is None else ret.order_id
        return uow.messages.add(message, status=MessageStatus.ACCEPTED, order_id=order_id), order_id

    message_id, order_id = await run_in_threadpool(in_transaction, container.uow, work)
    log.info("Loop %s for return %s stored as %s; nothing else to do", event.trigger, event.return_id, message_id)
    body = {"outcome": "recorded", "trigger": event.trigger, "order_id": order_id, "message_id": message_id}
    return Json(body, status_code=200)


async def _request(request: Request, container: Container, message: InboundMessage) -> Json:
    try:
        command = loop_returns.translate(message.body)
        outcome = await run_in_threadpool(
            returns.request_return,
            container.uow,
            command,
            message=message,
            policy=container.settings.return_policy(),
            clock=container.clock,
        )
    except PayloadError as error:
        return await _quarantined(container, message, error.kind.value, error.errors)
    except InvalidRequest as error:
        return await _quarantined(container, message, ErrorCode.VALIDATION_FAILED.value, [error.error])
    except (NotFound, ActionRefused) as error:
        return await _quarantined(container, message, "not_returnable", [FieldError("body", _code(error), str(error))])
    except Exception:
        await run_in_threadpool(keep_apart, container.uow, message, reason="return_failed")
        raise
    if not outcome.created:
        await run_in_threadpool(_keep_duplicate, container, message, outcome.ret.order_id)
        return Json({"outcome": "duplicate", **return_json(outcome.ret)}, status_code=200)
    wake_dispatcher(request)
    return Json({"outcome": "created", **return_json(outcome.ret)}, status_code=201)


def _code(error: Exception) -> ErrorCode:
    return ErrorCode.NOT_FOUND if isinstance(error, NotFound) else ErrorCode.INVALID_VALUE


def _keep_duplicate(container: Container, message: InboundMessage, order_id: str) -> None:
    """A redelivery is kept too (request_return keeps only the first), marked as the repeat it is."""
    in_transaction(
        container.uow, lambda uow: uow.messages.add(message, status=MessageStatus.DUPLICATE, order_id=order_id)
    )


async def _quarantined(container: Container, message: InboundMessage, kind: str, errors: list[FieldError]) -> Json:
    def work(uow: UnitOfWork) -> str:
        message_id = uow.messages.add(message, status=MessageStatus.QUARANTINED)
        uow.messages.settle(message_id, MessageStatus.QUARANTINED, reason=kind, errors=errors)
        return message_id

    message_id = await run_in_threadpool(in_transaction, container.uow, work)
    log.warning("Loop webhook kept in quarantine as %s: %s", message_id, kind)
    fields = [{"field": e.field, "code": e.code.value, "reason": e.reason} for e in errors]
    return Json({"outcome": "quarantined", "message_id": message_id, "errors": fields}, status_code=200)
