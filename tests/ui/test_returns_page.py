"""The returns page over the real app and store (SQLite and PostgreSQL): each KPI against the seeded
store (tests/ui/returns_seed.py) worked out here directly, the queue's filters, chips and paging, and
approve / reject / receipt from the page with their refusals said in words."""

from __future__ import annotations

import math
import re
import statistics
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.ui.routes import returns as returns_page
from overture.ui.routes.common import duration
from tests.ui.returns_seed import api_poster, place_orders, placed_days_ago, seed
from tests.ui.seed import text_of

HTMX = {"HX-Request": "true"}


@pytest.fixture
def ids(container: Container, client: TestClient) -> dict[str, str]:
    return seed(container, api_poster(client))


def _row_ids(html: str) -> list[str]:
    return re.findall(r'data-testid="return-row" data-return-id="([^"]+)"', html)


def _cells(html: str, attribute: str, value: str) -> list[str]:
    row = re.search(rf'<tr {attribute}="{value}">(.*?)</tr>', html, flags=re.S)
    assert row is not None, f"no row {attribute}={value}"
    return re.findall(r'<td class="num">([^<]*)</td>', row.group(1))


def _pct(returned: int, of: int) -> str:
    return f"{returned / of * 100:.1f}%"


def test_return_rates_by_reason_and_by_sku(ids: dict[str, str], client: TestClient) -> None:
    html = client.get("/returns").text
    # Shipped in the last 30 days: o1 (4 A, 2 B) and o2 (2 A, 3 C); o3 shipped 45 days ago.
    shipped = {"A": 4 + 2, "B": 2, "C": 3}
    total = sum(shipped.values())
    # Asked back in the period, r4 (rejected) and r6 (40 days ago) left out: r1, r2, r3, r5.
    by_reason = {"damaged": 2 + 1, "wrong_item": 1, "size_or_fit": 2, "no_longer_needed": 1}
    by_sku = {"A": 2 + 1 + 1, "B": 1, "C": 2}
    assert text_of(html, "kpi-units-shipped") == str(total)
    assert text_of(html, "kpi-units-returned") == str(sum(by_reason.values()))
    assert text_of(html, "kpi-return-rate") == _pct(sum(by_reason.values()), total)
    for reason, units in by_reason.items():
        assert _cells(html, "data-reason", reason) == [str(units), _pct(units, total)]
    for sku, units in by_sku.items():
        assert _cells(html, "data-sku", sku) == [str(units), str(shipped[sku]), _pct(units, shipped[sku])]
    assert "Last 30 days" in text_of(html, "kpi-period")


def _nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(share * len(ordered)) - 1]


def test_time_to_settle_median_and_p90(ids: dict[str, str], client: TestClient) -> None:
    html = client.get("/returns").text
    # Settled in the period (days ago): r1 requested 9, received 7, settled 6; r2 4, 3, 1 (r6 settled 35 days ago).
    received = [(7 - 6) * 86400.0, (3 - 1) * 86400.0]
    requested = [(9 - 6) * 86400.0, (4 - 1) * 86400.0]
    for name, values in (("received", received), ("requested", requested)):
        median, p90 = statistics.median(values), _nearest_rank(values, 0.9)
        assert _cells(html, "data-lead", name) == [str(len(values)), duration(median), duration(p90)]
    assert text_of(html, "kpi-settle-median") == duration(statistics.median(received))
    assert text_of(html, "kpi-settle-p90") == duration(_nearest_rank(received, 0.9))


def test_restock_refurbish_and_scrap_shares(ids: dict[str, str], client: TestClient) -> None:
    html = client.get("/returns").text
    # Received in the period: r1 (A restock, A scrap, B refurbish) and r2 (C restock x 2); r6 39 days ago.
    outcomes = ["restock", "scrap", "refurbish", "restock", "restock"]
    for outcome in ("restock", "refurbish", "scrap"):
        units = outcomes.count(outcome)
        assert _cells(html, "data-outcome", outcome) == [str(units), _pct(units, len(outcomes))]
    assert text_of(html, "kpi-restock-rate") == _pct(outcomes.count("restock"), len(outcomes))
    assert "0 of the 1 units sent to refurbishment" in text_of(html, "kpi-refurbished")


def test_a_store_younger_than_the_period_says_so(container: Container, client: TestClient) -> None:
    place_orders(container, api_poster(client))
    placed_days_ago(container, 12)
    html = client.get("/returns", params={"days": "90"}).text
    since = (datetime.now(UTC) - timedelta(days=12)).strftime("%Y-%m-%d")
    period = text_of(html, "kpi-period")
    assert f"Since the store's first order on {since} (12 days" in period and "90 days asked for" in period
    assert text_of(html, "kpi-return-rate") == "–"


