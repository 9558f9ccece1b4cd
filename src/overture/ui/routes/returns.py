"""The returns queue (``/returns``) and its KPIs: returns by status (awaiting review first), reason,
settlement and age, newest first, paged by (requested_at, id); approve or reject one awaiting review and
record a receipt, through the same use cases as ``POST /v1/returns/{id}/review`` and ``/receipt``
(services/returns.py). A refusal raises the service's error, which the API's handlers answer (409,
422, 404) and web/htmx_errors.py turns into one readable line where the row's answers go.

The KPIs (return rate by reason and by SKU, time to settle, inspection shares) are this page's, over
the last ``days`` days (7, 30 or 90; 30 unless asked) or the store's life when it is younger
(services/return_kpis.py says how each is reckoned).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from overture.bootstrap import Container
from overture.domain.digits import is_digits
from overture.domain.returns import Outcome, ReturnReason, ReturnStatus, Settlement
from overture.services import returns
from overture.services.errors import InvalidRequest, NotFound
from overture.services.return_kpis import ReturnQueueFilter
from overture.ui.routes.common import fragment, is_htmx, now, page, page_router
from overture.ui.session import Actor
from overture.web.deps import ContainerDep

router = page_router()

# The chips, in the order work is done: what waits for a person first.
STATUSES = (
    ReturnStatus.AWAITING_REVIEW,
    ReturnStatus.APPROVED,
    ReturnStatus.RECEIVED,
    ReturnStatus.SETTLED,
    ReturnStatus.REJECTED,
)
PERIODS = (7, 30, 90)
PAGE_SIZE = 25
_FILTERS = ("status", "reason", "settlement", "older_than_days", "younger_than_days", "days")


@router.get("/returns", response_class=HTMLResponse)
def returns_queue(request: Request, container: ContainerDep) -> HTMLResponse:
    """Filters: status (awaiting_review unless asked; "all": every status), reason, settlement,
    older_than_days, younger_than_days; pages: after / before a row's cursor; KPIs: days."""
    params = request.query_params
    wanted, errors = queue_filter(params)
    at = now(container)
    found = container.dashboard.returns_queue(wanted, at)
    context: dict[str, Any] = {"page": "returns", "errors": errors, **_listing(params, wanted, found)}
    status = 422 if errors else 200
    if is_htmx(request):
        return fragment(request, "_return_rows.html", context, status_code=status)
    days = _days(params.get("days"), errors)
    context["kpis"] = container.dashboard.return_kpis(days, at)
    context["periods"] = [(d, _link(params, days=str(d))) for d in PERIODS]
    return page(request, "returns.html", context, status_code=status)


def _listing(params: Mapping[str, str], wanted: ReturnQueueFilter, found: dict[str, Any]) -> dict[str, Any]:
    """The rows, the chips with their counts and links, and the next / previous page links."""
    rows = found["rows"]
    counts = found["counts"]
    shown = wanted.status or "all"
    chips = [(s.value, counts[s.value], _link(params, status=s.value)) for s in STATUSES]
    chips.append(("all", sum(counts.values()), _link(params, status="all")))
    older = (wanted.before is None and found["more"]) or wanted.before is not None
    newer = wanted.after is not None or (wanted.before is not None and found["more"])
    return {
        "rows": rows,
        "shown": shown,
        "chips": chips,
        "filters": {k: params.get(k, "") for k in _FILTERS},
        "reasons": [r.value for r in ReturnReason],
        "settlements": [s.value for s in Settlement],
        "next": _link(params, after=cursor_text(rows[-1])) if rows and older else None,
        "previous": _link(params, before=cursor_text(rows[0])) if rows and newer else None,
    }


def _link(params: Mapping[str, str], **changed: str) -> str:
    """This page's address with ``changed`` set; a new filter or period starts again at the first page."""
    kept = {k: v for k, v in params.items() if k in _FILTERS and v}
    kept.update(changed)
    return "/returns?" + urlencode(kept)


def cursor_text(row: Mapping[str, Any]) -> str:
    return f"{row['requested_at'].isoformat()}|{row['id']}"


def queue_filter(params: Mapping[str, str]) -> tuple[ReturnQueueFilter, list[str]]:
    """The queue's filter from the query string, and what in it could not be used (each named)."""
    errors: list[str] = []
    status = params.get("status") or ReturnStatus.AWAITING_REVIEW.value
    wanted = ReturnQueueFilter(
        status=None if status == "all" else _choice("status", status, [s.value for s in STATUSES], errors),
        reason=_choice("reason", params.get("reason"), [r.value for r in ReturnReason], errors),
        settlement=_choice("settlement", params.get("settlement"), [s.value for s in Settlement], errors),
        older_than_days=_number("older_than_days", params.get("older_than_days"), errors),
        younger_than_days=_number("younger_than_days", params.get("younger_than_days"), errors),
        after=_cursor("after", params.get("after"), errors),
        before=_cursor("before", params.get("before"), errors),
        limit=PAGE_SIZE,
    )
    return wanted, errors


