"""``route simulate`` on a real store: orders are placed through the services with the cost strategy, then
the simulation re-runs strategies against the stock each routing saw.

The network: a store at the ship-to point (0 km, zone 1: 5 + 0.5/kg, 1 day, handling 9) and a
Philadelphia warehouse (~130 km, zone 2: 7 + 0.5/kg, 2 days, handling 1); priority 100 x 0.01 = 1
per shipment, split penalty 5. Kettles weigh 2 kg. Stock: 3 at the store, 6 at the warehouse.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy import update
from typer.testing import CliRunner

from overture.bootstrap import Container
from overture.channels import rest
from overture.cli import app as cli
from overture.cli import routing as routing_cli
from overture.domain.inventory import Location, LocationKind, Sku
from overture.domain.routing import GeoPoint, great_circle_km
from overture.domain.sourcing import SourcingConfig, StrategyName, Zone
from overture.services import inventory, sourcing
from overture.services.capture import capture_order
from overture.services.errors import InvalidRequest
from overture.services.ports import InboundMessage
from overture.services.simulation import SkipReason, simulate
from overture.store.tables import decisions
from tests.factories import order_payload, stock

PHL = GeoPoint(39.9526, -75.1652)
CONFIG = SourcingConfig(
    rate_table=(Zone(50, 5.0, 0.5, 1), Zone(500, 7.0, 0.5, 2), Zone(None, 12.0, 1.0, 4)),
    handling_by_kind={"store": 9.0, "warehouse": 1.0},
    split_penalty=5.0,
)
OLD = datetime(2026, 10, 30, 10, 0, tzinfo=UTC)
RECENT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


class SteppingClock:
    """Strictly increasing like the hub's clock, from a moment the test sets."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now


@pytest.fixture
def ship_to(container: Container) -> GeoPoint:
    point = container.geocoder.locate(rest.translate(orjson.dumps(order_payload(("KETTLE", 1)))).ship_to)
    assert point is not None
    return point


def _place(container: Container, clock: SteppingClock, quantity: int) -> str:
    body = orjson.dumps(order_payload(("KETTLE", quantity), zip_code="10001"))
    result = capture_order(
        InboundMessage("rest", body, clock()),
        rest.translate,
        idempotency_key=None,
        uow_factory=container.uow,
        geocoder=container.geocoder,
        clock=clock,
    )
    return result.order.id


@pytest.fixture
def placed(container: Container, ship_to: GeoPoint) -> Iterator[dict[str, str]]:
    """One order routed before SINCE, then four after it: whole, split, whole from the store, unroutable."""
    sourcing.save_settings(container.uow, CONFIG, clock=container.clock)
    for location in (
        Location("NYC-STORE", "Herald Sq", ship_to.latitude, ship_to.longitude, kind=LocationKind.STORE),
        Location("PHL-DC", "Philadelphia DC", PHL.latitude, PHL.longitude),
    ):
        inventory.add_location(container.uow, location, clock=container.clock)
    inventory.upsert_skus(container.uow, [Sku("KETTLE", weight_kg=2.0)], clock=container.clock)
    stock(container, "KETTLE", "NYC-STORE", 3)
    stock(container, "KETTLE", "PHL-DC", 6)
    clock = SteppingClock(OLD)
    orders = {"old": _place(container, clock, 1)}  # PHL-DC: 5 left
    clock.now = RECENT
    for name, quantity in (("whole", 1), ("split", 6), ("store", 1), ("short", 1)):
        orders[name] = _place(container, clock, quantity)
    yield orders


def _km(ship_to: GeoPoint) -> float:
    return great_circle_km(ship_to, PHL)