def test_the_queue_shows_awaiting_review_first_with_counts_and_values(ids: dict[str, str], client: TestClient) -> None:
    html = client.get("/returns").text
    assert _row_ids(html) == [ids["r3"]]  # the default tab: awaiting review
    chips = re.findall(r'data-testid="chip-([a-z_]+)"', html)
    assert chips[0] == "awaiting_review" and chips[-1] == "all"
    counts = {s: text_of(html, f"count-{s}") for s in ("awaiting_review", "approved", "received", "settled", "all")}
    assert counts == {"awaiting_review": "1", "approved": "1", "received": "0", "settled": "3", "all": "6"}
    every = client.get("/returns", params={"status": "all"}).text
    assert _row_ids(every) == [ids[n] for n in ("r5", "r3", "r2", "r1", "r4", "r6")]  # newest first
    values = dict(zip(_row_ids(every), re.findall(r'data-testid="value">([^<]*)<', every), strict=True))
    # r3: 1 of the 2 A units o1 still carries after r1 (9.99 each); r1 gave back 2 A + 1 B; r2 credited 2 C.
    assert values[ids["r3"]] == "9.99 USD" and values[ids["r1"]] == "29.97 USD" and values[ids["r2"]] == "19.98 USD"
    assert values[ids["r4"]] == "–" and values[ids["r5"]] == "9.99 USD"
    assert f'href="/orders/{ids["o1"]}"' in every


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "all", "reason": "damaged"}, ["r3", "r1", "r6"]),
        ({"status": "all", "settlement": "store_credit"}, ["r2"]),
        ({"status": "all", "older_than_days": "10"}, ["r4", "r6"]),
        ({"status": "all", "younger_than_days": "5"}, ["r5", "r3", "r2"]),
        ({"status": "settled", "reason": "damaged"}, ["r1", "r6"]),
        ({"status": "rejected"}, ["r4"]),
    ],
)
def test_queue_filters(ids: dict[str, str], client: TestClient, query: dict[str, str], expected: list[str]) -> None:
    answer = client.get("/returns", params=query, headers=HTMX)
    assert answer.status_code == 200 and "<html" not in answer.text
    assert _row_ids(answer.text) == [ids[n] for n in expected]


def test_bad_filters_are_named(ids: dict[str, str], client: TestClient) -> None:
    answer = client.get("/returns", params={"status": "lost", "older_than_days": "soon", "after": "x"})
    assert answer.status_code == 422
    for field in ("status: 'lost' is not one of", "older_than_days: 'soon'", "after: 'x' is not a place"):
        assert field in unescape(answer.text)


def test_pages_go_by_key_both_ways(ids: dict[str, str], client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(returns_page, "PAGE_SIZE", 2)
    seen: list[list[str]] = []
    link: str | None = "/returns?status=all"
    while link:
        html = client.get(link.replace("&amp;", "&"), headers=HTMX).text
        seen.append(_row_ids(html))
        found = re.search(r'href="([^"]+)"[^>]*data-testid="returns-next"', html)
        link = found.group(1) if found else None
        last = html
    assert seen == [[ids["r5"], ids["r3"]], [ids["r2"], ids["r1"]], [ids["r4"], ids["r6"]]]
    back = re.search(r'href="([^"]+)"[^>]*data-testid="returns-previous"', last)
    assert back is not None and "offset" not in back.group(1)
    assert _row_ids(client.get(back.group(1).replace("&amp;", "&"), headers=HTMX).text) == [ids["r2"], ids["r1"]]


def test_approve_from_the_queue_then_approving_again_is_refused(ids: dict[str, str], client: TestClient) -> None:
    r3 = ids["r3"]
    answer = client.post(f"/returns/{r3}/review", data={"verdict": "approve"}, headers=HTMX)
    assert answer.status_code == 200, answer.text
    assert answer.headers["HX-Retarget"] == f"#ret-{r3}" and answer.headers["HX-Reswap"] == "outerHTML"
    assert 'data-status="approved"' in answer.text and "approved by" in answer.text
    assert f'data-testid="receive-{r3}"' in answer.text  # what may be done next
    again = client.post(f"/returns/{r3}/review", data={"verdict": "reject"}, headers=HTMX)
    assert again.status_code == 409
    assert 'data-testid="error-message"' in again.text and "only one awaiting review can be rejected" in again.text
    assert _row_ids(client.get("/returns").text) == []  # nothing awaits review now


def test_reject_from_the_queue_takes_the_prompted_reason(ids: dict[str, str], client: TestClient) -> None:
    r3 = ids["r3"]
    answer = client.post(f"/returns/{r3}/review", data={"verdict": "reject"}, headers={**HTMX, "HX-Prompt": "worn"})
    assert answer.status_code == 200 and 'data-status="rejected"' in answer.text
    order = client.get(f"/orders/{ids['o1']}").text
    assert f"return {r3} rejected by" in order and ": worn" in order


def test_a_receipt_from_the_queue_and_its_refusals(ids: dict[str, str], client: TestClient) -> None:
    r5, r3 = ids["r5"], ids["r3"]
    form = client.get(f"/returns/{r5}/receipt")
    assert form.status_code == 200 and 'name="unit-1-1"' in form.text and 'value="EWR"' in form.text
    bad = client.post(f"/returns/{r5}/receipt", data={"location_id": "EWR", "unit-1-1": "sell"}, headers=HTMX)
    assert bad.status_code == 422 and "unit-1-1: 'sell' is not restock, refurbish or scrap" in unescape(bad.text)
    nowhere = client.post(f"/returns/{r5}/receipt", data={"location_id": "MARS", "unit-1-1": "restock"}, headers=HTMX)
    assert nowhere.status_code == 422 and "unknown location 'MARS'" in unescape(nowhere.text)
    early = client.post(f"/returns/{r3}/receipt", data={"location_id": "EWR", "unit-1-1": "restock"}, headers=HTMX)
    assert early.status_code == 409 and "only an approved return can be received" in early.text
    done = client.post(f"/returns/{r5}/receipt", data={"location_id": "EWR", "unit-1-1": "restock"}, headers=HTMX)
    assert done.status_code == 200, done.text
    assert 'data-status="received"' in done.text and "received at EWR by" in done.text
    assert text_of(client.get("/returns").text, "count-received") == "1"


def test_the_header_links_the_returns_page(ids: dict[str, str], client: TestClient) -> None:
    html = client.get("/returns").text
    assert re.search(r'<a href="/returns" data-testid="nav-returns" class="active">Returns</a>', html)
    assert 'href="/returns"' in client.get("/").text
