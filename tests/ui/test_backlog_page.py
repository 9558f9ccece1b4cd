"""The backlog page: how many orders wait for stock, and both plans side by side (SQLite and PostgreSQL).
Applying the plan from the page drives the real workflows: tests/workflows/test_backlog_apply.py."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from overture.bootstrap import Container
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.ui.seed import text_of


def _two_held_then_stock(client: TestClient, container: Container) -> None:
    add_locations(container, ["EWR", "LAX"])
    add_skus(container, "A")
    client.post("/v1/orders", json=order_payload(("A", 2), zip_code="90021"))
    client.post("/v1/orders", json=order_payload(("A", 1), zip_code="10001", priority=2))
    stock(container, "A", "EWR", 2)
    stock(container, "A", "LAX", 1)


def _cell(html: str, row: str, solver: str) -> str:
    found = re.search(rf'<tr data-row="{row}">.*?data-solver="{solver}">([^<]*)<', html, flags=re.S)
    assert found is not None, (row, solver)
    return found.group(1)


def test_the_page_counts_the_held_orders(client: TestClient, container: Container) -> None:
    _two_held_then_stock(client, container)

    page = client.get("/backlog")

    assert page.status_code == 200, page.text
    assert text_of(page.text, "backlog-held") == "2"
    assert 'data-testid="nav-backlog"' in page.text


def test_planning_shows_greedy_beside_cp_sat_and_offers_to_apply(client: TestClient, container: Container) -> None:
    _two_held_then_stock(client, container)

    plan = client.post("/backlog/plan", data={"time_limit_s": "3"}, headers={"HX-Request": "true"})

    assert plan.status_code == 200, plan.text
    assert (_cell(plan.text, "units_filled", "greedy"), _cell(plan.text, "units_filled", "cp-sat")) == ("1", "3")
    assert (_cell(plan.text, "orders_filled", "greedy"), _cell(plan.text, "orders_filled", "cp-sat")) == ("1", "2")
    assert 'data-testid="backlog-apply"' in plan.text and "to its 2 order(s)" in plan.text
    # Planning changed nothing: both orders still wait.
    assert text_of(client.get("/backlog").text, "backlog-held") == "2"


def test_a_time_limit_that_is_not_a_number_is_refused_with_the_field(client: TestClient) -> None:
    plan = client.post("/backlog/plan", data={"time_limit_s": "soon"}, headers={"HX-Request": "true"})

    assert plan.status_code == 422
    assert "time_limit_s" in plan.text