def test_the_strategy_that_was_used_reproduces_the_actual_figures(
    container: Container, placed: dict[str, str], ship_to: GeoPoint
) -> None:
    report = simulate(container.uow, StrategyName.COST, since=SINCE)
    actual, simulated = report.actual.as_dict(), report.simulated.as_dict()
    assert actual == simulated
    assert report.differing == 0 and report.examples == [] and report.skipped == {}
    # whole: PHL 1 kettle = 7 + 1 + 1 + 1 = 10. split (PHL 4 left, store 3): PHL 4 (7 + 4 + 1 + 1) and the
    # store 2 (5 + 2 + 9 + 1) + 5 penalty = 35. store (PHL empty): 5 + 1 + 9 + 1 = 16. short: nothing left.
    assert (actual["orders"], actual["routed"], actual["unrouted"]) == (4, 3, 1)
    assert actual["cost"] == pytest.approx(10 + 35 + 16)
    assert (actual["shipments"], actual["split_orders"]) == (4, 1)
    assert actual["distance_km"] == pytest.approx(round(2 * _km(ship_to), 1), abs=0.1)
    assert actual["on_time_rate"] is None  # no order carried a promise date
    assert actual["mean_days_to_arrive"] == pytest.approx(round((2 + 2 + 1) / 3, 2))


def test_nearest_gives_the_figures_computed_by_hand(
    container: Container, placed: dict[str, str], ship_to: GeoPoint
) -> None:
    report = simulate(container.uow, StrategyName.NEAREST, since=SINCE)
    simulated = report.simulated.as_dict()
    # whole: the store, 0 km = 5 + 1 + 9 + 1 = 16. split: nearest first, the store's 3 (5 + 3 + 9 + 1) and
    # PHL's 3 (7 + 3 + 1 + 1) + 5 = 35. store: 16. short: unroutable under any strategy.
    assert simulated["cost"] == pytest.approx(16 + 35 + 16)
    assert (simulated["orders"], simulated["unrouted"], simulated["shipments"], simulated["split_orders"]) == (
        4,
        1,
        4,
        1,
    )
    assert simulated["distance_km"] == pytest.approx(round(_km(ship_to), 1), abs=0.1)
    assert simulated["mean_days_to_arrive"] == pytest.approx(round((1 + 2 + 1) / 3, 2))
    assert report.actual.as_dict()["cost"] == pytest.approx(61)
    # The whole order moves to the store (+6); the split takes the same two sites, other quantities (+0).
    assert report.differing == 2
    first, second = report.examples
    assert (first.order_id, second.order_id) == (placed["whole"], placed["split"])
    assert first.cost_delta == pytest.approx(6.0) and second.cost_delta == pytest.approx(0.0)
    assert (first.actual and first.actual.locations, first.simulated and first.simulated.locations) == (
        ("PHL-DC",),
        ("NYC-STORE",),
    )


def test_since_and_until_bound_the_routings(container: Container, placed: dict[str, str]) -> None:
    everything = simulate(container.uow, StrategyName.COST, since=OLD - timedelta(days=1))
    assert everything.actual.orders == 5 and everything.actual.cost == pytest.approx(10 + 61)
    before = simulate(container.uow, StrategyName.COST, since=OLD - timedelta(days=1), until=SINCE)
    assert before.actual.orders == 1
    paged = simulate(container.uow, StrategyName.NEAREST, since=OLD - timedelta(days=1), page_size=2)
    assert paged.actual.orders == 5 and paged.differing == 3  # the old order too moves to the store
    with pytest.raises(InvalidRequest, match="until"):
        simulate(container.uow, StrategyName.COST, since=SINCE, until=SINCE)


def test_a_routing_recorded_before_the_stock_seen_is_skipped_with_the_reason(
    container: Container, placed: dict[str, str]
) -> None:
    with container.engine.begin() as connection:
        row = connection.execute(
            decisions.select().where(decisions.c.order_id == placed["whole"], decisions.c.kind == "routing")
        ).one()
        legacy: dict[str, Any] = {k: v for k, v in row.inputs.items() if k not in ("stock_seen", "allocations")}
        connection.execute(update(decisions).where(decisions.c.id == row.id).values(inputs=legacy))
    report = simulate(container.uow, StrategyName.NEAREST, since=SINCE)
    assert report.skipped == {SkipReason.NO_STOCK_SEEN.value: 1}
    assert report.actual.orders == 3 and report.differing == 1


