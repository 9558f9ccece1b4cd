"""Availability publishing under a burst: updates sent versus changes, and publish-to-channel lag.

A fresh SQLite store with one SKU stocked at 4 locations, the Shopify simulator served over HTTP in
this process, and the publisher loop running every ``--interval`` seconds. A writer thread then
commits ``--changes`` stock changes to that SKU, each one unit less (reservations and adjustments
alternating), so every change has its own figure and the figure only ever falls.

The lag of a change is the time from its commit returning to the simulator receiving a figure
that includes it (the first figure at or below the one the change produced): the time a buyer
on the storefront could still see stock that is gone. Target: p99 under 1 s.

    .venv/bin/python benchmarks/bench_availability.py
    .venv/bin/python benchmarks/bench_availability.py --changes 5000 --interval 0.1
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from overture.bootstrap import Container, bootstrap
from overture.config import Settings
from overture.connectors.http import ConnectorConfig
from overture.connectors.shopify_inventory import ShopifyInventoryConnector, ShopifyInventoryTarget
from overture.domain.availability import ChannelRules
from overture.domain.inventory import Location, Sku
from overture.domain.routing import Allocation
from overture.services import inventory
from overture.services.availability import AvailabilityPublisher
from overture.services.retry import in_transaction
from overture.simulators.server import SimulatorServer
from overture.simulators.shopify import ShopifyLevels, create_shopify_app
from overture.store.availability import SqlAvailabilityStore
from overture.workflows.availability_publisher import publish_continuously

SKU = "SKU-BURST"
LOCATIONS = ("EWR", "ATL", "ORD", "LAX")
TARGET_P99_S = 1.0


def _prepare(container: Container, per_location: int) -> None:
    for n, code in enumerate(LOCATIONS):
        location = Location(code, code, 40.0 - n, -74.0 - n)
        inventory.add_location(container.uow, location, clock=container.clock)
    inventory.upsert_skus(container.uow, [Sku(SKU)], clock=container.clock)
    entries = [inventory.StockEntry(SKU, code, per_location, "opening stock") for code in LOCATIONS]
    inventory.receive(container.uow, entries, clock=container.clock)


def _change(container: Container, n: int) -> None:
    """One unit less: a reservation, or every other time a count adjustment."""
    location = LOCATIONS[n % len(LOCATIONS)]
    if n % 2:
        entry = inventory.StockEntry(SKU, location, -1, "cycle count")
        inventory.adjust(container.uow, [entry], clock=container.clock)
        return
    allocation = Allocation(1, SKU, location, 1)
    in_transaction(container.uow, lambda uow: uow.inventory.reserve(f"bench-{n}", [allocation], container.clock()))


def _burst(container: Container, changes: int, opening: int) -> list[tuple[float, int]]:
    """Commit the changes; returns (monotonic time the commit returned, figure after it) per change."""
    committed = []
    for n in range(changes):
        _change(container, n)
        committed.append((time.monotonic(), opening - n - 1))
    return committed


def _lags(committed: list[tuple[float, int]], levels: ShopifyLevels) -> list[float]:
    received = [(s.received_at, s.available) for s in levels.history]
    lags = []
    for at, figure in committed:
        # The first figure received after the commit that already counts this change (figures only fall).
        arrival = next((t for t, units in received if t >= at and units <= figure), None)
        if arrival is None:
            raise SystemExit(f"FAIL: the figure {figure} (or a later one) never reached the simulator")
        lags.append(arrival - at)
    return lags


async def _run(container: Container, levels: ShopifyLevels, url: str, args: argparse.Namespace) -> list[float]:
    opening = args.per_location * len(LOCATIONS)
    connector = ShopifyInventoryConnector(ConnectorConfig(name="shopify", base_url=url, rate_per_s=1000, burst=100))
    target = ShopifyInventoryTarget(connector, location_id=1, inventory_items={SKU: 1})
    store = SqlAvailabilityStore(container.engine)
    publisher = AvailabilityPublisher(store, [target], rules=ChannelRules(), clock=container.clock)
    await publisher.run_until_idle()
    levels.reset()
    stop = asyncio.Event()
    loop = asyncio.create_task(publish_continuously(publisher, interval_s=args.interval, stop=stop))
    started = time.monotonic()
    committed = await asyncio.to_thread(_burst, container, args.changes, opening)
    elapsed = time.monotonic() - started
    while store.pending() and time.monotonic() - started < elapsed + 10:
        await asyncio.sleep(0.01)
    stop.set()
    await loop
    await connector.aclose()
    last = levels.levels.get((1, 1))
    print(f"changes committed     {args.changes:>8,} in {elapsed:.2f} s ({args.changes / elapsed:,.0f}/s)")
    print(f"updates sent          {len(levels.history):>8,} ({args.changes / max(1, len(levels.history)):.0f}x fewer)")
    print(f"last figure           {last!s:>8} (true: {opening - args.changes})")
    if last != opening - args.changes:
        raise SystemExit("FAIL: the last figure the storefront holds is not the true availability")
    return _lags(committed, levels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=2000)
    parser.add_argument("--per-location", type=int, default=10_000)
    parser.add_argument("--interval", type=float, default=0.05, help="publisher pass interval, seconds")
    args = parser.parse_args()
    print(f"availability publishing: a burst of {args.changes:,} changes to one SKU, publisher every {args.interval}s")
    with tempfile.TemporaryDirectory() as home:
        container = bootstrap(Settings(home=Path(home)))
        _prepare(container, args.per_location)
        levels = ShopifyLevels()
        with SimulatorServer(create_shopify_app(levels)) as server:
            lags = asyncio.run(_run(container, levels, server.url, args))
        container.close()
    p50 = statistics.median(lags)
    p99 = statistics.quantiles(lags, n=100)[98]
    verdict = "PASS" if p99 < TARGET_P99_S else "FAIL"
    print(f"publish-to-channel lag p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms (target p99 < 1 s): {verdict}")
    sys.exit(0 if verdict == "PASS" else 1)


if __name__ == "__main__":
    main()
