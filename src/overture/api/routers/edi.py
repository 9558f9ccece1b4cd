"""EDI intake: a partner's X12 file in, the 997 and the orders it became out."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from overture.api.deps import ContainerDep
from overture.api.responses import Json
from overture.channels.x12.documents import Sender
from overture.channels.x12.intake import receive_x12
from overture.config import Settings
from overture.services.ports import InboundMessage

router = APIRouter(prefix="/v1/channels", tags=["channels"])


def edi_sender(settings: Settings) -> Sender:
    return Sender(settings.x12_sender_qualifier, settings.x12_sender_id, settings.gs1_company_prefix)


@router.post(
    "/edi",
    responses={
        200: {"description": "The 997 and, per transaction set, its verdict and the order it became"},
        422: {"description": "Not X12, or no partner profile for its ISA sender (the file is in quarantine)"},
    },
)
async def receive_edi(request: Request, container: ContainerDep) -> Json:
    """Post a raw X12 file. It is stored before it is read; nothing sent here is lost."""
    message = InboundMessage(
        channel="edi",
        body=await request.body(),
        received_at=container.clock(),
        content_type=request.headers.get("content-type", "application/edi-x12"),
    )
    sender = edi_sender(container.settings)
    receipt = await run_in_threadpool(
        receive_x12, container.uow, message, geocoder=container.geocoder, clock=container.clock, us=sender
    )
    if any(t.order_id and not t.duplicate for t in receipt.transactions):
        wake = getattr(request.app.state, "on_order_placed", None)
        if wake is not None:
            wake()
    return Json(
        {
            "message_id": receipt.message_id,
            "partner_id": receipt.partner_id,
            "transactions": [asdict(t) for t in receipt.transactions],
            "ack_997": receipt.ack_997,
            "acks_855": receipt.acks_855,
        }
    )
