"""EDI intake: a partner's X12 file in; its 997 / 999, the TA1 when due, and the orders it became out."""

from __future__ import annotations

import logging
from dataclasses import asdict

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from overture.bootstrap import edi_sender
from overture.channels.x12.intake import receive_x12
from overture.services.plans import ShipmentOutcome
from overture.web.deps import ContainerDep
from overture.web.intake import inbound, wake_dispatcher
from overture.web.responses import Json
from overture.workflows.order.shared import ExceptionPing, ShipmentPing
from overture.workflows.order.starter import OrderWorkflows
from overture.workflows.order.workflow import OrderWorkflow

router = APIRouter(prefix="/v1/channels", tags=["channels"])
log = logging.getLogger(__name__)


async def _ping_workflows(request: Request, shipments: list[ShipmentOutcome]) -> None:
    """Tell each order's workflow of a drop-ship supplier's shipment, as the WMS webhook does."""
    workflows: OrderWorkflows | None = getattr(request.app.state, "order_workflows", None)
    if workflows is None:
        return
    for shipment in shipments:
        try:
            ping = ShipmentPing(shipment.location_id, shipment.shipment_id)
            await workflows.signal(shipment.order_id, OrderWorkflow.shipment_recorded, ping)
        except Exception:  # the workflow rereads the store when no signal comes
            log.warning("could not signal order %s about a supplier shipment", shipment.order_id, exc_info=True)


async def _tell_of_refusals(request: Request, refusals: list[tuple[str, str]]) -> None:
    """Tell each order's workflow that a supplier refused lines, so it waits for a decision on them."""
    workflows: OrderWorkflows | None = getattr(request.app.state, "order_workflows", None)
    if workflows is None:
        return
    for order_id, exception_id in refusals:
        try:
            await workflows.signal(order_id, OrderWorkflow.exception_opened, ExceptionPing(exception_id))
        except Exception:  # the workflow rereads the store when no signal comes
            log.warning("could not signal order %s about a supplier's refusal", order_id, exc_info=True)


@router.post(
    "/edi",
    responses={
        200: {
            "description": "The 997 / 999 (a TA1 too when the envelope is wrong or asks for one) and, per "
            "transaction set, its verdict and the order it became"
        },
        422: {"description": "Not X12, or no partner profile for its ISA sender (the file is in quarantine)"},
    },
)
async def receive_edi(request: Request, container: ContainerDep) -> Json:
    """Post a raw X12 file. It is stored before it is read; nothing sent here is lost."""
    message = inbound(request, await request.body(), "edi", container.clock, default_content_type="application/edi-x12")
    sender = edi_sender(container.settings)
    receipt = await run_in_threadpool(
        receive_x12,
        container.uow,
        message,
        geocoder=container.geocoder,
        clock=container.clock,
        us=sender,
        return_policy=container.settings.return_policy(),
    )
    if any((t.order_id or t.return_id) and not t.duplicate for t in receipt.transactions):
        wake_dispatcher(request)
    await _ping_workflows(request, [t.shipment for t in receipt.transactions if t.shipment and t.shipment.recorded])
    await _tell_of_refusals(
        request, [(t.order_id, t.exception_id) for t in receipt.transactions if t.order_id and t.exception_id]
    )
    return Json(
        {
            "message_id": receipt.message_id,
            "partner_id": receipt.partner_id,
            "transactions": [asdict(t) for t in receipt.transactions],
            # The functional acknowledgment: 997s for 004010 groups, 999s for 005010 ones; "ack_997" is
            # its first name, kept for callers written before the 999.
            "ack_997": receipt.functional_ack,
            "functional_ack": receipt.functional_ack,
            "functional_ack_kind": receipt.functional_ack_kind,
            "ack_ta1": receipt.ack_ta1,
            "acks_855": receipt.acks_855,
        }
    )
