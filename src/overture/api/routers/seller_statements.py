"""A seller's statement for a period, as JSON, CSV or PDF (operators and admins: web/auth.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from overture.channels.seller_statements import statement_csv, statement_pdf
from overture.domain.marketplace.seller_ledger import SellerEntry
from overture.domain.money import from_minor
from overture.services.errors import ErrorCode, InvalidRequest
from overture.services.marketplace.statements import Statement, statement
from overture.web.deps import ContainerDep
from overture.web.responses import Json

router = APIRouter(prefix="/v1", tags=["marketplace"])
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
Format = Literal["json", "csv", "pdf"]
_FILES: dict[str, tuple[Callable[[Statement], bytes], str]] = {
    "csv": (statement_csv, "text/csv; charset=utf-8"),
    "pdf": (statement_pdf, "application/pdf"),
}


@router.get("/sellers/{seller_id}/statements", responses={404: {"description": "No such seller"}})
async def get_statement(
    seller_id: str,
    container: ContainerDep,
    from_: Annotated[str, Query(alias="from", max_length=10, description="First day, YYYY-MM-DD (included)")],
    to: Annotated[str, Query(max_length=10, description="Day the period ends, YYYY-MM-DD (not included)")],
    fmt: Annotated[Format, Query(alias="format")] = "json",
    currency: Annotated[str | None, Query(min_length=3, max_length=3, description="Default: the seller's")] = None,
) -> Response:
    """The seller's balance at ``from``, every entry from ``from`` up to (not including) ``to``, its
    balance then, totals per kind and payouts: ``to`` of one month is ``from`` of the next, so
    consecutive statements hold each entry once. Days are UTC; amounts as decimals and minor units."""
    start, end = _day("from", from_), _day("to", to)
    if end <= start:
        raise InvalidRequest("to", "must be a later day than from", ErrorCode.OUT_OF_RANGE)
    wanted = currency.upper() if currency else None
    st = await run_in_threadpool(statement, container.uow, seller_id, start, end, currency=wanted)
    if fmt == "json":
        return Json(_json(st))
    render, media = _FILES[fmt]
    body = await run_in_threadpool(render, st)  # a long PDF takes a while to lay out: off the event loop
    name = f"statement-{st.seller_id}-{from_}-{to}.{fmt}"  # seller ids are [A-Za-z0-9_.-]: safe in a header
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _day(field: str, text: str) -> datetime:
    try:
        day = date.fromisoformat(text) if _DAY.fullmatch(text) else None
    except ValueError:  # 2026-02-30
        day = None
    if day is None:
        raise InvalidRequest(field, f"{text!r} is not a day written YYYY-MM-DD", ErrorCode.INVALID_VALUE)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _json(st: Statement) -> dict[str, Any]:
    return {
        "seller_id": st.seller_id,
        "seller_name": st.seller_name,
        "currency": st.currency,
        "start": st.start.isoformat(),
        "end": st.end.isoformat(),
        "opening": _money(st.opening_minor, st),
        "closing": _money(st.closing_minor, st),
        "movement": _money(st.movement_minor, st),
        "totals": {kind.value: _money(minor, st) for kind, minor in st.totals().items()},
        "entries": [_entry(e, after, st) for e, after in st.running()],
        "payouts": [
            {
                "id": p.id,
                "created_at": p.created_at.isoformat(),
                "cutoff": p.cutoff.isoformat(),
                "bank_account_ref": p.bank_account_ref,
                **_money(p.amount_minor, st),
            }
            for p in st.payouts
        ],
        "other_currencies": list(st.other_currencies),
    }


def _entry(e: SellerEntry, after: int, st: Statement) -> dict[str, Any]:
    return {
        "at": e.at.isoformat(),
        "kind": e.kind.value,
        **_money(e.amount_minor, st),
        "balance": _money(after, st),
        "order_id": e.order_id,
        "sub_order_id": e.sub_order_id,
        "line_no": e.line_no,
        "cause": e.cause,
        "reference": e.reference,
        "actor": e.actor,
    }


def _money(minor: int, st: Statement) -> dict[str, Any]:
    return {"amount": from_minor(minor, st.currency), "amount_minor": minor}
