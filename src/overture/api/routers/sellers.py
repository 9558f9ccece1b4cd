"""The operator's marketplace routes: sellers (register, status, holiday, their scorecard and cases),
offers on a seller's behalf, commission rules, settings, manual entries and payouts."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from overture.domain.ids import new_id
from overture.domain.marketplace.commission import CommissionRule, CommissionTerms
from overture.domain.marketplace.sellers import SellerStatus
from overture.domain.money import is_currency
from overture.services.errors import ErrorCode, InvalidRequest
from overture.services.marketplace import governance, offers, seller_ledger, sellers, settings
from overture.services.ports.messages import InboundMessage
from overture.services.retry import read_only
from overture.web.auth import actor_of
from overture.web.bounds import MAX_MINOR
from overture.web.deps import ContainerDep
from overture.web.marketplace import case_json, entry_json, payout_json, scorecard_json, seller_json
from overture.web.responses import Json

router = APIRouter(tags=["marketplace"])
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _actor(request: Request) -> str:
    return actor_of(request) or "api"


class SellerIn(_Strict):
    id: Id
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3)] = "USD"
    profile: dict[str, Any] = Field(default_factory=dict)
    postal_code: str = ""
    country: Annotated[str, StringConstraints(min_length=2, max_length=2)] = "US"
    partner_id: str | None = None


@router.post("/v1/sellers", status_code=201)
async def register(body: SellerIn, request: Request, container: ContainerDep) -> Json:
    """A new seller (pending onboarding) with its own stock location."""
    found = await run_in_threadpool(
        sellers.register,
        container.uow,
        body.id,
        body.name,
        currency=body.currency.upper(),
        profile=body.profile,
        postal_code=body.postal_code,
        country=body.country.upper(),
        partner_id=body.partner_id,
        actor=_actor(request),
        clock=container.clock,
    )
    return Json(seller_json(found, with_profile=True), status_code=201)


@router.get("/v1/sellers")
def list_sellers(container: ContainerDep) -> Json:
    """Every seller with its balance and scorecard over the rolling window."""

    def read(uow: Any) -> list[dict[str, Any]]:
        now, balances = container.clock(), uow.marketplace.balances()
        return [
            {
                **seller_json(s),
                "balance_minor": balances.get(s.id, 0),
                "scorecard": scorecard_json(governance.scorecard(uow, s.id, now)),
            }
            for s in uow.marketplace.sellers()
        ]

    return Json({"sellers": read_only(container.uow, read)})


@router.get("/v1/sellers/{seller_id}")
def get_seller(seller_id: str, container: ContainerDep) -> Json:
    def read(uow: Any) -> dict[str, Any]:
        seller = sellers.get(uow, seller_id)
        entries = uow.marketplace.entries(seller_id)
        return {
            **seller_json(seller, with_profile=True),
            "balance_minor": sum(e.amount_minor for e in entries),
            "scorecard": scorecard_json(governance.scorecard(uow, seller_id, container.clock())),
            "cases": [case_json(c) for c in uow.marketplace.cases(seller_id=seller_id, status=None)],
            "payouts": [payout_json(p) for p in uow.marketplace.payouts(seller_id)],
            "entries": [entry_json(e) for e in reversed(entries[-200:])],
        }

    return Json(read_only(container.uow, read))


class StatusIn(_Strict):
    status: SellerStatus
    note: Text


@router.post("/v1/sellers/{seller_id}/status", responses={409: {"description": "Not a move its status allows"}})
async def set_status(seller_id: str, body: StatusIn, request: Request, container: ContainerDep) -> Json:
    """Approve, reject, suspend, reinstate or terminate, saying why (kept in the change log)."""
    found = await run_in_threadpool(
        sellers.set_status,
        container.uow,
        seller_id,
        body.status,
        actor=_actor(request),
        note=body.note,
        clock=container.clock,
    )
    return Json(seller_json(found))


class HolidayIn(_Strict):
    on: bool


@router.post("/v1/sellers/{seller_id}/holiday")
async def holiday(seller_id: str, body: HolidayIn, request: Request, container: ContainerDep) -> Json:
    found = await run_in_threadpool(
        sellers.set_holiday, container.uow, seller_id, body.on, actor=_actor(request), clock=container.clock
    )
    return Json(seller_json(found))


class OffersIn(_Strict):
    offers: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=10_000)]


@router.post("/v1/sellers/{seller_id}/offers")
async def put_offers(seller_id: str, body: OffersIn, request: Request, container: ContainerDep) -> Json:
    """A seller's offers, as the seller would send them (per-row errors; 207 when some were refused)."""
    raw = InboundMessage("seller-offers", await request.body(), container.clock())
    report = await run_in_threadpool(
        offers.import_rows, container.uow, seller_id, body.offers, actor=_actor(request), clock=container.clock, raw=raw
    )
    return Json(report.as_json(), status_code=200 if not report.errors else 207)


@router.post("/v1/sellers/{seller_id}/review")
async def review(seller_id: str, container: ContainerDep) -> Json:
    """Score the seller now and warn or suspend as its rates say (done after each sub-order anyway)."""
    done = await run_in_threadpool(governance.review, container.uow, seller_id, clock=container.clock)
    return Json({"seller_id": done.seller_id, "score": done.score, "warned": done.warned, "suspended": done.suspended})


