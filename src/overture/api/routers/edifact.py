"""EDIFACT intake: a partner's interchange in; the orders its ORDERS became (or its ORDCHGs changed),
the ORDRSP, the CONTRL answering it and the APERAK for what could not be acted on, out."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from overture.channels.edifact.intake import CONTENT_TYPE, receive_edifact
from overture.web.deps import ContainerDep
from overture.web.intake import inbound, wake_dispatcher
from overture.web.responses import Json

router = APIRouter(prefix="/v1/channels", tags=["channels"])


@router.post(
    "/edifact",
    responses={
        200: {
            "description": "Per message its verdict, problems and the order it became (or changed); "
            "the ORDRSP, CONTRL and APERAK to send back"
        },
        422: {"description": "Not EDIFACT, or no partner profile for its UNB sender (the file is in quarantine)"},
    },
)
async def receive_edifact_file(request: Request, container: ContainerDep) -> Json:
    """Post a raw EDIFACT interchange. It is stored before it is read; nothing sent here is lost."""
    message = inbound(request, await request.body(), "edifact", container.clock, default_content_type=CONTENT_TYPE)
    receipt = await run_in_threadpool(
        receive_edifact, container.uow, message, geocoder=container.geocoder, clock=container.clock
    )
    if any(m.order_id and not m.duplicate for m in receipt.messages):
        wake_dispatcher(request)
    return Json(
        {
            "message_id": receipt.message_id,
            "partner_id": receipt.partner_id,
            "messages": [asdict(m) for m in receipt.messages],
            "ordrsp": receipt.ordrsp,
            "contrl": receipt.contrl,
            "aperak": receipt.aperak,
        }
    )
