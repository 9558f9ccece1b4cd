"""The carrier's tracking webhooks, ``POST /v1/webhooks/carrier`` (EasyPost Events: channels/easypost_events.py).

Every delivery is stored raw before anything is decided. One whose ``X-Hmac-Signature`` does not
verify under ``carrier_webhook_secret`` is kept in quarantine with the reason ``invalid_signature``,
never acted on, and answered 401. A signed ``tracker.*`` event goes on its order's timeline once by its
event id (services/tracking.py), a parcel the carrier cannot deliver opening a ``delivery_exception``;
other events (``batch.updated``, ``refund.successful``...) are kept and acknowledged. EasyPost sends
again what is not answered 2xx, so a tracking number we do not know (quarantined, with the field) is
answered 200 as well: retrying would not make it known.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from overture.channels import easypost_events
from overture.channels.signatures import InvalidSignature
from overture.services.capture import keep_apart
from overture.services.errors import PayloadRejected
from overture.services.ports import InboundMessage, MessageStatus, UnitOfWork
from overture.services.retry import in_transaction
from overture.services.tracking import record_tracking
from overture.web.deps import ContainerDep
from overture.web.errors import error_body
from overture.web.intake import inbound
from overture.web.responses import Json

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
security_log = logging.getLogger("overture.security")
_KEPT = ("content-type", "user-agent", easypost_events.SIGNATURE_HEADER)
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Recorded on its order, a redelivery, another event kept, or kept in quarantine"},
    401: {"description": "The signature is missing or wrong: the body is kept in quarantine, nothing is done"},
}


@router.post("/carrier", responses=_RESPONSES)
async def carrier_webhook(request: Request, container: ContainerDep) -> Json:
    """An EasyPost Event; ``tracker.created`` and ``tracker.updated`` are put on their order."""
    body = await request.body()
    message = inbound(request, body, easypost_events.CHANNEL, container.clock, kept_headers=_KEPT)
    secret = container.settings.carrier_webhook_secret
    try:
        signature = request.headers.get(easypost_events.SIGNATURE_HEADER)
        easypost_events.verify(body, signature=signature, secret=secret.get_secret_value() if secret else None)
    except InvalidSignature as error:
        message_id = await run_in_threadpool(keep_apart, container.uow, message, reason="invalid_signature")
        client = request.client.host if request.client else "-"
        security_log.warning("rejected carrier webhook: %s (kept as %s, client=%s)", error.reason, message_id, client)
        text = "the webhook signature could not be verified; kept in quarantine, not acted on"
        return Json(error_body("invalid_signature", text, message_id=message_id), status_code=401)
    if _description(body) not in easypost_events.TRACKER_EVENTS:
        kept = await run_in_threadpool(in_transaction, container.uow, lambda uow: _kept(uow, message))
        return Json({"outcome": "kept", "message_id": kept})
    try:
        outcome = await run_in_threadpool(
            record_tracking, container.uow, message, easypost_events.translate, clock=container.clock
        )
    except PayloadRejected as rejected:
        return Json({"outcome": "quarantined", "message_id": rejected.message_id, "reason": rejected.kind.value})
    return Json(
        {
            "outcome": "recorded" if outcome.recorded else "duplicate",
            "order_id": outcome.order_id,
            "message_id": outcome.message_id,
            "exception_id": outcome.exception_id,
        }
    )


def _description(body: bytes) -> str:
    """The event's kind, read leniently: a body that is not an event is left to the translator to refuse."""
    try:
        data = json.loads(body)
    except ValueError:
        return "tracker.updated"
    return str(data.get("description") or "tracker.updated") if isinstance(data, dict) else "tracker.updated"


def _kept(uow: UnitOfWork, message: InboundMessage) -> str:
    return uow.messages.add(message, status=MessageStatus.ACCEPTED)
