"""The backlog use case and ``overture backlog plan`` on a real store: held orders and the stock
available now are read back, both solvers plan them, and nothing is reserved."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from overture.bootstrap import Container
from overture.cli import app
from overture.domain.orders import Order
from overture.domain.routing import Allocation
from overture.services.amendments import Amendment, amend_order
from overture.services.backlog import reallocate_backlog
from overture.services.placement import PlanCannotBeKept
from tests.factories import add_locations, add_skus, order_payload, stock


def _held(container: Container) -> list[str]:
    rows = container.views.exceptions(status="open", type_="insufficient_stock", after=None, limit=100)
    return [row["order_id"] for row in rows]


def _setup(client: TestClient, container: Container) -> tuple[str, str, str]:
    """Two orders held for want of A, one routed; then A arrives: 2 at Newark, 1 at Los Angeles."""
    add_locations(container, ["EWR", "LAX"])
    add_skus(container, "A", "B")
    stock(container, "B", "EWR", 5)
    single = client.post("/v1/orders", json=order_payload(("A", 1), zip_code="10001")).json()
    pair = client.post("/v1/orders", json=order_payload(("A", 2), zip_code="90021")).json()
    routed = client.post("/v1/orders", json=order_payload(("B", 1))).json()
    assert (single["status"], pair["status"], routed["status"]) == ("on_hold", "on_hold", "routed")
    stock(container, "A", "EWR", 2)
    stock(container, "A", "LAX", 1)
    return single["id"], pair["id"], routed["id"]


def test_cp_sat_plans_the_held_orders_greedy_strands_and_reserves_nothing(
    client: TestClient, container: Container
) -> None:
    single, pair, routed = _setup(client, container)

    def priority(order: Order) -> int:  # the New York order first: greedy sends it from Newark
        return 2 if order.id == single else 1

    result = reallocate_backlog(
        container.uow,
        [*_held(container), routed],  # a routed order among them is skipped
        geocoder=container.geocoder,
        clock=container.clock,
        time_limit_s=5.0,
        num_workers=1,
        priority_of=priority,
    )
    assert sorted(o.id for o in result.backlog.orders) == sorted([single, pair])
    assert {loc.id: dict(loc.stock) for loc in result.backlog.locations} == {"EWR": {"A": 2}, "LAX": {"A": 1}}
    assert set(result.greedy.allocations) == {single}
    assert {o: [a.location_id for a in chosen] for o, chosen in result.optimised.allocations.items()} == {
        single: ["LAX"],
        pair: ["EWR"],
    }
    assert (result.greedy.units_filled, result.optimised.units_filled) == (1, 3)
    assert client.get("/v1/inventory/A").json()["totals"]["reserved"] == 0
    assert client.get(f"/v1/orders/{pair}").json()["status"] == "on_hold"


def test_the_orders_own_priority_ranks_them_by_default(client: TestClient, container: Container) -> None:
    """The New York order of a key account (priority 2) takes Newark's units under greedy, as with
    the explicit ranking above: without its priority, age alone would put the older order first."""
    add_locations(container, ["EWR", "LAX"])
    add_skus(container, "A")
    older = client.post("/v1/orders", json=order_payload(("A", 2), zip_code="90021")).json()
    key_account = client.post("/v1/orders", json=order_payload(("A", 1), zip_code="10001", priority=2)).json()
    stock(container, "A", "EWR", 2)

    result = reallocate_backlog(
        container.uow, _held(container), geocoder=container.geocoder, clock=container.clock, time_limit_s=3.0
    )
    assert {o.id: o.priority for o in result.backlog.orders} == {older["id"]: 1, key_account["id"]: 2}
    assert set(result.greedy.allocations) == {key_account["id"]}


def test_cli_prints_greedy_beside_cp_sat(client: TestClient, container: Container) -> None:
    _setup(client, container)
    url = container.settings.resolved_database_url()
    home = str(container.settings.home)
    result = CliRunner().invoke(app, ["backlog", "plan", "--time-limit", "3", "--database-url", url, "--home", home])
    assert result.exit_code == 0, result.output
    assert "2 order(s) on hold, 3 unit(s) wanted, 3 in stock" in result.output
    assert "greedy" in result.output and "cp-sat" in result.output
    assert "units filled" in result.output


def _amend_as_planned(container: Container, order_id: str, exception_id: str, *planned: Allocation) -> None:
    amendment = Amendment("planner", "", "insufficient_stock", key=exception_id, planned=planned, plan="backlog plan")
    amend_order(container.uow, order_id, amendment, geocoder=container.geocoder, clock=container.clock)


def test_a_planned_split_is_reserved_exactly_as_planned(client: TestClient, container: Container) -> None:
    """Routing alone would ship all 3 from Newark; the plan splits them, and the plan is kept."""
    add_locations(container, ["EWR", "LAX"])
    add_skus(container, "A")
    order = client.post("/v1/orders", json=order_payload(("A", 3), zip_code="10001")).json()
    stock(container, "A", "EWR", 5)
    stock(container, "A", "LAX", 5)
    exception_id = container.views.open_exceptions_by_order("insufficient_stock")[order["id"]]

    _amend_as_planned(container, order["id"], exception_id, Allocation(1, "A", "EWR", 2), Allocation(1, "A", "LAX", 1))

    placed = client.get(f"/v1/orders/{order['id']}").json()
    assert placed["status"] == "routed"
    held = sorted((r["location_id"], r["quantity"]) for r in placed["reservations"] if r["status"] == "active")
    assert held == [("EWR", 2), ("LAX", 1)]
    [routing] = [e for e in placed["timeline"] if e["type"] == "decision" and e.get("outcome") == "planned"]
    assert "as the backlog plan allocated it, applied by planner" in routing["reason"]


@pytest.mark.parametrize(
    ("planned", "why"),
    [
        ((Allocation(1, "A", "LAX", 3),), "3 x A planned, 1 available now"),
        ((Allocation(1, "A", "EWR", 2),), "line 1 wants 3, the plan gives 2"),
        ((Allocation(2, "A", "EWR", 3),), "the order has no line 2 of A"),
    ],
)
def test_a_plan_the_order_or_stock_no_longer_fits_changes_nothing(
    client: TestClient, container: Container, planned: tuple[Allocation, ...], why: str
) -> None:
    add_locations(container, ["EWR", "LAX"])
    add_skus(container, "A")
    order = client.post("/v1/orders", json=order_payload(("A", 3), zip_code="10001")).json()
    stock(container, "A", "EWR", 5)
    stock(container, "A", "LAX", 1)
    exception_id = container.views.open_exceptions_by_order("insufficient_stock")[order["id"]]

    with pytest.raises(PlanCannotBeKept, match=why):
        _amend_as_planned(container, order["id"], exception_id, *planned)

    after = client.get(f"/v1/orders/{order['id']}").json()
    assert after["status"] == "on_hold"
    assert [r for r in after["reservations"] if r["status"] == "active"] == []
