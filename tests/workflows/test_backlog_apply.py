"""Applying the backlog plan (POST /v1/backlog/plan with apply) places held orders exactly as CP-SAT
allocated them, through each order's workflow, which then runs them to completed."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import Hub


def _held_orders_then_stock(hub: Hub) -> tuple[str, str]:
    """A key account's order of 1 from New York and an older order of 2 to Los Angeles, both held
    for want of A; then 2 arrive at Newark and 1 at Los Angeles. Greedy gives Newark's units to the
    key account and strands the pair; CP-SAT sends the key account's one from Los Angeles."""
    add_locations(hub.container, ["EWR", "LAX"])
    add_skus(hub.container, "A")
    pair = hub.post_order(order_payload(("A", 2), zip_code="90021"))["id"]
    single = hub.post_order(order_payload(("A", 1), zip_code="10001", priority=2))["id"]
    hub.wait_for(lambda: len(_open_exceptions(hub)) == 2, what="two stock exceptions")
    stock(hub.container, "A", "EWR", 2)
    stock(hub.container, "A", "LAX", 1)
    return single, pair


def _open_exceptions(hub: Hub) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = hub.http.get("/v1/exceptions", params={"status": "open"}).json()["items"]
    return items


def _released_from(hub: Hub) -> dict[str, set[str]]:
    releases = httpx.get(f"{hub.wms.url}/_records", timeout=5).json()["releases"]
    where: dict[str, set[str]] = {}
    for release in releases:
        where.setdefault(release["order_id"], set()).add(release["location_id"])
    return where


def test_planning_alone_changes_nothing(hub: Hub) -> None:
    single, pair = _held_orders_then_stock(hub)

    response = hub.http.post("/v1/backlog/plan", json={"time_limit_s": 3})

    assert response.status_code == 200, response.text
    plans = response.json()["plans"]
    assert (plans["greedy"]["units_filled"], plans["cp-sat"]["units_filled"]) == (1, 3)
    assert set(plans["greedy"]["allocations"]) == {single}
    assert "applied" not in response.json()
    assert {hub.order(o)["status"] for o in (single, pair)} == {"on_hold"}


def test_applying_cp_sat_places_both_orders_as_planned_and_they_complete(hub: Hub) -> None:
    single, pair = _held_orders_then_stock(hub)

    response = hub.http.post("/v1/backlog/plan", json={"time_limit_s": 3, "apply": True, "actor": "planner"})

    assert response.status_code == 200, response.text
    applied = {a["order_id"]: a["status"] for a in response.json()["applied"]}
    assert applied == {single: "accepted", pair: "accepted"}
    for order_id in (single, pair):
        hub.wait_status(order_id, "completed")
    assert _released_from(hub) == {single: {"LAX"}, pair: {"EWR"}}
    assert _open_exceptions(hub) == []
    timeline = hub.order(single)["timeline"]
    planned = [e for e in timeline if e["type"] == "decision" and e.get("outcome") == "planned"]
    assert len(planned) == 1 and "backlog plan (cp-sat)" in planned[0]["reason"] and "planner" in planned[0]["reason"]


def test_applying_from_the_dashboard_runs_the_orders_to_completed(hub: Hub) -> None:
    single, pair = _held_orders_then_stock(hub)
    hx = {"HX-Request": "true"}

    planned = hub.http.post("/backlog/plan", data={"time_limit_s": "3"}, headers=hx)
    assert planned.status_code == 200 and 'data-testid="backlog-apply"' in planned.text, planned.text
    form = {"time_limit_s": "3", "apply": "1", "note": "late receipt"}
    applied = hub.http.post("/backlog/plan", data=form, headers=hx)

    assert applied.status_code == 200, applied.text
    assert applied.text.count("accepted") == 2
    for order_id in (single, pair):
        hub.wait_status(order_id, "completed")
    assert _released_from(hub) == {single: {"LAX"}, pair: {"EWR"}}
