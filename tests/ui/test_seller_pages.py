"""The seller pages over the real app and store (SQLite and PostgreSQL), against the sellers of
tests/ui/seller_seed.py: the list with each seller's rates against the thresholds and its trend, a
seller's page with its sub-orders, account paged by key, payouts, cases, incidents and statement
links, and the sub-orders awaiting acceptance with the time left, nearest first."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.domain.access import Role
from overture.services.access import create_key
from overture.ui.routes.sellers import month_of
from tests.ui.seed import text_of
from tests.ui.seller_seed import BALANCE_MINOR, SALES, Sellers, api_poster, seed_sellers
from tests.web.signin import sign_in


@pytest.fixture
def seeded(container: Container, client: TestClient) -> Sellers:
    return seed_sellers(container, api_poster(client))


def _section(html: str, attribute: str, value: str, tag: str = "section") -> str:
    found = re.search(rf'<{tag}[^>]*{attribute}="{re.escape(value)}"[^>]*>(.*?)</{tag}>', html, flags=re.S)
    assert found, f"no <{tag}> with {attribute}={value}"
    return found.group(1)


def _rate(card: str, metric: str) -> tuple[str, str]:
    """(level, value text) of a rate row in a seller's card."""
    row = re.search(rf'<tr data-rate="{metric}" data-level="([a-z]+)">\s*<td>[^<]*</td>\s*<td[^>]*>([^<]*)', card)
    assert row, metric
    return row.group(1), row.group(2).strip()


def test_the_list_shows_every_seller_with_its_rates_against_the_thresholds(seeded: Sellers, client: TestClient) -> None:
    page = client.get("/sellers")
    assert page.status_code == 200, page.text
    html = page.text
    assert re.findall(r'data-testid="seller-card" data-seller="([^"]+)" data-status="([^"]+)"', html) == [
        ("acme", "approved"),
        ("bolt", "approved"),
        ("cosy", "pending"),
    ]
    acme = _section(html, "data-seller", "acme")
    # 1 late of 10 shipped: over the 4% limit, highlighted; the other rates within theirs.
    assert _rate(acme, "late_shipment_rate") == ("limit", "10.0%")
    late = re.search(r'data-rate="late_shipment_rate".*?</tr>', acme, flags=re.S)
    assert late is not None and "state-red" in late.group(0)
    assert _rate(acme, "valid_tracking_rate") == ("ok", "100.0%")
    assert _rate(acme, "acceptance_rate") == ("ok", "100.0%")
    assert _rate(acme, "cancellation_rate") == ("ok", "0.0%")
    assert "11 sub-orders" in acme and "too few to judge" not in acme
    assert text_of(acme, "seller-balance") == "60.00 USD"
    bolt = _section(html, "data-seller", "bolt")
    assert "too few to judge" in bolt and 'data-level="limit"' not in bolt and "on holiday" in bolt
    assert text_of(bolt, "seller-balance") == "0.00 USD"
    # A score trend per seller: eight weekly points, drawn on the server.
    for seller in ("acme", "bolt", "cosy"):
        chart = re.search(rf'<svg id="chart-score-{seller}".*?</svg>', html, flags=re.S)
        assert chart is not None and len(re.findall(r"<circle", chart.group(0))) == 8
    assert 'data-testid="nav-sellers" class="active"' in html


def test_a_sellers_page_has_its_sub_orders_cases_incidents_offers_and_payouts(
    seeded: Sellers, client: TestClient
) -> None:
    page = client.get("/sellers/acme")
    assert page.status_code == 200, page.text
    html = page.text
    assert text_of(html, "seller-status") == "approved"
    assert text_of(html, "seller-balance") == "60.00 USD"
    statuses = dict(re.findall(r'data-testid="sub-order-row" data-sub-order="([^"]+)" data-status="([^"]+)"', html))
    assert statuses[seeded.waiting["acme"]] == "awaiting_acceptance"
    assert all(statuses[s] == "shipped" for s in seeded.shipped)
    late_row = _section(html, "data-sub-order", seeded.late, tag="tr")
    assert "late" in late_row
    assert re.findall(r'data-testid="case-row" data-type="([^"]+)"', html) == ["scorecard_warning"]
    assert re.findall(r'data-testid="incident-row" data-status="([^"]+)"', html) == ["open"]
    assert "arrived broken" in html
    assert sorted(re.findall(r'data-testid="offer-row" data-sku="([^"]+)"', html)) == ["GADGET", "WIDGET-2"]
    assert "19.99 USD" in html and "4.50 USD" in html
    payouts = re.findall(r'data-testid="payout-row"[^>]*>.*?</tr>', html, flags=re.S)
    assert len(payouts) == 1 and "50.00 USD" in payouts[0] and "acme-bank" in payouts[0]
    assert "chart-score" in html


def _entries(html: str) -> list[tuple[str, str, str]]:
    rows = re.findall(
        r'data-testid="entry-row" data-entry="(\d+)".*?data-testid="entry-amount">([^<]*)<.*?'
        r'data-testid="entry-balance">([^<]*)<',
        html,
        flags=re.S,
    )
    return [(i, a, b) for i, a, b in rows]


