"""Routing decisions per second: 3-line orders over 50 locations, each strategy, one process.

Locations and ship-to points are random US ZCTAs from the project's gazetteer; each location
holds realistic stock (most SKUs, some missing or short, so some orders split); a few locations
are hazmat-capable and some lines are hazmat. The decision (every candidate explained) is built
each time, as placement does. Target: the default (cost) strategy at least 5,000 decisions/s.

Each request is built as production builds it (``services.sourcing._sites`` over the store's
availability read): the ``Location`` objects are shared by every order (the store's location cache
keeps them), but every order gets new ``SourcingSite`` objects with a new stock mapping holding only
its own SKUs, its capacity left worked out from the location's daily capacity, and the sites in no
particular order. So nothing per order can be reused from the previous one except through the
locations, as in production. Building the requests is not timed.

    .venv/bin/python benchmarks/bench_routing.py
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime

from overture.domain.inventory import Location, LocationKind
from overture.domain.routing import GeoPoint
from overture.domain.sourcing import STRATEGIES, SourcingLine, SourcingRequest, SourcingSite, StrategyName
from overture.reference.zcta import _tables

TARGET_PER_S = 5_000
SKUS = [f"SKU-{n:03d}" for n in range(40)]
KINDS = [LocationKind.WAREHOUSE] * 3 + [LocationKind.STORE] * 6 + [LocationKind.DROP_SHIP]
Network = list[tuple[Location, dict[str, int]]]  # every location with its stock positions


def _network(rnd: random.Random, points: list[GeoPoint], count: int) -> Network:
    network = []
    for n, point in enumerate(rnd.sample(points, count)):
        stock = {sku: rnd.choice((0, 2, 5, 20, 60)) for sku in SKUS if rnd.random() < 0.8}
        capabilities = frozenset({"hazmat"}) if n % 5 == 0 else frozenset()
        location = Location(
            f"L{n:02d}", f"L{n:02d}", point.latitude, point.longitude, kind=rnd.choice(KINDS),
            capabilities=capabilities, priority=rnd.randint(1, 200),
            daily_capacity=rnd.choice((None, 50, 0)),
        )  # fmt: skip
        network.append((location, stock))
    return network


def _sites(network: Network, skus: set[str], order: random.Random) -> list[SourcingSite]:
    """What ``services.sourcing._sites`` hands the domain for one order (no shipments taken yet today)."""
    sites = []
    for location, stock in network:
        available = {sku: n for sku, n in stock.items() if sku in skus}  # the availability read's rows
        capacity = location.daily_capacity
        sites.append(SourcingSite(location, available, capacity_left=capacity, cutoff_utc=location.cutoff_utc))
    order.shuffle(sites)  # the read's row order is the database's: routing must not depend on it
    return sites


def _requests(seed: int, orders: int, locations: int) -> list[SourcingRequest]:
    rnd, order = random.Random(seed), random.Random(seed + 1)
    points = sorted(_tables()[0].values(), key=lambda p: (p.latitude, p.longitude))
    network = _network(rnd, points, locations)
    now = datetime(2026, 11, 23, 15, tzinfo=UTC)
    requests = []
    for _ in range(orders):
        lines = [
            SourcingLine(n, sku, rnd.randint(1, 4), rnd.uniform(0.2, 8), hazmat=rnd.random() < 0.05)
            for n, sku in enumerate(rnd.sample(SKUS, 3), start=1)
        ]
        sites = _sites(network, {line.sku for line in lines}, order)
        requests.append(SourcingRequest(lines, rnd.choice(points), sites, now))
    return requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--locations", type=int, default=50)
    args = parser.parse_args()
    requests = _requests(7, args.orders, args.locations)
    print(f"routing: {args.orders} orders of 3 lines over {args.locations} locations, one process")
    for name, strategy in STRATEGIES.items():
        started = time.perf_counter()
        splits = sum(len(strategy(r).location_ids) > 1 for r in requests)
        rate = len(requests) / (time.perf_counter() - started)
        if name is StrategyName.COST:
            verdict = f"target >= {TARGET_PER_S:,}/s: {'PASS' if rate >= TARGET_PER_S else 'FAIL'}"
        else:
            verdict = "(for comparison)"
        print(f"  {name.value:<14} {rate:>9,.0f} decisions/s  {splits:>5} split  {verdict}")
    return 0  # the verdict is printed; like the other benches, only an error fails the run


if __name__ == "__main__":
    sys.exit(main())
