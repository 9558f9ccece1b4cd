"""The carrier's rates as routing cost (services/rate_shopping.py): the sourcing rate table fitted to the
cheapest quotes of the EasyPost simulator over HTTP on lanes from our locations, saved as a sourcing
settings change on SQLite and PostgreSQL, so the next orders are priced on them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from overture.bootstrap import Container
from overture.connectors.easypost import EasyPostConnector
from overture.connectors.http import ConnectorConfig
from overture.domain.sourcing.model import DEFAULT_RATE_TABLE, SourcingConfig
from overture.services import sourcing
from overture.services.rate_shopping import Quote, calibrate, fitted
from overture.simulators import SimulatorServer
from overture.simulators.carrier import SIMULATOR_API_KEY, create_carrier_app
from overture.store.tables import change_log
from tests.factories import add_locations

# The simulator's cheapest rate (USPS): 5.93 + 0.85 per started pound; 1 lb = 0.45359 kg.
BASE, PER_KG = 5.93, round(0.85 / 0.45359237, 4)


@pytest.fixture(scope="module")
def carrier() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_carrier_app()) as server:
        yield server


def test_the_rate_table_is_fitted_to_the_carriers_quotes_and_saved(
    container: Container, carrier: SimulatorServer
) -> None:
    add_locations(container, ["EWR", "LAX"])
    httpx.post(f"{carrier.url}/_reset", timeout=5).raise_for_status()

    async def run() -> object:
        config = ConnectorConfig("carrier", carrier.url)
        async with EasyPostConnector(config, api_key=SIMULATOR_API_KEY) as easypost:
            return await calibrate(
                container.uow, easypost, container.geocoder, ["EWR", "LAX"], clock=container.clock, actor="ops"
            )

    calibration = asyncio.run(run())

    assert len(calibration.quotes) == 2 * 19 * 2  # locations x lanes x weights
    assert sorted(calibration.fitted) == [0, 1, 2, 3, 4]  # the lanes reach every zone
    saved = sourcing.settings(container.uow)
    for zone in saved.rate_table:
        assert (zone.base, zone.per_kg) == pytest.approx((BASE, PER_KG), abs=0.01)
    assert [z.transit_days for z in saved.rate_table] == [z.transit_days for z in DEFAULT_RATE_TABLE]
    with container.engine.connect() as c:
        actions = [row.action for row in c.execute(change_log.select())]
    assert "sourcing.saved" in actions
    stats = httpx.get(f"{carrier.url}/_stats", timeout=5).json()
    assert stats["create_shipment"]["calls"] == len(calibration.quotes) and "buy_shipment" not in stats


def test_a_zone_without_quotes_keeps_its_values() -> None:
    config = SourcingConfig()
    near = [Quote("EWR", "10001", 10.0, 0.5, 7.0), Quote("EWR", "10001", 10.0, 2.5, 11.0)]
    result = fitted(config, near)
    assert result.fitted == {0: 2}
    assert (result.config.rate_table[0].base, result.config.rate_table[0].per_kg) == (6.0, 2.0)
    assert result.config.rate_table[1:] == DEFAULT_RATE_TABLE[1:]