def test_the_account_pages_newest_first_by_key_with_the_balance_after_each(seeded: Sellers, client: TestClient) -> None:
    first = client.get("/sellers/acme").text
    rows = _entries(first)
    assert len(rows) == 50
    assert rows[0][2] == "60.00 USD"  # the newest entry leaves the balance
    balances = [float(b.split()[0]) for _, _, b in rows]
    assert balances == [60 - n for n in range(50)]  # each sale of 1.00 before it
    older = re.search(r'href="([^"]+)" data-testid="entries-older"', first)
    assert older is not None and "before=" in older.group(1) and "offset" not in older.group(1)
    second = client.get(unescape(older.group(1))).text
    rest = _entries(second)
    # 60 sales, then the payout and the credit before them: 12 more, none seen before.
    assert len(rest) == SALES + 2 - 50 and not {r[0] for r in rows} & {r[0] for r in rest}
    assert [r[1] for r in rest[-2:]] == ["-50.00 USD", "50.00 USD"]
    assert [r[2] for r in rest[-2:]] == ["0.00 USD", "50.00 USD"]
    assert 'data-testid="entries-older"' not in second and 'data-testid="entries-newest"' in second


def test_a_sellers_page_links_this_months_statement(seeded: Sellers, client: TestClient) -> None:
    html = client.get("/sellers/acme").text
    start = seeded.now.strftime("%Y-%m-01")
    link = re.search(r'href="([^"]+)" data-testid="statement-csv"', html)
    assert link is not None and f"from={start}" in unescape(link.group(1))
    answer = client.get(unescape(link.group(1)))
    assert answer.status_code == 200, answer.text
    closing = answer.text.splitlines()[-1].split(",")
    # Every entry is in the past, so this month's closing balance is the balance now.
    assert (closing[1], int(closing[5])) == ("CLOSING_BALANCE", BALANCE_MINOR)
    assert closing[0] == f"{month_of(seeded.now)[1].isoformat()}"
    pdf = re.search(r'href="([^"]+)" data-testid="statement-pdf"', html)
    assert pdf is not None and client.get(unescape(pdf.group(1))).content.startswith(b"%PDF")


def test_an_unknown_seller_is_404(seeded: Sellers, client: TestClient) -> None:
    page = client.get("/sellers/nobody")
    assert page.status_code == 404 and unescape(text_of(page.text, "not-found")) == "No seller 'nobody'"


def test_acceptances_nearest_deadline_first_with_the_time_left(seeded: Sellers, client: TestClient) -> None:
    page = client.get("/sellers/acceptances")
    assert page.status_code == 200, page.text
    html = page.text
    order = re.findall(r'data-testid="acceptance-row" data-sub-order="([^"]+)"', html)
    assert order == [seeded.waiting["bolt-overdue"], seeded.waiting["acme"], seeded.waiting["bolt-fresh"]]
    left = {s: text_of(_section(html, "data-sub-order", s, tag="tr"), "time-left") for s in order}
    assert re.fullmatch(r"past due by [78]\.\d h", left[seeded.waiting["bolt-overdue"]])
    assert re.fullmatch(r"1[12]\.\d h left", left[seeded.waiting["acme"]])
    assert re.fullmatch(r"(2\.9|3\.0) d left", left[seeded.waiting["bolt-fresh"]])
    fresh = _section(html, "data-sub-order", seeded.waiting["bolt-fresh"], tag="tr")
    assert re.fullmatch(r"in 2[23]\.\d h", text_of(fresh, "alert-left"))
    assert "2 × GADGET" in fresh and "Bolt &amp; Sons" in fresh


@pytest.fixture
def signed_in(auth_container: Container) -> Iterator[tuple[TestClient, Container]]:
    with TestClient(create_app(auth_container)) as http:
        yield http, auth_container


@pytest.mark.auth
def test_a_viewer_sees_the_pages_but_no_statement_links(signed_in: tuple[TestClient, Container]) -> None:
    http, container = signed_in
    seed_sellers(container, _operator_poster(http, container))
    viewer = create_key(container.uow, container.clock, role=Role.VIEWER, name="vera").token
    assert sign_in(http, viewer, "/sellers", follow_redirects=False).status_code == 303
    page = http.get("/sellers/acme")
    assert page.status_code == 200 and 'data-testid="statement-links"' not in page.text
    statement = "/v1/sellers/acme/statements?from=2026-11-01&to=2026-12-01&format=csv"
    assert http.get(statement).status_code == 403
    operator = create_key(container.uow, container.clock, role=Role.OPERATOR, name="olga").token
    assert sign_in(http, operator, "/sellers", follow_redirects=False).status_code == 303
    link = re.search(r'href="([^"]+)" data-testid="statement-csv"', http.get("/sellers/acme").text)
    assert link is not None and http.get(unescape(link.group(1))).status_code == 200


def _operator_poster(http: TestClient, container: Container) -> Callable[[dict[str, object]], str]:
    token = create_key(container.uow, container.clock, role=Role.OPERATOR, name="seeder").token

    def post(body: dict[str, object]) -> str:
        answer = http.post("/v1/orders", json=body, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 201, answer.text
        order_id: str = answer.json()["id"]
        return order_id

    return post
