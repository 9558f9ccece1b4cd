"""Seller onboarding: a seller submits its requirements (its own key, /v1/seller/onboarding) or an
operator does it for the seller; the first submission starts its SellerOnboardingWorkflow, a later one
(after a reviewer asked for more) wakes it. Operators decide review cases and tune the risk rules
(services/marketplace/onboarding.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from overture.api.routers.seller_portal import seller_of
from overture.domain.marketplace.onboarding import run_checks
from overture.domain.marketplace.sellers import Seller, missing_requirements
from overture.services.marketplace import onboarding, sellers
from overture.services.retry import read_only
from overture.web.auth import actor_of
from overture.web.deps import ContainerDep
from overture.web.marketplace import case_json
from overture.web.responses import Json
from overture.workflows.order.sellers.starter import SellerWorkflows

router = APIRouter(tags=["marketplace"])
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddressIn(_Strict):
    line1: Line
    line2: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] = ""
    city: Line
    region: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
    country: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2)]


class DocumentIn(_Strict):
    name: Line
    kind: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class OnboardingIn(_Strict):
    """What onboarding asks for; each field may come in its own submission."""

    company_name: Line | None = None
    tax_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] | None = None
    return_address: AddressIn | None = None
    bank_account_ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = (
        None
    )
    documents: Annotated[list[DocumentIn], Field(min_length=1, max_length=50)] | None = None
    attestation: bool | None = None


def _onboarding_json(seller: Seller) -> dict[str, Any]:
    """Where the seller stands and what the automatic checks make of what it gave so far."""
    checks = run_checks(seller.profile)
    return {
        "seller_id": seller.id,
        "status": seller.status.value,
        "missing": missing_requirements(seller.profile),
        "checks": [{"name": c.name, "passed": c.passed, "reason": c.reason} for c in checks],
    }


def _workflows(request: Request) -> SellerWorkflows | None:
    found: SellerWorkflows | None = getattr(request.app.state, "seller_workflows", None)
    return found


async def _submit(request: Request, container: Any, seller_id: str, body: OnboardingIn, actor: str) -> Json:
    given = body.model_dump(exclude_none=True)
    done = await run_in_threadpool(
        onboarding.submit, container.uow, seller_id, given, actor=actor, clock=container.clock
    )
    workflows = _workflows(request)
    if workflows is not None:
        await workflows.submitted(seller_id)
    return Json(_onboarding_json(done.seller))


@router.post("/v1/seller/onboarding", responses={409: {"description": "Under review or decided"}})
async def submit_mine(body: OnboardingIn, request: Request, container: ContainerDep) -> Json:
    """Your onboarding requirements (all at once or a few at a time); the answer lists what is still
    missing and how the automatic checks read what you gave."""
    seller_id = seller_of(request)
    return await _submit(request, container, seller_id, body, actor_of(request) or f"seller {seller_id}")


@router.get("/v1/seller/onboarding")
def my_onboarding(request: Request, container: ContainerDep) -> Json:
    seller_id = seller_of(request)
    return Json(_onboarding_json(read_only(container.uow, lambda uow: sellers.get(uow, seller_id))))


@router.post("/v1/sellers/{seller_id}/onboarding", responses={409: {"description": "Under review or decided"}})
async def submit_for(seller_id: str, body: OnboardingIn, request: Request, container: ContainerDep) -> Json:
    """An operator submits a seller's requirements on its behalf (recorded with the operator's name)."""
    return await _submit(request, container, seller_id, body, actor_of(request) or "api")


class DecisionIn(_Strict):
    action: Annotated[str, StringConstraints(pattern="^(override|confirm|more)$")]
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


@router.post("/v1/marketplace/onboarding/cases/{case_id}/decide", responses={409: {"description": "Decided already"}})
async def decide(case_id: str, body: DecisionIn, request: Request, container: ContainerDep) -> Json:
    """``override`` the checks' doubts (approve), ``confirm`` them (reject) or ask for ``more`` (the
    seller goes back to onboarding and submits again)."""
    case = await run_in_threadpool(
        onboarding.decide,
        container.uow,
        case_id,
        action=body.action,
        actor=actor_of(request) or "api",
        note=body.note,
        clock=container.clock,
    )
    workflows = _workflows(request)
    if workflows is not None:
        await workflows.nudge_onboarding(case.seller_id)
    return Json(case_json(case))


@router.get("/v1/marketplace/onboarding/rules")
def get_rules(container: ContainerDep) -> Json:
    rules = read_only(container.uow, onboarding.load_rules)
    return Json(onboarding.rules_json(rules))


@router.put("/v1/marketplace/onboarding/rules")
async def put_rules(body: dict[str, Any], request: Request, container: ContainerDep) -> Json:
    """Change the risk rules (what is not given keeps its default): auto_approve, allowed_countries,
    required_document_kinds, flagged_sellers, blocked_tax_ids, decision_reminder_days."""
    rules = await run_in_threadpool(
        onboarding.save_rules, container.uow, body, actor=actor_of(request) or "api", clock=container.clock
    )
    return Json(onboarding.rules_json(rules))