def test_the_decision_records_the_plan_and_the_stock_it_saw(container: Container, placed: dict[str, str]) -> None:
    (split,) = sourcing.routing_decisions(container.uow, placed["split"])
    seen = split["inputs"]["stock_seen"]
    assert seen["sites"] == {"NYC-STORE": {"available": {"KETTLE": 3}}, "PHL-DC": {"available": {"KETTLE": 4}}}
    assert seen["lines"] == [[1, "KETTLE", 6]] and seen["skus"] == {"KETTLE": [2.0, False, False]}
    assert split["inputs"]["allocations"] == [[1, "KETTLE", "PHL-DC", 4], [1, "KETTLE", "NYC-STORE", 2]]
    (short,) = sourcing.routing_decisions(container.uow, placed["short"])
    assert short["outcome"] == "no_feasible_plan" and short["inputs"]["allocations"] == []
    assert short["inputs"]["stock_seen"]["sites"] == {}  # nothing left anywhere


runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's tables at 200 columns whatever the process's terminal (an xdist worker's is a pipe)."""
    monkeypatch.setattr(routing_cli, "console", Console(width=200))


def _env(container: Container) -> dict[str, str]:
    # COLUMNS: rich sizes the table to the terminal, which CliRunner does not have.
    home, url = str(container.settings.home), str(container.engine.url)
    return {"OVERTURE_HOME": home, "OVERTURE_DATABASE_URL": url, "COLUMNS": "200"}


def test_cli_prints_both_rows_and_the_orders_that_differ(container: Container, placed: dict[str, str]) -> None:
    env = _env(container)
    args = ["route", "simulate", "--strategy", "nearest", "--since", "2026-11-01"]
    result = runner.invoke(cli, args, env=env, terminal_width=200)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    actual = next(line for line in lines if line.lstrip("│ ").startswith("actual"))
    simulated = next(line for line in lines if line.lstrip("│ ").startswith("simulated"))
    assert "61.00" in actual and "20.33" in actual  # cost, and per routed order
    assert "67.00" in simulated and "22.33" in simulated
    assert any(placed["whole"] in line and "+6.00" in line for line in lines)
    later = runner.invoke(cli, [*args[:-1], "2026-11-03"], env=env, terminal_width=200)
    assert later.exit_code == 0 and "n/a" in later.output  # nothing routed since: no per-order figure


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--strategy", "cheapest", "--since", "2026-11-01"], "--strategy"),
        (["--strategy", "cost", "--since", "last week"], "--since"),
        (["--strategy", "cost", "--since", "2026-11-01", "--until", "2026-10-01"], "--until"),
    ],
)
def test_cli_names_the_bad_option(container: Container, args: list[str], named: str) -> None:
    env = _env(container)
    result = runner.invoke(cli, ["route", "simulate", *args], env=env, terminal_width=200)
    assert result.exit_code == 2
    assert named in result.output, result.output


def test_api_returns_the_same_figures_and_names_bad_fields(
    client: TestClient, container: Container, placed: dict[str, str]
) -> None:
    response = client.get("/v1/sourcing/simulations", params={"strategy": "nearest", "since": "2026-11-01"})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = simulate(container.uow, StrategyName.NEAREST, since=SINCE).as_dict()
    assert body == orjson.loads(orjson.dumps(expected))
    assert (body["actual"]["cost"], body["simulated"]["cost"], body["differing_orders"]) == (61.0, 67.0, 2)
    assert body["examples"][0]["order_id"] == placed["whole"]
    bounded = client.get(
        "/v1/sourcing/simulations", params={"strategy": "cost", "since": "2026-10-01", "until": "2026-11-01"}
    ).json()
    assert bounded["actual"]["orders"] == 1
    for params, field in (
        ({"strategy": "cheapest", "since": "2026-11-01"}, "strategy"),
        ({"strategy": "cost", "since": "yesterday"}, "since"),
        ({"strategy": "cost"}, "since"),
    ):
        refused = client.get("/v1/sourcing/simulations", params=params)
        assert refused.status_code == 422, refused.text
        assert field in refused.text
