"""CSV / B2B portal intake: each partner's CSV profile, and their order files in.

``POST /v1/channels/csv?partner=P`` answers 200 whenever the file was read and its orders
taken as far as they could go, even when some rows were bad: the body gives each PO's outcome
and every row error. Not 207: Multi-Status is WebDAV's, with an XML body clients would look
for; like the EDI intake, one 200 with per-order outcomes is what a client can act on. When
nothing was imported (an all-or-nothing partner's file with a bad row, or a file that cannot
be read) the answer is 422 with every row error.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from overture.channels.csv_fields import default_problems
from overture.channels.csv_import import CsvImport, OrderOutcome, Refusal
from overture.channels.csv_intake import RowError
from overture.domain.csv_profiles import CsvProfile, ProfileProblem
from overture.services.errors import ErrorCode, FieldError, PayloadRejected
from overture.web.auth import ChangedBy
from overture.web.deps import ContainerDep
from overture.web.errors import error_body
from overture.web.intake import wake_dispatcher
from overture.web.responses import Json

router = APIRouter(tags=["channels"])

PartnerId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Header = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
_KEPT_HEADERS = ("content-type", "user-agent", "x-request-id")


class CsvProfileIn(BaseModel):
    """Canonical field -> the partner's column header, and how the partner writes a CSV file."""

    model_config = ConfigDict(extra="forbid")
    columns: Annotated[dict[str, Header], Field(min_length=1)]
    delimiter: str = ","
    decimal_separator: str = "."
    date_format: Annotated[str, StringConstraints(min_length=2, max_length=64)] = "%Y-%m-%d"
    all_or_nothing: bool = False
    defaults: dict[str, Annotated[str, StringConstraints(max_length=255)]] = Field(default_factory=dict)
    encoding: Annotated[str, StringConstraints(min_length=1, max_length=32)] = "utf-8"


def _profile_json(profile: CsvProfile) -> dict[str, Any]:
    return asdict(profile)  # the partner id, then each setting under the name PUT takes it by


def _problems_response(problems: list[ProfileProblem]) -> Json:
    fields = [FieldError(p.setting, ErrorCode.INVALID_VALUE, p.reason) for p in problems]
    return Json(error_body(ErrorCode.VALIDATION_FAILED, "the CSV profile cannot read files", fields), status_code=422)


@router.put("/v1/partners/{partner_id}/csv", tags=["partners"], responses={201: {"description": "Created"}})
def put_csv_profile(partner_id: PartnerId, body: CsvProfileIn, container: ContainerDep, actor: ChangedBy) -> Json:
    """Create or replace the partner's CSV profile (edited as a whole). Fields: see ``overture.domain.csv_profiles``."""
    profile = CsvProfile(partner_id=partner_id, **body.model_dump())
    profiles = container.csv_profiles
    problems = profile.problems() or default_problems(profile, profiles.partner(partner_id))
    if problems:
        return _problems_response(problems)
    created = profiles.put(profile, actor=actor)
    return Json(_profile_json(profile), status_code=201 if created else 200)


@router.get("/v1/partners/{partner_id}/csv", tags=["partners"])
def get_csv_profile(partner_id: str, container: ContainerDep) -> Json:
    return Json(_profile_json(container.csv_profiles.get(partner_id)))


@router.post(
    "/v1/channels/csv",
    responses={
        200: {"description": "Each PO's outcome (order id, status, duplicate) and every bad row"},
        422: {"description": "Nothing imported: unknown partner, no CSV profile, unreadable file, or all-or-nothing"},
    },
    openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def receive_csv(
    request: Request,
    container: ContainerDep,
    partner: Annotated[str, Query(min_length=1, max_length=64, description="The trading partner's id")],
) -> Json:
    """Post a partner's CSV order file. It is stored before it is read; nothing sent here is lost."""
    received = await request.body()
    try:
        result = await run_in_threadpool(
            container.csv_importer.receive,
            received,
            partner,
            content_type=request.headers.get("content-type", "text/csv"),
            headers={k: v for k, v in request.headers.items() if k in _KEPT_HEADERS},
        )
    except PayloadRejected as rejected:
        reason = "; ".join(e.reason for e in rejected.errors)
        body = error_body(rejected.kind.value, reason, rejected.errors, message_id=rejected.message_id)
        return Json(body, status_code=422)
    if result.refused:
        return Json(_refusal(result), status_code=422)
    if any(o.order_id and not o.duplicate for o in result.orders):
        wake_dispatcher(request)
    return Json(_receipt(result))


def _refusal(result: CsvImport) -> dict[str, Any]:
    why = "the partner sends all orders or none, and a row is bad"
    if result.refusal is Refusal.UNREADABLE:
        why = "the file cannot be read with the partner's CSV profile"
    return error_body(
        ErrorCode.VALIDATION_FAILED,
        f"nothing imported: {why}; the file is kept in quarantine",
        message_id=result.message_id,
        partner_id=result.partner_id,
        refusal=result.refusal,
        rows=[_row_error(e) for e in result.errors],
    )


def _receipt(result: CsvImport) -> dict[str, Any]:
    return {
        "message_id": result.message_id,
        "partner_id": result.partner_id,
        "all_or_nothing": result.all_or_nothing,
        "rows": result.row_count,
        "complete": result.complete,
        "orders": [_outcome(o, result.partner_id) for o in result.orders],
        "errors": [_row_error(e) for e in result.errors],
        "warnings": [_row_error(w) for w in result.warnings],
    }


def _outcome(outcome: OrderOutcome, partner_id: str) -> dict[str, Any]:
    return {
        "po_number": outcome.po_number,
        "external_id": f"{partner_id}:{outcome.po_number}" if outcome.po_number else None,
        "rows": list(outcome.rows),
        "status": outcome.status,
        "order_id": outcome.order_id,
        "duplicate": outcome.duplicate,
        "message_id": outcome.message_id,
        "links": {"order": f"/v1/orders/{outcome.order_id}"} if outcome.order_id else {},
    }


def _row_error(error: RowError) -> dict[str, Any]:
    return {"row": error.row, "column": error.column, "code": error.code.value, "reason": error.reason}
