"""The marketplace's sellers for operators: ``/sellers`` (each seller's status, balance, score, its
rates over the scorecard window against the thresholds in the settings, and its score's trend),
``/sellers/{id}`` (offers, sub-orders, the entries of its account newest first, payouts, open cases
and incidents, this month's statement) and ``/sellers/acceptances`` (sub-orders waiting for their
seller, the nearest deadline first, with the time left).

Plain links, nothing here changes anything. The figures are the services' own (governance.trend,
the settings' thresholds and ``breaches``), so the page shows what the scorecard review decides on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from overture.bootstrap import Container
from overture.domain.marketplace.scorecard import Direction, Scorecard, Threshold, breaches
from overture.domain.marketplace.sellers import Seller
from overture.domain.money import from_minor
from overture.services.marketplace import governance
from overture.services.marketplace.settings import MarketplaceSettings, load
from overture.services.ports import UnitOfWork
from overture.services.ports.exchanges import PageKey
from overture.services.retry import read_only
from overture.ui.charts import Chart, line_chart
from overture.ui.formatting import money
from overture.ui.routes.common import now, page, page_router, templates
from overture.web.deps import ContainerDep

router = page_router()
Key = Annotated[str | None, Query(max_length=80)]
RATES = (
    ("acceptance_rate", "Acceptance"),
    ("late_shipment_rate", "Late shipment"),
    ("cancellation_rate", "Cancellation"),
    ("valid_tracking_rate", "Valid tracking"),
    ("incident_rate", "Incidents"),
    ("refund_rate", "Refunds"),
)
RECENT_SUB_ORDERS = 20
RECENT_PAYOUTS = 20


def minor_money(minor: int, currency: str) -> str:
    """``{{ 1999 | minor_money("USD") }}`` -> "19.99 USD": the ledgers keep minor units."""
    return money(from_minor(minor, currency), currency)


templates.env.filters["minor_money"] = minor_money


@dataclass(frozen=True, slots=True)
class Rate:
    metric: str
    label: str
    value: float | None
    level: str | None  # "limit" | "alert" | None, as the scorecard review judges it
    threshold: str  # "< 4.00% (alert 3.00%)", or "" with no threshold


@dataclass(frozen=True, slots=True)
class Figures:
    """A seller's scorecard now (the last point of its trend) and what the page draws of it."""

    card: Scorecard
    rates: list[Rate]
    judged: bool  # enough sub-orders in the window for the review to judge it
    chart: Chart


def figures(container: Container, seller: Seller, settings: MarketplaceSettings, *, chart_id: str) -> Figures:
    """The seller's rates with the level the review gives each breach, and its weekly score as a chart."""
    points = governance.trend(container.uow, seller.id, clock=container.clock)
    card = points[-1][1]  # its window ends now: the scorecard the review would use
    found = {b.metric: b for b in breaches(card, settings.thresholds, min_sub_orders=settings.min_sub_orders)}
    limits = {t.metric: t for t in settings.thresholds}
    values = card.rates()
    rates = [
        Rate(
            metric,
            label,
            values.get(metric),
            found[metric].level if metric in found else None,
            _threshold(limits.get(metric)),
        )
        for metric, label in RATES
    ]
    chart = line_chart(
        [(end.strftime("%m-%d"), round(c.score() * 100, 1)) for end, c in points],
        title=f"{seller.name}: score by week, last {len(points)} weeks",
        x_label="Week ending",
        y_label="Score %",
        chart_id=chart_id,
        label_every=2,
    )
    return Figures(card, rates, card.counts.sub_orders >= settings.min_sub_orders, chart)


def _threshold(t: Threshold | None) -> str:
    if t is None:
        return ""
    sign = "<" if t.direction is Direction.AT_MOST else "≥"
    return f"{sign} {t.limit:.2%} (alert {t.alert:.2%})"


