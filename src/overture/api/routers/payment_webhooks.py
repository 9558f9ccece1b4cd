"""The payment provider's webhooks (Stripe's Event format, ``Stripe-Signature`` verified)."""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from overture.channels.stripe_events import SignatureError, parse_event, verify_signature
from overture.services.errors import PayloadRejected
from overture.services.payment_events import record_event
from overture.web.deps import ContainerDep
from overture.web.errors import error_body
from overture.web.intake import inbound
from overture.web.responses import Json

router = APIRouter(tags=["payments"])
security_log = logging.getLogger("overture.security")
_KEPT = ("content-type", "user-agent", "stripe-signature")


@router.post("/v1/webhooks/payments", responses={401: {"description": "Signature missing, stale or wrong"}})
async def payment_event(request: Request, container: ContainerDep) -> Json:
    """A Stripe Event: verified, stored raw, recorded once per event id, checked against the ledger.
    Any answer but 2xx makes Stripe deliver it again, so a body we cannot read is kept and answered 200."""
    body = await request.body()
    try:
        verify_signature(
            body,
            request.headers.get("stripe-signature", ""),
            container.settings.stripe_webhook_secret,
            now=time.time(),
        )
    except SignatureError as error:
        security_log.warning("rejected payment webhook: %s", error)
        return Json(
            error_body("invalid_signature", "the webhook signature could not be verified; nothing was kept"),
            status_code=401,
        )
    message = inbound(request, body, "stripe", container.clock, kept_headers=_KEPT)
    try:
        receipt = await run_in_threadpool(record_event, container.uow, message, parse_event, clock=container.clock)
    except PayloadRejected as rejected:
        return Json({"outcome": "quarantined", "message_id": rejected.message_id}, status_code=200)
    outcome = "duplicate" if receipt.duplicate else ("recorded" if receipt.order_id else "not_ours")
    return Json({"outcome": outcome, "order_id": receipt.order_id, "note": receipt.note})
