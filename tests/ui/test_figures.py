"""True figures (issue 15, item 4) against known data on both stores: counts that are counts, labels that
say what is measured, currency and separators, rates over the store's real age, bars that show and link
to their list, and routing explanations grouped with the SKU, the shortfall and the tie-break."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.domain.inventory import Location
from overture.domain.routing import GeoPoint
from overture.domain.sourcing import SourcingLine, SourcingRequest, SourcingSite, route
from overture.domain.sourcing.explained import group_rejections, shortfalls_in, tie_break
from overture.services.sourcing import _summarised
from overture.store.tables import inventory_positions, orders
from overture.ui.charts import MIN_BAR_PX, bar_chart
from overture.ui.routes.common import templates
from overture.ui.routes.savings import measured_period
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.ui.seed import seed, text_of


@pytest.fixture
def seeded(container: Container, client: TestClient) -> TestClient:
    seed(container)
    return client


def test_positions_at_or_below_safety_stock_are_counted_not_cut_at_the_list(
    container: Container, client: TestClient
) -> None:
    add_locations(container, ["EWR", "ATL"])
    skus = [f"S{n:03d}" for n in range(40)]
    add_skus(container, *skus)
    at = container.clock()
    with container.engine.begin() as c:
        for sku in skus:  # 80 positions, 70 at or below safety stock (on hand 0, safety 0 counts too)
            for location, on_hand in (("EWR", 0), ("ATL", 9 if sku < "S010" else 0)):
                c.execute(
                    inventory_positions.insert(),
                    {"sku": sku, "location_id": location, "on_hand": on_hand, "reserved": 0, "safety_stock": 0,
                     "updated_at": at},
                )  # fmt: skip
        p = inventory_positions
        direct = c.scalar(sa.select(sa.func.count()).where(p.c.on_hand - p.c.reserved <= p.c.safety_stock))
    assert direct == 70
    html = client.get("/").text
    assert text_of(html, "kpi-alerts") == "70"
    assert "Showing the first 50 of 70 positions at or below safety stock" in html
    assert len(re.findall(r'<a href="/inventory\?sku=S', html)) == 50


def test_every_tile_and_bar_links_to_its_list_and_small_bars_show(seeded: TestClient) -> None:
    html = seeded.get("/").text
    for href, testid in (
        ("/orders", "tile-total-orders"),
        ("/orders?max_age_h=24", "tile-orders-24h"),
        ("/exceptions", "tile-open-exceptions"),
    ):
        assert f'<a class="tile" href="{href}" data-testid="{testid}">' in html
    status_bars = re.findall(
        r'<a href="(/orders\?status=[a-z_]+)"[^>]*><rect [^>]*class="bar" data-value="(\d+)"', html
    )
    assert dict((h, v) for h, v in status_bars) == {
        "/orders?status=completed": "2",
        "/orders?status=on_hold": "1",
        "/orders?status=received": "1",
        "/orders?status=shipped": "1",
    }
    age_bars = re.findall(r'<a href="(/exceptions\?[^"]+)"[^>]*><rect [^>]*data-value="(\d+)"', html)
    assert [h.replace("&amp;", "&") for h, _ in age_bars] == [
        "/exceptions?younger_than_hours=1",
        "/exceptions?older_than_hours=1&younger_than_hours=4",
        "/exceptions?older_than_hours=4&younger_than_hours=24",
        "/exceptions?older_than_hours=24",
    ]
    assert '<a href="/exceptions?type=sla_breach">' in html
    # Each band's link lists exactly the band's count.
    for href, count in age_bars:
        rows = seeded.get(href.replace("&amp;", "&"), headers={"HX-Request": "true"}).text
        assert rows.count('data-testid="exception-row"') == int(count), href
    # 19 status changes with a previous one in the window (seed.py's paths), counted as transitions, not orders.
    assert "over 19 status transitions" in html and "Transitions out" in html
    chart = bar_chart([("few", 3), ("many", 3000), ("none", 0)], title="t", x_label="x", y_label="y", chart_id="c")
    heights = [float(h) for h in re.findall(r'height="([0-9.]+)" class="bar"', chart.svg)]
    assert heights[0] >= MIN_BAR_PX and heights[2] == 0.0 and heights[1] > 90


def test_savings_are_rates_over_the_stores_real_age_in_its_currency(stopped: TestClient) -> None:
    seeded = stopped
    page = seeded.get("/savings").text
    # The first order (ord_4) is 26 h old: the counts are over 1.1 d, not 30 days, and say so.
    assert "The store's first order came 1.1 d ago: counts are over those 1.1 d, not 30 days" in page
    assert text_of(page, "cost-day") == "8.31 USD"  # 1 touched / (26 / 24) days x 12 min / 60 x 45 per hour
    assert text_of(page, "cost-year") == "3,032.31 USD"
    euros = seeded.post(
        "/savings", data={"minutes_per_manual_order": "12", "loaded_hourly_cost": "45", "currency": "eur"}
    )
    assert euros.status_code == 200 and text_of(euros.text, "cost-day") == "8.31 EUR"
    bad = seeded.post("/savings", data={"minutes_per_manual_order": "12", "loaded_hourly_cost": "45", "currency": "€"})
    assert bad.status_code == 422 and "currency: &#39;€&#39; is not a currency code" in bad.text
    # One record: the refused form changed nothing, so it recorded nothing.
    [saved] = seeded.get("/v1/changes", params={"subject": "dashboard:savings"}).json()["items"]
    assert (saved["action"], saved["detail"]["before"], saved["detail"]["after"]["currency"]) == (
        "savings.settings_put",
        None,
        "EUR",
    )
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert measured_period(now - timedelta(days=90), now, 30) == timedelta(days=30)
    assert measured_period(None, now, 30) == timedelta(0)


def test_a_store_ten_minutes_old_extrapolates_nothing_and_says_why(container: Container, seeded: TestClient) -> None:
    with container.engine.begin() as c:
        young = container.clock() - timedelta(minutes=10)
        c.execute(sa.update(orders).values(created_at=young))
    page = seeded.get("/savings").text
    assert "first order came 10 s ago" not in page and "came 10.0 min ago" in page
    assert "Rates per day, month and year need at least 1.0 d of activity" in page
    assert 'data-testid="cost-day"' not in page
    assert text_of(page, "count-orders") == "5"  # what was measured is still shown


NYC = GeoPoint(40.7128, -74.0060)


def _site(code: str, latitude: float, longitude: float, **stock: int) -> SourcingSite:
    return SourcingSite(Location(code, code, latitude, longitude), stock)


def test_ties_are_named_by_what_broke_them() -> None:
    lines = [SourcingLine(1, "A", 2, 1.5)]
    far = _site("A-PHILADELPHIA", 39.9526, -75.1652, A=5)
    near = _site("B-NEWARK", 40.7357, -74.1724, A=5)
    decided = route(SourcingRequest(lines, NYC, [far, near], datetime(2026, 11, 23, 15, tzinfo=UTC)), "web").decision
    entries = [a for a in decided.alternatives]
    distances = {e["location_id"]: e["distance_km"] for e in entries if e.get("location_id")}
    costed = [e for e in entries if e.get("components")]
    tie = tie_break("cost", costed, distances)
    assert tie is not None and (tie.chosen, tie.runner_up, tie.by) == ("B-NEWARK", "A-PHILADELPHIA", "distance")
    twins = [_site("B-TWIN", 40.7357, -74.1724, A=5), _site("A-TWIN", 40.7357, -74.1724, A=5)]
    same = route(SourcingRequest(lines, NYC, twins, datetime(2026, 11, 23, 15, tzinfo=UTC)), "web").decision
    costed = [e for e in same.alternatives if e.get("components")]
    by_id = tie_break("cost", costed, {e["location_id"]: e["distance_km"] for e in same.alternatives})
    assert by_id is not None and (by_id.chosen, by_id.by) == ("A-TWIN", "location id")
    decision = {"strategy": "cost", "candidates": costed, "rejected": []}
    html = templates.get_template("_routing.html").render(routing=[{**_summarised(decision), "outcome": "x"}])
    assert "Tie: A-TWIN and B-TWIN both cost" in html and "its location id, first in order" in html
    assert shortfalls_in("short SKU-7 by 2, B by 5") == {"SKU-7": 2, "B": 5}
    assert shortfalls_in("cannot carry A (missing capability)") == {}


def test_the_order_page_groups_ruled_out_locations_with_the_sku_and_shortfall(
    container: Container, client: TestClient
) -> None:
    add_locations(container)  # EWR, ATL, ORD, DFW, LAX
    add_skus(container, "SKU-7")
    stock(container, "SKU-7", "LAX", 9)
    for location in ("EWR", "ATL", "ORD", "DFW"):
        stock(container, "SKU-7", location, 1)
    placed = client.post("/v1/orders", json=order_payload(("SKU-7", 3)))
    assert placed.status_code == 201, placed.text
    page = client.get(f"/orders/{placed.json()['id']}").text
    ruled = re.search(r'<li data-constraint="stock">(.*?)</li>', page, flags=re.S)
    assert ruled is not None
    said = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", ruled.group(1))).strip()
    assert said == "ruled out for stock: 4 locations; SKU-7 short by 2 at the nearest 4 (nearest: EWR, ORD, ATL, DFW)"
    assert 'data-testid="routing-all-rejected"' in page and "<details" in page
    groups = group_rejections([{"locations": ["X", "Y"], "constraint": "stock", "reason": "together they cannot"}])
    assert groups[0].combinations and not groups[0].nearest
