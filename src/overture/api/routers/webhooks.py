"""Inbound webhooks from outside systems."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from overture.channels.wms import translate_shipment
from overture.services.fulfilment import receive_shipment
from overture.services.ports.order_workflow import OrderWorkflowGateway, ShipmentPing
from overture.web.deps import ContainerDep
from overture.web.intake import inbound
from overture.web.responses import Json

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
log = logging.getLogger(__name__)


@router.post("/wms/shipments")
async def wms_shipment(request: Request, container: ContainerDep) -> Json:
    """A WMS/3PL shipment confirmation. Stored raw first; a duplicate delivery changes nothing."""
    message = inbound(request, await request.body(), "wms", container.clock)
    outcome = await run_in_threadpool(
        receive_shipment, container.uow, message, translate_shipment, clock=container.clock
    )
    workflows: OrderWorkflowGateway | None = getattr(request.app.state, "order_workflows", None)
    if outcome.recorded and workflows is not None:
        try:
            ping = ShipmentPing(outcome.location_id, outcome.shipment_id)
            await workflows.shipment_recorded(outcome.order_id, ping)
        except Exception:
            log.warning("could not signal order %s about a shipment", outcome.order_id, exc_info=True)
    return Json({"order_id": outcome.order_id, "recorded": outcome.recorded, "duplicate": not outcome.recorded})