def _choice(name: str, value: str | None, allowed: list[str], errors: list[str]) -> str | None:
    if value and value not in allowed:
        errors.append(f"{name}: {value!r} is not one of {', '.join(allowed)}")
        return None
    return value or None


def _number(name: str, value: str | None, errors: list[str]) -> float | None:
    if not value:
        return None
    try:
        days = float(value)
    except ValueError:
        days = -1.0
    if not 0 <= days <= 36_500:
        errors.append(f"{name}: {value!r} is not a number of days (0 or more)")
        return None
    return days


def _cursor(name: str, text: str | None, errors: list[str]) -> tuple[datetime, str] | None:
    if not text:
        return None
    at, _, return_id = text.partition("|")
    try:
        when: datetime | None = datetime.fromisoformat(at)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None or not return_id:
        errors.append(f"{name}: {text!r} is not a place in the queue (follow the next / previous links)")
        return None
    return when, return_id


def _days(value: str | None, errors: list[str]) -> int:
    if value and is_digits(value) and int(value) in PERIODS:
        return int(value)
    if value:
        errors.append(f"days: {value!r} is not one of {', '.join(map(str, PERIODS))}")
    return 30


def _row(container: Container, return_id: str) -> dict[str, Any]:
    found = container.dashboard.return_rows([return_id], now(container))
    if not found:
        raise NotFound(f"no return {return_id!r}")
    return found[0]


def _answer(request: Request, container: Container, return_id: str, happened: str) -> HTMLResponse:
    """The row shown again in place of the old one, saying what was done."""
    row = _row(container, return_id)
    row["happened"] = happened
    answer = fragment(request, "_return_row.html", {"r": row})
    answer.headers["HX-Retarget"] = f"#ret-{return_id}"
    answer.headers["HX-Reswap"] = "outerHTML"
    return answer


async def _nudge(request: Request, return_id: str) -> None:
    """Wake the return's workflow, as the API does after a review or a receipt."""
    starter = getattr(request.app.state, "return_workflows", None)
    if starter is not None:
        await starter.nudge(return_id)


@router.post("/returns/{return_id}/review", response_class=HTMLResponse)
async def review(
    request: Request,
    return_id: str,
    container: ContainerDep,
    actor: Actor,
    verdict: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Approve or reject a return awaiting review (``verdict``: approve, reject)."""
    if verdict not in ("approve", "reject"):
        raise InvalidRequest("verdict", f"{verdict!r} is not approve or reject")
    note = note or request.headers.get("HX-Prompt", "")
    ret = await run_in_threadpool(
        returns.review_return,
        container.uow,
        return_id,
        approve=verdict == "approve",
        actor=actor,
        note=note,
        clock=container.clock,
    )
    await _nudge(request, return_id)
    return _answer(request, container, return_id, f"{ret.status.value.replace('_', ' ')} by {actor}")


@router.get("/returns/{return_id}/receipt", response_class=HTMLResponse)
def receipt_form(request: Request, return_id: str, container: ContainerDep) -> HTMLResponse:
    """The small form a receipt needs: where the parcel came in, and one outcome per unit."""
    row = _row(container, return_id)
    active = [loc for loc in container.views.locations() if loc.get("active", True)]
    context = {"r": row, "locations": active, "outcomes": [o.value for o in Outcome]}
    return fragment(request, "_return_receipt.html", context)


@router.post("/returns/{return_id}/receipt", response_class=HTMLResponse)
async def receive(
    request: Request,
    return_id: str,
    container: ContainerDep,
    actor: Actor,
    location_id: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Record the receipt: fields ``unit-{line_no}-{n}`` carry each unit's outcome."""
    if not location_id.strip():
        raise InvalidRequest("location_id", "say where the parcel came in")
    outcomes = _outcomes(await request.form())
    ret = await run_in_threadpool(
        returns.receive_return,
        container.uow,
        return_id,
        location_id=location_id.strip(),
        outcomes=outcomes,
        actor=actor,
        clock=container.clock,
    )
    await _nudge(request, return_id)
    return _answer(request, container, return_id, f"received at {ret.location_id} by {actor}")


def _outcomes(form: Mapping[str, Any]) -> dict[int, list[Outcome]]:
    """Each line's outcomes in unit order, from ``unit-{line_no}-{n}`` fields."""
    found: dict[int, dict[int, Outcome]] = {}
    for name, value in form.items():
        kind, _, rest = name.partition("-")
        line, _, unit = rest.partition("-")
        if kind != "unit" or not is_digits(line) or not is_digits(unit):
            continue
        try:
            outcome = Outcome(str(value))
        except ValueError:
            raise InvalidRequest(name, f"{value!r} is not restock, refurbish or scrap") from None
        found.setdefault(int(line), {})[int(unit)] = outcome
    return {line: [units[n] for n in sorted(units)] for line, units in found.items()}
