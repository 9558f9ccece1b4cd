"""Every dashboard page over the real app and store (SQLite and PostgreSQL), figures checked against a
small seeded store whose expected numbers are worked out by hand in seed.py's docstring."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.store.tables import inventory_positions
from tests.factories import add_locations, add_skus, stock
from tests.ui.seed import rows_with, seed, text_of


@pytest.fixture
def seeded(container: Container, client: TestClient) -> TestClient:
    seed(container)
    return client


def test_overview_shows_the_seeded_figures(seeded: TestClient) -> None:
    page = seeded.get("/")
    assert page.status_code == 200, page.text
    html = page.text
    assert text_of(html, "kpi-total-orders") == "5"
    assert text_of(html, "kpi-orders-24h") == "4"  # ord_4 is 26 h old
    assert text_of(html, "kpi-touchless") == "50.0%"  # 2 completed, ord_2 had a person's retry
    assert text_of(html, "kpi-open-exceptions") == "3"
    assert rows_with(html, "data-status") == {"completed": "2", "on_hold": "1", "shipped": "1", "received": "1"}
    assert rows_with(html, "data-type") == {"connector_failure": "1", "sla_breach": "1", "unknown_sku": "1"}
    assert rows_with(html, "data-band") == {"under 1 h": "1", "1-4 h": "1", "4-24 h": "0", "over 24 h": "1"}
    # ord_1 spent 60 s and ord_2 120 s as received (ord_3's events are 3 h old, inside the 24 h window: 60 s).
    durations = re.search(r'<tr data-step="received">(.*?)</tr>', html, flags=re.S)
    assert durations is not None
    assert re.findall(r'class="num">([^<]*)<', durations.group(1)) == ["3", "1.0 min", "2.0 min"]
    # Charts are drawn, titled, and carry the data.
    assert '<title id="chart-orders-per-hour-title">Orders per hour, last 24 hours</title>' in html
    hourly = [float(v) for v in re.findall(r"<circle[^>]*><title>\d\d:00: ([0-9.]+)</title>", html)]
    assert len(hourly) == 24 and sum(hourly) == 4


def test_connector_health_counts_failures_and_successes(seeded: TestClient) -> None:
    html = seeded.get("/").text
    invoice = re.search(r'<tr data-step="invoice">(.*?)</tr>', html, flags=re.S)
    assert invoice is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", invoice.group(1))
    # Two orders invoiced in 24 h (ord_1, ord_2), one connector failure at invoice: 1 / 3 = 33.3 %.
    assert cells[3:] == ["2", "1", "33.3%", "1"]


def test_kpi_tiles_fragment_refreshes_alone(seeded: TestClient) -> None:
    tiles = seeded.get("/ui/overview/tiles")
    assert tiles.status_code == 200
    assert "<html" not in tiles.text and text_of(tiles.text, "kpi-total-orders") == "5"
    assert 'hx-trigger="every 30s"' in tiles.text


def test_exception_queue_lists_open_ones_oldest_first_in_plain_words(seeded: TestClient) -> None:
    html = seeded.get("/exceptions").text
    ids = re.findall(r'data-testid="exception-row" data-exception-id="([^"]+)"', html)
    assert ids == ["exc_sla", "exc_conn", "exc_sku"]
    assert "Another system did not answer while sending the invoice: connector_failure at invoice" in html
    # The actions the exception allows, edit included (it opens the row's form of lines).
    assert 'data-testid="action-retry-exc_sku"' in html and 'data-testid="action-edit-exc_sku"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type": "connector_failure"}, ["exc_conn"]),
        ({"channel": "web"}, ["exc_sku"]),
        ({"partner": "ACME"}, ["exc_conn"]),
        ({"older_than_hours": "1"}, ["exc_sla", "exc_conn"]),
        ({"older_than_hours": "24"}, ["exc_sla"]),
        ({"assignee": "-"}, ["exc_sla", "exc_conn", "exc_sku"]),
    ],
)
def test_queue_filters(seeded: TestClient, query: dict[str, str], expected: list[str]) -> None:
    fragment = seeded.get("/exceptions", params=query, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert re.findall(r'data-testid="exception-row" data-exception-id="([^"]+)"', fragment.text) == expected


def test_bad_filters_are_named(seeded: TestClient) -> None:
    page = seeded.get("/exceptions", params={"type": "nonsense", "older_than_hours": "soon"})
    assert page.status_code == 422
    assert "type: &#39;nonsense&#39; is not an exception type" in page.text
    assert "older_than_hours: &#39;soon&#39; is not a number of hours" in page.text


def test_assign_to_me_then_filter_by_assignee(seeded: TestClient) -> None:
    assert seeded.post("/exceptions/exc_conn/assign").status_code == 200
    mine = seeded.get("/exceptions", params={"assignee": "dashboard"}, headers={"HX-Request": "true"}).text
    assert re.findall(r'data-exception-id="([^"]+)"', mine) == ["exc_conn"]
    refused = seeded.post("/exceptions/exc_done/assign")
    assert refused.status_code == 409 and "exc_done is not open" in refused.text


def test_bulk_assign_reports_each_exception(seeded: TestClient) -> None:
    response = seeded.post("/exceptions/bulk", data={"action": "assign", "ids": ["exc_sla", "exc_done"]})
    assert response.status_code == 207
    assert "exc_sla: assigned to you" in response.text and "exc_done: exception exc_done is not open" in response.text


def test_actions_show_errors_inline_without_an_engine(seeded: TestClient) -> None:
    # No workflow engine behind this app: said plainly (the API answers the same), and nothing changed.
    offline = seeded.post("/exceptions/exc_conn/resolve", data={"action": "retry"})
    assert offline.status_code == 409 and "exc_conn: the workflow engine is not connected" in offline.text
    bad = seeded.post("/exceptions/exc_conn/resolve", data={"action": "explode"})
    assert bad.status_code == 409 and "action: Input should be" in bad.text
    bulk = seeded.post("/exceptions/bulk", data={"action": "retry", "ids": ["exc_conn", "exc_sla"]})
    assert bulk.status_code == 207 and bulk.text.count("workflow engine is not connected") == 2
    queue = seeded.get("/exceptions").text
    assert re.findall(r'data-exception-id="([^"]+)"', queue)[:3] == ["exc_sla", "exc_conn", "exc_sku"]


def test_order_page_has_the_timeline_documents_and_who_resolved(seeded: TestClient) -> None:
    page = seeded.get("/orders/ord_2")
    assert page.status_code == 200
    assert text_of(page.text, "order-status") == "completed"
    statuses = re.findall(r'data-testid="timeline-status">([^<]+)<', page.text)
    assert statuses == ["received", "validated", "reserved", "routed", "released", "shipped", "invoiced", "completed"]
    assert "retry by ops@shop" in page.text
    edi = seeded.get("/orders/ord_3").text
    assert 'href="/messages/msg_1"' in edi and 'href="/documents/doc_855"' in edi
    assert "BUYER-PO-9" in edi
    raw = seeded.get("/messages/msg_1")
    assert raw.status_code == 200 and text_of(raw.text, "raw-body") == "ISA*00*PO-777~"
    sent = seeded.get("/documents/doc_855")
    assert sent.status_code == 200 and text_of(sent.text, "raw-body") == "ISA*00*ACK-855~"
    assert seeded.get("/orders/ord_nope").status_code == 404
    assert seeded.get("/messages/nope").status_code == 404


@pytest.mark.parametrize(
    ("term", "order_id"),
    [
        ("ord_4", "ord_4"),  # order id
        ("W-2", "ord_2"),  # channel order id
        ("PO-777", "ord_3"),  # PO number (the EDI channel's order id)
        ("BUYER-PO-9", "ord_3"),  # another system's reference
        ("1Z999", "ord_4"),  # tracking number
        ("zed@example.COM", "ord_5"),  # customer e-mail, any case
    ],
)
def test_search_by_each_reference_kind_opens_the_order(seeded: TestClient, term: str, order_id: str) -> None:
    response = seeded.get("/search", params={"q": term}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/orders/{order_id}"


def test_search_matching_several_or_none_goes_to_the_orders_list_searched(seeded: TestClient) -> None:
    many = seeded.get("/search", params={"q": "ann@example.com"}, follow_redirects=False)
    assert many.status_code == 303 and many.headers["location"] == "/orders?q=ann%40example.com"
    none = seeded.get("/search", params={"q": "nothing-like-it"}, follow_redirects=False)
    assert none.headers["location"] == "/orders?q=nothing-like-it"
    listed = seeded.get("/search", params={"q": "nothing-like-it"})
    assert listed.status_code == 200 and 'data-testid="no-orders"' in listed.text


def test_inventory_page(container: Container, client: TestClient) -> None:
    add_locations(container, ["EWR", "ATL"])
    add_skus(container, "A")
    stock(container, "A", "EWR", 10)
    stock(container, "A", "ATL", 3)
    with container.engine.begin() as c:
        c.execute(
            inventory_positions.update()
            .where(inventory_positions.c.sku == "A", inventory_positions.c.location_id == "ATL")
            .values(safety_stock=3)
        )
    page = client.get("/inventory", params={"sku": "A"})
    assert page.status_code == 200
    assert text_of(page.text, "inventory-sku") == "A"
    assert rows_with(page.text, "data-location") == {"ATL": "0", "EWR": "10", "total": "10"}
    assert page.text.count("test stock") == 2  # both receipts in the ledger
    overview = client.get("/").text
    assert text_of(overview, "kpi-alerts") == "1"  # ATL: 3 on hand, safety stock 3
    missing = client.get("/inventory", params={"sku": "ZZZ"})
    assert missing.status_code == 404 and "sku: no SKU &#39;ZZZ&#39;" in missing.text


def test_savings_page_uses_real_counts_and_keeps_inputs(stopped: TestClient) -> None:
    seeded = stopped
    page = seeded.get("/savings")
    assert page.status_code == 200
    # 5 orders in 30 days, 1 touched (ord_2), 1 exception resolved by a person.
    assert (text_of(page.text, "count-orders"), text_of(page.text, "count-touched")) == ("5", "1")
    assert text_of(page.text, "count-manual-exceptions") == "1"
    saved = seeded.post(
        "/savings",
        data={"minutes_per_manual_order": "30", "loaded_hourly_cost": "60", "known_channels": "web, edi, amazon, csv"},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200 and "<html" not in saved.text
    # The store is 26 h old (ord_4): 1 touched order / (26 / 24) days x 30 min x 60 per hour = 27.69 a day,
    # 830.77 a month of 30 days, 10,107.69 a year, in the orders' currency (tests/ui/test_figures.py: more).
    assert (text_of(saved.text, "cost-day"), text_of(saved.text, "cost-month")) == ("27.69 USD", "830.77 USD")
    assert text_of(saved.text, "cost-year") == "10,107.69 USD"
    # 3 of 4 known channels sent orders: 75 % connected -> integrated (coordinated needs 80 %).
    assert text_of(saved.text, "maturity-level") == "integrated"
    assert "3 of 4 known channels sent orders in the last 30 days (75%)" in saved.text
    again = seeded.get("/savings").text
    assert 'value="30"' in again and 'value="web, edi, amazon, csv"' in again


def test_savings_refuses_bad_input_naming_the_field(seeded: TestClient) -> None:
    bad = seeded.post("/savings", data={"minutes_per_manual_order": "-5", "loaded_hourly_cost": "60"})
    assert bad.status_code == 422
    assert "minutes_per_manual_order: must be more than 0" in text_of(bad.text, "savings-error")
    nan = seeded.post("/savings", data={"minutes_per_manual_order": "5", "loaded_hourly_cost": "lots"})
    assert nan.status_code == 422 and "loaded_hourly_cost: &#39;lots&#39; is not a number" in nan.text


def test_every_page_links_the_local_htmx_and_search_box(seeded: TestClient) -> None:
    for path in ("/", "/exceptions", "/orders/ord_1", "/inventory", "/savings", "/search?q=x"):
        html = seeded.get(path).text
        assert '<script src="/static/vendor/htmx.min.js"' in html, path
        assert 'data-testid="search-box"' in html, path
        assert "unpkg" not in html and "cdn" not in html.lower(), path
    assert seeded.get("/static/app.css").status_code == 200


def test_missing_htmx_gives_a_clear_error_page(container: Container, tmp_path: Path) -> None:
    app = create_app(container)
    app.state.ui_static_dir = tmp_path  # a static folder without vendor/htmx.min.js
    with TestClient(app) as client:
        page = client.get("/")
    assert page.status_code == 503
    assert "make install" in page.text and "htmx" in page.text