@router.get("/sellers", response_class=HTMLResponse)
def seller_list(request: Request, container: ContainerDep) -> HTMLResponse:
    settings, listed = read_only(container.uow, lambda uow: (load(uow), uow.marketplace.sellers()))
    balances = container.dashboard.balances_by_currency()
    rows = [
        {
            "seller": s,
            "balances": _balances(s, balances.get(s.id, {})),
            "figures": figures(container, s, settings, chart_id=f"chart-score-{s.id}"),
        }
        for s in listed
    ]
    context = {"page": "sellers", "sellers": rows, "settings": settings, "now": now(container)}
    return page(request, "sellers.html", context)


def _balances(seller: Seller, by_currency: dict[str, int]) -> list[tuple[str, int]]:
    """(currency, minor) with the seller's own currency first, shown even when it is 0."""
    others = sorted((c, v) for c, v in by_currency.items() if c != seller.currency)
    return [(seller.currency, by_currency.get(seller.currency, 0)), *others]


@router.get("/sellers/acceptances", response_class=HTMLResponse)
def acceptances(request: Request, container: ContainerDep, after: Key = None) -> HTMLResponse:
    """Before /sellers/{seller_id}, which would take "acceptances" for a seller id."""
    at = now(container)
    found, next_key = container.dashboard.acceptances_page(after=PageKey.decode(after))
    for sub in found:
        sub["left_s"] = (sub["accept_by"] - at).total_seconds()
        sub["alert_left_s"] = (sub["alert_at"] - at).total_seconds()
    context = {
        "page": "sellers",
        "subs": found,
        "now": at,
        "later": "/sellers/acceptances?" + urlencode({"after": next_key.encode()}) if next_key else None,
        "first": "/sellers/acceptances" if after else None,
    }
    return page(request, "seller_acceptances.html", context)


@router.get("/sellers/{seller_id}", response_class=HTMLResponse)
def seller_page(request: Request, seller_id: str, container: ContainerDep, before: Key = None) -> HTMLResponse:
    found = read_only(container.uow, lambda uow: _seller_reads(uow, seller_id))
    if found is None:
        return page(request, "not_found.html", {"what": f"seller {seller_id!r}"}, status_code=404)
    seller: Seller = found["seller"]
    entries, older = container.dashboard.entries_page(seller_id, before=PageKey.decode(before))
    balances = container.dashboard.balances_by_currency(seller_id=seller_id).get(seller_id, {})
    at = now(container)
    context = {
        **found,
        "page": "sellers",
        "now": at,
        "figures": figures(container, seller, found["settings"], chart_id="chart-score"),
        "balances": _balances(seller, balances),
        "entries": entries,
        "older": f"/sellers/{seller_id}?" + urlencode({"before": older.encode()}) + "#entries" if older else None,
        "newest": f"/sellers/{seller_id}#entries" if before else None,
        "statement": statement_links(seller_id, at),
    }
    return page(request, "seller.html", context)


def _seller_reads(uow: UnitOfWork, seller_id: str) -> dict[str, Any] | None:
    seller = uow.marketplace.seller(seller_id)
    if seller is None:
        return None
    return {
        "seller": seller,
        "settings": load(uow),
        "offers": uow.marketplace.offers_of(seller_id),
        "sub_orders": uow.marketplace.sub_orders_of_seller(seller_id, limit=RECENT_SUB_ORDERS),
        "payouts": list(reversed(uow.marketplace.payouts(seller_id)))[:RECENT_PAYOUTS],
        "cases": uow.marketplace.cases(seller_id=seller_id, status="open"),
        "incidents": [i for i in uow.marketplace.incidents(seller_id=seller_id) if i.resolved_at is None],
    }


def month_of(at: datetime) -> tuple[datetime, datetime]:
    """The calendar month (UTC) holding ``at``: its first day and the next month's."""
    start = datetime(at.year, at.month, 1, tzinfo=UTC)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following


def statement_links(seller_id: str, at: datetime) -> dict[str, Any]:
    """This month's statement in each format (the API's route; operators only, as it says)."""
    start, end = month_of(at.astimezone(UTC))
    period = {"from": start.date().isoformat(), "to": end.date().isoformat()}
    base = f"/v1/sellers/{seller_id}/statements?"
    links = {fmt: base + urlencode({**period, "format": fmt}) for fmt in ("csv", "pdf")}
    return {"start": start, "end": end, "last_day": end - timedelta(days=1), **links}
