"""ChannelAdvisor as an availability channel: each SKU's figure per distribution center, from the publisher
that outside.py builds from the settings, into the ChannelAdvisor simulator over HTTP, on SQLite and
PostgreSQL. The figures expected are worked out here by hand from the stock and the rules, not by the
code under test."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from overture.bootstrap import Container, bootstrap
from overture.config import Settings
from overture.connectors.channeladvisor_inventory import ChannelAdvisorAvailability
from overture.outside import availability_publisher
from overture.services.availability import PublishReport
from overture.simulators.channeladvisor import CaAuthority, create_channeladvisor_app
from overture.simulators.server import SimulatorServer
from overture.store.availability import SqlAvailabilityStore
from tests.factories import add_locations, add_skus, stock

DCS = {"EWR": 0, "LAX": 12}  # ORD has no distribution center in ChannelAdvisor
# ChannelAdvisor may not sell from LAX and holds 10% back; Amazon has 20% of each location to itself.
RULES = [
    {"channel": "channeladvisor", "buffer_percent": 10, "excluded_locations": ["LAX"]},
    {"channel": "amazon", "exclusive_percent": 20},
]


@pytest.fixture
def ca() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_channeladvisor_app(orders=[], skus=("CA-1001", "CA-1002"))) as server:
        yield server


@pytest.fixture
def hub(database_url: str, tmp_path: Path, ca: SimulatorServer) -> Iterator[Container]:
    authority = CaAuthority()
    settings = Settings(
        home=tmp_path,
        database_url=database_url,
        auth="off",
        channeladvisor_api_url=ca.url,
        channeladvisor_application_id=authority.application_id,
        channeladvisor_shared_secret=SecretStr(authority.shared_secret),
        channeladvisor_refresh_token=SecretStr(authority.refresh_token),
        channeladvisor_distribution_centers=DCS,
        availability_channel_rules=RULES,
    )
    built = bootstrap(settings, migrate=False)
    add_locations(built, ["EWR", "LAX", "ORD"])
    add_skus(built, "CA-1001", "CA-1002", "NOT-IN-CA")
    for sku, (ewr, lax, ord_) in {"CA-1001": (40, 10, 7), "CA-1002": (3, 50, 0), "NOT-IN-CA": (5, 0, 0)}.items():
        for location, units in (("EWR", ewr), ("LAX", lax), ("ORD", ord_)):
            if units:
                stock(built, sku, location, units)
    yield built
    built.close()


def passes(hub: Container, count: int, *, between: Callable[[int], None] = lambda _: None) -> list[PublishReport]:
    """``count`` passes of the publisher outside.py builds, in one event loop (its connector's),
    ``between(n)`` run before pass ``n``."""

    async def main() -> list[PublishReport]:
        publisher = availability_publisher(hub)
        reports = []
        try:
            for n in range(count):
                between(n)
                reports.append(await publisher.publish_once())
        finally:
            for target in publisher.targets:
                if isinstance(target, ChannelAdvisorAvailability):
                    await target.aclose()
        return reports

    return asyncio.run(main())


def dc_quantities(url: str) -> dict[str, dict[str, int]]:
    products: dict[str, Any] = httpx.get(f"{url}/_records").json()["products"]
    return {sku: {dc: held["Quantity"] for dc, held in p["DCQuantities"].items()} for sku, p in products.items()}


def quantity_calls(url: str) -> int:
    return int(httpx.get(f"{url}/_stats").json().get("updateQuantity", {}).get("calls", 0))


def test_each_sku_is_sent_per_distribution_center_by_the_channels_rules(hub: Container, ca: SimulatorServer) -> None:
    [report] = passes(hub, 1)

    # CA-1001 at EWR: 40 less Amazon's 8 = 32, less 10% (4, rounded up) = 28, within the channel's network
    # figure (47 seen less Amazon's 12 of 57 = 35, less 4 = 31). CA-1002 at EWR alone would be 3 - 1 - 1 = 1,
    # but its network figure is 0 (3 seen, Amazon's share is 11 of 53): no more than that is shown.
    # LAX is excluded for the channel: 0, so ChannelAdvisor holds nothing there. ORD has no DC: not sent.
    assert dc_quantities(ca.url) == {"CA-1001": {"0": 28, "12": 0}, "CA-1002": {"0": 0, "12": 0}}
    assert report.sent == {"channeladvisor": 3}  # NOT-IN-CA has no product: nothing to tell, not retried
    assert report.failed == set() and SqlAvailabilityStore(hub.engine).pending() == 0


def test_only_the_locations_that_changed_are_sent_again(hub: Container, ca: SimulatorServer) -> None:
    calls: list[int] = []

    def between(n: int) -> None:
        calls.append(quantity_calls(ca.url))
        if n == 1:
            stock(hub, "CA-1001", "EWR", 10)  # 50 at EWR: 50 - 10 = 40, less 4 = 36
            stock(hub, "CA-1002", "ORD", 9)  # no DC at ORD: its figures in ChannelAdvisor do not change

    _, report, again = passes(hub, 3, between=between)  # the third: nothing flagged, nothing sent

    assert report.sent == {"channeladvisor": 1} and calls[2] == calls[1] + 1  # one SKU, one call
    assert dc_quantities(ca.url)["CA-1001"] == {"0": 36, "12": 0}
    assert again.skus == 0 and quantity_calls(ca.url) == calls[2]
    assert SqlAvailabilityStore(hub.engine).pending() == 0


def test_a_failed_update_keeps_the_sku_flagged_and_the_next_pass_sends_it(hub: Container, ca: SimulatorServer) -> None:
    httpx.post(f"{ca.url}/_faults", json={"operation": "updateQuantity", "fail_first": 1, "status": 503})
    first, second = passes(hub, 2)

    # The first call failed (ChannelAdvisor unwell): the SKUs after it waited too, none was lost.
    assert first.failed == {"CA-1001", "CA-1002", "NOT-IN-CA"} and first.sent == {"channeladvisor": 0}
    assert second.failed == set() and SqlAvailabilityStore(hub.engine).pending() == 0
    assert dc_quantities(ca.url) == {"CA-1001": {"0": 28, "12": 0}, "CA-1002": {"0": 0, "12": 0}}
