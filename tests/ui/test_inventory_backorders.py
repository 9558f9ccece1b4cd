"""The inventory page's open backorders and inbound supply of a SKU, on a small seeded store (SQLite and
PostgreSQL), the partial index that serves the backorders, and the savings page's resolution times."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.store.dashboard import SqlDashboard, backorders_query
from overture.store.tables import inbound_supply, order_exceptions, order_lines, orders
from tests.factories import add_locations, add_skus, stock

SKU = "SKU-B"


def _order(c: sa.Connection, order_id: str, status: str, created: datetime, *, priority: int = 1) -> None:
    c.execute(
        orders.insert(),
        {
            "id": order_id,
            "channel": "web",
            "external_id": order_id.upper(),
            "status": status,
            "customer": {"reference": "C-1", "name": "Ann", "email": "ann@example.com", "partner_id": None},
            "ship_to": {"postal_code": "10001", "country": "US", "name": "Ann", "line1": "1 Main St"},
            "currency": "USD",
            "total": Decimal("10.00"),
            "created_at": created,
            "updated_at": created,
            "priority": priority,
        },
    )


def _line(
    c: sa.Connection, order_id: str, line_no: int, sku: str, quantity: int, owed: int, promised: datetime | None
) -> None:
    c.execute(
        order_lines.insert(),
        {
            "order_id": order_id,
            "line_no": line_no,
            "sku": sku,
            "quantity": quantity,
            "unit_price": Decimal("1.00"),
            "status": "pending",
            "backordered": owed,
            "promised_at": promised,
        },
    )


def _supply(c: sa.Connection, supply_id: str, status: str, expected: datetime, quantity: int, received: int) -> None:
    c.execute(
        inbound_supply.insert(),
        {
            "id": supply_id,
            "kind": "purchase_order",
            "reference": f"PO-{supply_id}",
            "sku": SKU,
            "location_id": "EWR",
            "quantity": quantity,
            "received": received,
            "expected_at": expected,
            "status": status,
            "created_at": expected - timedelta(days=10),
            "updated_at": expected - timedelta(days=10),
        },
    )


@pytest.fixture
def seeded(container: Container, client: TestClient) -> datetime:
    """Three backordered orders of SKU-B (priorities 1, 3, 1), one line of another SKU owed too, an order
    of SKU-B owed nothing, a cancelled order whose line still says owed; two open POs and a received one."""
    add_locations(container, ["EWR"])
    add_skus(container, SKU, "SKU-C")
    stock(container, SKU, "EWR", 1)
    now = container.clock()
    due, later = now + timedelta(days=3), now + timedelta(days=9)
    with container.engine.begin() as c:
        _order(c, "ord_old", "backordered", now - timedelta(days=2))
        _line(c, "ord_old", 1, SKU, 5, 4, due)
        _line(c, "ord_old", 2, "SKU-C", 2, 2, later)
        _order(c, "ord_vip", "backordered", now - timedelta(hours=1), priority=3)
        _line(c, "ord_vip", 1, SKU, 2, 2, due)
        _order(c, "ord_new", "backordered", now - timedelta(minutes=5))
        _line(c, "ord_new", 1, "SKU-C", 1, 0, None)
        _line(c, "ord_new", 2, SKU, 6, 6, None)
        _order(c, "ord_full", "reserved", now - timedelta(days=1))
        _line(c, "ord_full", 1, SKU, 1, 0, None)
        _order(c, "ord_gone", "cancelled", now - timedelta(days=1))
        _line(c, "ord_gone", 1, SKU, 3, 3, due)
        _supply(c, "s2", "open", later, 10, 0)
        _supply(c, "s1", "open", due, 8, 2)
        _supply(c, "s0", "received", now - timedelta(days=1), 5, 5)
    return now


def _table(html: str, testid: str) -> list[list[str]]:
    found = re.search(rf'data-testid="{testid}">(.*?)</table>', html, flags=re.S)
    assert found, f"no table {testid!r}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1).split("<tbody>")[1], flags=re.S)
    return [[re.sub(r"<[^>]+>", " ", cell).split()[0] for cell in re.findall(r"<td[^>]*>(.*?)</td>", r)] for r in rows]


def test_backorders_in_fill_order_and_supply_soonest_first(seeded: datetime, client: TestClient) -> None:
    page = client.get("/inventory", params={"sku": SKU})
    assert page.status_code == 200, page.text
    due = (seeded + timedelta(days=3)).strftime("%Y-%m-%d")
    later = (seeded + timedelta(days=9)).strftime("%Y-%m-%d")
    # Highest priority first, then oldest; owed units, not the line quantity; no date when none is promised.
    assert _table(page.text, "backorders") == [
        ["ord_vip", "1", "2", "3", due],
        ["ord_old", "1", "4", "1", due],
        ["ord_new", "2", "6", "1", "no"],
    ]
    # Open lines only, soonest first, with what is still due of each.
    assert _table(page.text, "inbound-supply") == [["PO-s1", "EWR", due, "8", "6"], ["PO-s2", "EWR", later, "10", "10"]]


def test_a_sku_with_nothing_owed_or_expected_says_so(seeded: datetime, client: TestClient) -> None:
    html = client.get("/inventory", params={"sku": "SKU-C"}).text
    assert _table(html, "backorders") == [["ord_old", "2", "2", "1", (seeded + timedelta(days=9)).strftime("%Y-%m-%d")]]
    assert "None expected." in html


def test_the_partial_index_serves_the_backorders(container: Container, seeded: datetime) -> None:
    with container.engine.begin() as c:
        # The statement as the page sends it, parameters bound the same way.
        compiled = backorders_query(SKU).compile(dialect=c.dialect)
        if c.dialect.name == "postgresql":
            # A handful of rows would be read sequentially; forbidding that shows the index is usable,
            # that is, the planner proves the query's condition implies the index's.
            c.execute(sa.text("SET LOCAL enable_seqscan = off"))
            rows = c.exec_driver_sql(f"EXPLAIN {compiled.string}", compiled.params)
            plan = " ".join(row[0] for row in rows)
        else:
            params = tuple(compiled.params[name] for name in compiled.positiontup or ())
            rows = c.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled.string}", params)
            plan = " ".join(str(row[-1]) for row in rows)
    assert "ix_order_lines_sku" in plan, plan


def test_median_resolution_time_on_the_savings_counts(container: Container, seeded: datetime) -> None:
    """Durations are computed by each database: 30, 90 and 240 minutes resolved by people -> median 1.5 h;
    the system's own resolution and one resolved before the 30 days do not count."""
    now = seeded
    resolutions = [("x1", 30, "ops@shop", 1), ("x2", 90, "ops@shop", 2), ("x3", 240, "amy@shop", 3)]
    resolutions += [("x4", 5, "system", 1), ("x5", 600, "ops@shop", 40)]
    with container.engine.begin() as c:
        for exc_id, minutes, who, days_ago in resolutions:
            resolved = now - timedelta(days=days_ago)
            c.execute(
                order_exceptions.insert(),
                {
                    "id": exc_id,
                    "order_id": "ord_old",
                    "type": "connector_failure",
                    "step": "invoice",
                    "reason": "down",
                    "severity": "medium",
                    "allowed_actions": ["retry"],
                    "details": {},
                    "status": "resolved",
                    "created_at": resolved - timedelta(minutes=minutes),
                    "resolved_at": resolved,
                    "resolved_by": who,
                    "resolution": "retry",
                },
            )
    counts = SqlDashboard(container.engine).work_counts(now, 30)
    assert counts["manual_exceptions"] == 3 and counts["touched_orders"] == 1
    assert counts["median_resolution_hours"] == pytest.approx(1.5, abs=1e-6)
