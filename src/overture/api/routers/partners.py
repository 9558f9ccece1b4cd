"""Trading partners: who they are on the EDI network and how their documents map to ours."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from overture.bootstrap import edi_sender
from overture.channels.x12.documents import advise_inventory
from overture.domain.partners import PartnerProfile, X12Identity, profile_document
from overture.services.errors import NotFound
from overture.services.inventory import available_units
from overture.services.partners import put_partner as put_partner_profile
from overture.services.ports import UnitOfWork
from overture.services.retry import in_transaction, read_only
from overture.web.auth import ChangedBy
from overture.web.bounds import MAX_UNITS
from overture.web.deps import ContainerDep
from overture.web.responses import Json

router = APIRouter(prefix="/v1/partners", tags=["partners"])

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class X12In(BaseModel):
    model_config = ConfigDict(extra="forbid")
    qualifier: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2)]
    id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=15)]
    application_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=15)] = ""


class PartnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    x12: X12In | None = None
    x12_version: Annotated[str, Field(pattern=r"^00[45]0[1-9]0.*$")] = "004010"
    delimiters: tuple[str, str, str] = ("*", ">", "~")
    sku_xref: dict[str, Code] = Field(default_factory=dict)
    uom_factors: dict[str, Annotated[int, Field(gt=0, le=MAX_UNITS)]] = Field(default_factory=dict)
    contract_prices: dict[str, Annotated[Decimal, Field(ge=0)]] = Field(default_factory=dict)
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3, to_upper=True)] = "USD"
    wants_855: bool = True
    wants_856: bool = True
    wants_810: bool = True
    strict: bool = Field(default=False, description="Refuse segments outside the standard's table (else warnings)")
    sends: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=6)]] = Field(
        default_factory=list, description="Documents the partner sends us (850, 860, 945, ORDERS, ...)"
    )
    ack_window_hours: Annotated[int, Field(ge=1, le=720)] = 24


def _profile(partner_id: str, body: PartnerIn) -> PartnerProfile:
    x12 = None if body.x12 is None else X12Identity(body.x12.qualifier, body.x12.id, body.x12.application_code)
    return PartnerProfile(
        partner_id=partner_id,
        name=body.name,
        x12=x12,
        x12_version=body.x12_version,
        delimiters=body.delimiters,
        sku_xref=body.sku_xref,
        uom_factors=body.uom_factors,
        contract_prices=body.contract_prices,
        currency=body.currency,
        wants_855=body.wants_855,
        wants_856=body.wants_856,
        wants_810=body.wants_810,
        strict=body.strict,
        sends=tuple(body.sends),
        ack_window_hours=body.ack_window_hours,
    )


def _json(profile: PartnerProfile) -> dict[str, Any]:
    return {"id": profile.partner_id, "name": profile.name, **profile_document(profile)}


@router.put("/{partner_id}", responses={201: {"description": "Created"}})
async def put_partner(partner_id: Code, body: PartnerIn, container: ContainerDep, actor: ChangedBy) -> Json:
    """Create or replace a partner's profile (edited as a whole)."""
    profile = _profile(partner_id, body)
    created = await run_in_threadpool(
        partial(put_partner_profile, clock=container.clock, actor=actor), container.uow, profile
    )
    return Json(_json(profile), status_code=201 if created else 200)


@router.get("/{partner_id}")
def get_partner(partner_id: str, container: ContainerDep) -> Json:
    profile = read_only(container.uow, lambda uow: uow.partners.get(partner_id))
    if profile is None:
        raise NotFound(f"no trading partner {partner_id!r}")
    return Json(_json(profile))


@router.get("")
def list_partners(container: ContainerDep) -> Json:
    return Json({"items": [_json(p) for p in read_only(container.uow, lambda uow: uow.partners.all())]})


@router.get("/{partner_id}/documents")
def list_documents(
    partner_id: str, container: ContainerDep, kind: str | None = None, order_id: str | None = None
) -> Json:
    """What we sent this partner (997, 855, 856, 810, 846), oldest first; the body at .../{id}."""
    items = read_only(container.uow, lambda uow: uow.documents.listing(partner_id, kind=kind, order_id=order_id))
    for item in items:
        item["created_at"] = item["created_at"].isoformat()
    return Json({"items": items})


@router.get("/{partner_id}/documents/{document_id}", response_class=PlainTextResponse)
def get_document(partner_id: str, document_id: str, container: ContainerDep) -> PlainTextResponse:
    body = read_only(container.uow, lambda uow: uow.documents.body(partner_id, document_id))
    if body is None:
        raise NotFound(f"no document {document_id!r} for partner {partner_id!r}")
    return PlainTextResponse(body, media_type="application/edi-x12")


class AdviceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skus: list[Code] | None = Field(default=None, description="Our SKUs; default: every SKU in the cross-reference")


@router.post("/{partner_id}/inventory-advice", response_class=PlainTextResponse)
async def inventory_advice(partner_id: str, body: AdviceIn, container: ContainerDep) -> PlainTextResponse:
    """An 846 with what is available now of the partner's items (as its own part numbers)."""
    sender = edi_sender(container.settings)

    def work(uow: UnitOfWork) -> str:
        partner = uow.partners.get(partner_id)
        if partner is None or partner.x12 is None:
            raise NotFound(f"no trading partner {partner_id!r} with an X12 identity")
        skus = body.skus or sorted(set(partner.sku_xref.values()))
        return advise_inventory(uow, partner, available_units(uow, skus), sender=sender, at=container.clock())

    text = await run_in_threadpool(in_transaction, container.uow, work)
    return PlainTextResponse(text, media_type="application/edi-x12")
