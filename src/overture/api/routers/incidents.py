"""Incidents between a customer and a seller: opened on a sub-order's lines by an operator or customer
service, answered by the seller (its own routes under /v1/seller/), escalated, resolved by an operator
with a refund, a replacement or a rejection (services/marketplace/incidents.py). Opening one starts its
IncidentWorkflow (the seller's time to answer); an answer or an escalation wakes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from overture.api.routers.seller_portal import seller_of
from overture.domain.marketplace.incidents import ClaimedLine
from overture.services import incident_settlement
from overture.services.marketplace import incidents
from overture.services.ports.payments import PaymentGateway
from overture.web.auth import actor_of
from overture.web.bounds import MAX_LINE
from overture.web.deps import ContainerDep
from overture.web.marketplace import incident_json
from overture.web.responses import Json
from overture.workflows.order.sellers.starter import SellerWorkflows

router = APIRouter(tags=["incidents"])
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _workflows(request: Request) -> SellerWorkflows | None:
    """None in a process without a workflow engine: the incident is kept, its timer is not started
    (``incidents.escalate_overdue`` is the sweep for that case)."""
    found: SellerWorkflows | None = getattr(request.app.state, "seller_workflows", None)
    return found


def _actor(request: Request) -> str:
    return actor_of(request) or "api"


class ClaimedLineIn(_Strict):
    line_no: Annotated[int, Field(strict=True, ge=1, le=MAX_LINE)]
    quantity: Annotated[int, Field(strict=True, ge=1, le=1_000_000)]


class IncidentIn(_Strict):
    sub_order_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    message: Text
    lines: Annotated[list[ClaimedLineIn], Field(min_length=1, max_length=1000)]


@router.post("/v1/orders/{order_id}/incidents", status_code=201)
async def open_incident(order_id: str, body: IncidentIn, request: Request, container: ContainerDep) -> Json:
    """A customer's claim (not_received, damaged, not_as_described, wrong_item, missing_parts, late) on
    units of one sub-order; the seller has the settings' ``incident_response_hours`` to answer."""
    incident = await run_in_threadpool(
        incidents.open_incident,
        container.uow,
        order_id,
        sub_order_id=body.sub_order_id,
        reason=body.reason,
        message=body.message,
        lines=[ClaimedLine(x.line_no, x.quantity) for x in body.lines],
        actor=_actor(request),
        clock=container.clock,
    )
    workflows = _workflows(request)
    if workflows is not None:
        await workflows.incident_opened(incident.id)
    return Json(incident_json(incident), status_code=201)


@router.get("/v1/incidents")
def list_incidents(container: ContainerDep, status: str | None = None, seller_id: str | None = None) -> Json:
    """Every incident (or those of one ``status``: open, responded, escalated, resolved), oldest first."""
    found = incidents.incidents(container.uow, seller_id=seller_id, status=status or None)
    return Json({"incidents": [incident_json(x) for x in found]})


@router.get("/v1/incidents/{incident_id}")
def get_incident(incident_id: str, container: ContainerDep) -> Json:
    found = incidents.incident(container.uow, incident_id)
    return Json(incident_json(found))


class EscalateIn(_Strict):
    note: Text


@router.post("/v1/incidents/{incident_id}/escalate", responses={409: {"description": "Resolved already"}})
async def escalate(incident_id: str, body: EscalateIn, request: Request, container: ContainerDep) -> Json:
    """The customer (through customer service) or an operator takes it to the operators' queue."""
    done = await run_in_threadpool(
        incidents.escalate, container.uow, incident_id, actor=_actor(request), why=body.note, clock=container.clock
    )
    workflows = _workflows(request)
    if workflows is not None:
        await workflows.nudge_incident(incident_id)
    return Json(incident_json(done))


class ResolveIn(_Strict):
    outcome: Annotated[str, StringConstraints(pattern="^(refund|replace|rejected)$")]
    note: Text


@router.post("/v1/incidents/{incident_id}/resolve", responses={409: {"description": "Resolved otherwise"}})
async def resolve(incident_id: str, body: ResolveIn, request: Request, container: ContainerDep) -> Json:
    """``refund`` the claimed units (a goodwill refund, once however often asked), ``replace`` them (a
    replacement order paid by store credit, made once) or ``rejected`` (no money moves)."""
    gateway: PaymentGateway | None = getattr(request.app.state, "payments", None)
    incident, made = await incident_settlement.resolve(
        container.uow,
        gateway,
        incident_id,
        outcome=body.outcome,
        note=body.note,
        actor=_actor(request),
        geocoder=container.geocoder,
        clock=container.clock,
    )
    workflows = _workflows(request)
    if workflows is not None:
        await workflows.nudge_incident(incident_id)
    key = {"refund": "refund", "replace": "replacement_order_id"}.get(body.outcome, "made")
    return Json({**incident_json(incident), key: made or None})


# ---- the seller's own --------------------------------------------------------------------------
@router.get("/v1/seller/incidents")
def my_incidents(request: Request, container: ContainerDep, status: str | None = None) -> Json:
    seller_id = seller_of(request)
    found = incidents.incidents(container.uow, seller_id=seller_id, status=status or None)
    return Json({"incidents": [incident_json(x) for x in found]})


class RespondIn(_Strict):
    response: Text
    offer: Annotated[str, StringConstraints(pattern="^(refund|replace|reject)$")]


@router.post("/v1/seller/incidents/{incident_id}/respond", responses={409: {"description": "Answered already"}})
async def respond(incident_id: str, body: RespondIn, request: Request, container: ContainerDep) -> Json:
    """Your answer and what you offer (refund, replace or reject); an operator resolves the incident."""
    seller_id = seller_of(request)
    done = await run_in_threadpool(
        incidents.respond,
        container.uow,
        incident_id,
        seller_id=seller_id,
        response=body.response,
        offer=body.offer,
        clock=container.clock,
    )
    workflows = _workflows(request)
    if workflows is not None:
        await workflows.nudge_incident(incident_id)
    return Json(incident_json(done))
