"""Trading partners in bulk (CSV import) and their address books (stores, DCs and parties by id)."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from overture.domain.address_book import PartnerAddress
from overture.services.errors import NotFound, PayloadError
from overture.services.partner_import import Imported, import_addresses, import_partners
from overture.services.retry import read_only
from overture.web.auth import ChangedBy
from overture.web.deps import ContainerDep
from overture.web.errors import error_body
from overture.web.responses import Json

router = APIRouter(prefix="/v1/partners", tags=["partners"])
_CSV_BODY = {"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "How many were created and how many replaced"},
    422: {"description": "Nothing imported: every bad row and column named"},
}


@router.post("/import", openapi_extra=_CSV_BODY, responses=_RESPONSES)
async def import_partners_csv(request: Request, container: ContainerDep, actor: ChangedBy) -> Json:
    """Create or update trading partners from a CSV file (columns: services/partner_import.py), all or nothing."""
    text = (await request.body()).decode("utf-8-sig", errors="replace")
    work = partial(import_partners, container.uow, text, clock=container.clock, actor=actor)
    return await _imported(work)


@router.post("/addresses/import", openapi_extra=_CSV_BODY, responses=_RESPONSES)
async def import_addresses_csv(request: Request, container: ContainerDep) -> Json:
    """Create or replace address-book entries (ship-to stores, DCs, parties by GLN/DUNS/number) from CSV."""
    text = (await request.body()).decode("utf-8-sig", errors="replace")
    return await _imported(partial(import_addresses, container.uow, text, clock=container.clock))


@router.get("/{partner_id}/addresses")
def list_addresses(partner_id: str, container: ContainerDep) -> Json:
    """The partner's address book, by scheme and code."""

    def read(uow: Any) -> list[PartnerAddress] | None:
        return None if uow.partners.get(partner_id) is None else uow.partners.addresses(partner_id)

    entries = read_only(container.uow, read)
    if entries is None:
        raise NotFound(f"no trading partner {partner_id!r}")
    return Json({"items": [address_json(a) for a in entries]})


def address_json(entry: PartnerAddress) -> dict[str, str]:
    return {
        "scheme": entry.party.scheme,
        "code": entry.party.code,
        "name": entry.name,
        "line1": entry.line1,
        "line2": entry.line2,
        "city": entry.city,
        "region": entry.region,
        "postal_code": entry.postal_code,
        "country": entry.country,
        "location_id": entry.location_id,
    }


async def _imported(work: Any) -> Json:
    try:
        result: Imported = await run_in_threadpool(work)
    except PayloadError as error:
        body = error_body(error.kind.value, "nothing imported: " + str(error), error.errors)
        return Json(body, status_code=422)
    return Json({"created": result.created, "updated": result.updated})