class EntryIn(_Strict):
    kind: Annotated[str, StringConstraints(pattern="^(MANUAL_CREDIT|MANUAL_INVOICE)$")]
    amount_minor: Annotated[int, Field(strict=True, ge=1, le=MAX_MINOR)]
    reason: Text


@router.post("/v1/sellers/{seller_id}/entries", status_code=201)
async def manual_entry(seller_id: str, body: EntryIn, request: Request, container: ContainerDep) -> Json:
    entry = await run_in_threadpool(
        seller_ledger.manual_entry,
        container.uow,
        seller_id,
        kind=body.kind,
        amount_minor=body.amount_minor,
        reason=body.reason,
        actor=_actor(request),
        clock=container.clock,
    )
    return Json(entry_json(entry), status_code=201)


@router.post("/v1/marketplace/payouts")
async def run_payouts(container: ContainerDep) -> Json:
    """Pay every seller what is due: past the hold, at least the minimum, never from a negative balance."""
    made = await run_in_threadpool(seller_ledger.run_payouts, container.uow, clock=container.clock)
    return Json({"payouts": [payout_json(p) for p in made]})


@router.get("/v1/marketplace/settings")
def get_settings(container: ContainerDep) -> Json:
    return Json(read_only(container.uow, settings.load).as_json())


@router.put("/v1/marketplace/settings")
async def put_settings(body: dict[str, Any], request: Request, container: ContainerDep) -> Json:
    """Replace the settings (fields left out take their defaults); refused with the field named."""
    parsed = settings.parse(body)
    await run_in_threadpool(settings.save, container.uow, parsed, clock=container.clock, actor=_actor(request))
    return Json(parsed.as_json())


class RuleIn(_Strict):
    scope: Annotated[str, StringConstraints(pattern="^(default|channel|category|seller)$")]
    value: str = ""
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3)]
    percent: Annotated[Decimal, Field(ge=0, le=100)] = Decimal(0)
    flat_minor: Annotated[int, Field(strict=True, ge=0, le=MAX_MINOR)] = 0
    min_minor: Annotated[int, Field(strict=True, ge=0, le=MAX_MINOR)] | None = None
    max_minor: Annotated[int, Field(strict=True, ge=0, le=MAX_MINOR)] | None = None
    fee_tax_percent: Annotated[Decimal, Field(ge=0, le=100)] = Decimal(0)
    include_shipping: bool = False
    priority: Annotated[int, Field(ge=-1000, le=1000)] = 0


@router.post("/v1/marketplace/commission-rules", status_code=201)
async def add_rule(body: RuleIn, request: Request, container: ContainerDep) -> Json:
    """A commission rule; it applies to lines sold from now on (sold ones keep the terms they were sold on)."""
    if not is_currency(body.currency.upper()):
        raise InvalidRequest("currency", f"{body.currency!r} is not an ISO 4217 currency", ErrorCode.UNKNOWN_CURRENCY)
    if body.scope != "default" and not body.value.strip():
        raise InvalidRequest("value", f"a {body.scope} rule names its {body.scope}", ErrorCode.REQUIRED)
    if body.min_minor is not None and body.max_minor is not None and body.max_minor < body.min_minor:
        raise InvalidRequest("max_minor", "is below min_minor", ErrorCode.OUT_OF_RANGE)
    rule_id = new_id("cr")
    terms = CommissionTerms(
        rule_id,
        body.percent,
        body.flat_minor,
        body.min_minor,
        body.max_minor,
        body.fee_tax_percent,
        body.include_shipping,
    )
    rule = CommissionRule(rule_id, body.scope, body.value.strip(), body.currency.upper(), terms, body.priority)
    await run_in_threadpool(
        settings.add_commission_rule, container.uow, rule, clock=container.clock, actor=_actor(request)
    )
    return Json(
        {"id": rule_id, **terms.as_json(), "scope": rule.scope, "value": rule.value, "currency": rule.currency},
        status_code=201,
    )


@router.get("/v1/marketplace/cases")
def list_cases(container: ContainerDep, status: str | None = "open", seller_id: str | None = None) -> Json:
    """Warnings, suspensions and reviews about sellers (open ones unless ``status`` says otherwise)."""
    found = read_only(container.uow, lambda uow: uow.marketplace.cases(seller_id=seller_id, status=status or None))
    return Json({"cases": [case_json(c) for c in found]})


class ResolveIn(_Strict):
    action: Annotated[str, StringConstraints(pattern="^(override|confirm)$")]
    note: Text


@router.post("/v1/marketplace/cases/{case_id}/resolve", responses={409: {"description": "Already resolved"}})
async def resolve_case(case_id: str, body: ResolveIn, request: Request, container: ContainerDep) -> Json:
    """``override`` a suspension to restore the seller (no automatic suspension for the grace period);
    ``confirm`` to keep what the rules did. Who and why are kept with the case."""
    done = await run_in_threadpool(
        governance.resolve_case,
        container.uow,
        case_id,
        action=body.action,
        actor=_actor(request),
        note=body.note,
        clock=container.clock,
    )
    return Json(case_json(done))
