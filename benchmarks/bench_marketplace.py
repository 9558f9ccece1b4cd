"""The marketplace at its acceptance size, on SQLite and PostgreSQL: 50 sellers, 2,000 products and
5,000 orders (a third spanning two or more sellers) through capture, the buy box, the split (card
orders after their payment webhook delivered three times), answers (accepted, refused, partly refused,
refused by the deadline), shipments (some late), captures at the Stripe-shaped simulator, refunds
before and after a payout, and two payout runs. Prints each phase's rate and checks every seller's
books against the run's own to the cent (exit 1 on a single cent's difference).

Baseline, in the same run: the same orders captured with no offers (the operator's own warehouse), to
show what the buy box and the seller lines cost at capture.

    .venv/bin/python benchmarks/bench_marketplace.py                      # 5,000 orders
    .venv/bin/python benchmarks/bench_marketplace.py --orders 1000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from bench_dashboard import _pg_schema
from overture.bootstrap import Container, bootstrap
from overture.channels import rest
from overture.config import Settings
from overture.demo.marketplace_data import MarketplaceData, build
from overture.demo.marketplace_flow import MarketplaceRun, _payload, run
from overture.domain.inventory import Location, Sku
from overture.outside import Endpoints, payments_connector
from overture.services import inventory
from overture.services.capture import capture_order
from overture.services.ports import InboundMessage
from overture.simulators.payments import create_payments_app
from overture.simulators.server import SimulatorServer
from overture.store.migrate import upgrade


def _container(url: str, home: Path) -> Container:
    return bootstrap(Settings(home=home, database_url=url, auth="off"), migrate=False)


def _baseline(container: Container, data: MarketplaceData) -> float:
    """Orders per second captured from one own warehouse holding every SKU (no offers, no buy box)."""
    location = Location("OWN", "Own warehouse", 40.7357, -74.1736, postal_code="07102")
    inventory.add_location(container.uow, location, clock=container.clock)
    inventory.upsert_skus(container.uow, [Sku(p.sku) for p in data.products], clock=container.clock)
    entries = [inventory.StockEntry(p.sku, "OWN", 100_000, "bench") for p in data.products]
    inventory.receive(container.uow, entries, clock=container.clock)
    started = time.perf_counter()
    for n, planned in enumerate(data.orders):
        body = json.dumps(_payload(planned, n, card=False)).encode()
        capture_order(
            InboundMessage("rest", body, container.clock()),
            rest.translate,
            idempotency_key=None,
            uow_factory=container.uow,
            geocoder=container.geocoder,
            clock=container.clock,
        )
    return len(data.orders) / (time.perf_counter() - started)


def _print(store: str, report: MarketplaceRun, orders: int, baseline: float) -> bool:
    c = report.counts
    capture_rate = orders / report.seconds["capture"]
    print(
        f"\n{store}: {orders:,} orders, {c['orders spanning 2+ sellers']:,} spanning 2+ sellers, "
        f"{c['sub-orders']:,} sub-orders"
    )
    for phase, seconds in report.seconds.items():
        print(f"  {phase:<8} {seconds:7.1f} s")
    print(
        f"  capture with the buy box {capture_rate:6.0f} orders/s   baseline (own warehouse) {baseline:6.0f} orders/s"
        f"   ratio {capture_rate / baseline:.2f}x"
    )
    shown = (
        "accepted",
        "refused",
        "auto-refused",
        "re-routed lines",
        "refunded unsold lines",
        "shipped sub-orders",
        "late shipments",
        "shipped lines",
        "refunds (r1)",
        "refunds (r2)",
        "payouts",
    )
    print("  " + ", ".join(f"{k} {c[k]:,}" for k in shown))
    print(
        f"  paid out {Decimal(c['paid out (minor units)']) / 100:,.2f} USD; card orders split once after 4 webhook "
        f"deliveries: {len(report.webhook_splits)}"
    )
    bad = report.mismatches
    print(
        f"  books: {len(report.expected)} sellers, "
        + ("every one to the cent" if not bad else f"{len(bad)} DIFFER: {list(bad.items())[:5]}")
    )
    return not bad


def _measure(store: str, url: str, home: Path, args: argparse.Namespace, gateway: object, base_url: str) -> bool:
    data = build(sellers=50, products=args.products, orders=args.orders)
    container = _container(url, home / "a")
    try:
        report = run(container, data, gateway=gateway, card_every=20)  # type: ignore[arg-type]
    finally:
        container.close()
    with _Store(store, base_url, home / "b") as other:
        baseline = _baseline(other, data)
    return _print(store, report, args.orders, baseline)


class _Store:
    """A second, empty store of the same kind for the baseline."""

    def __init__(self, kind: str, pg: str, home: Path) -> None:
        self.kind, self.pg, self.home = kind, pg, home
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Container:
        if self.kind == "SQLite":
            self.home.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{self.home / 'baseline.db'}"
            upgrade(url)
        else:
            found = self._stack.enter_context(_pg_schema(self.pg))
            assert found is not None
            url = found
            upgrade(url)
        self.container = _container(url, self.home)
        return self.container

    def __exit__(self, *_: object) -> None:
        self.container.close()
        self._stack.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    psp = SimulatorServer(create_payments_app())
    psp.start()
    gateway = payments_connector(Endpoints("", "", "", "", psp.url))
    ok = True
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            if "sqlite" in args.stores:
                sqlite = f"sqlite:///{home / 'market.db'}"
                (home / "a").mkdir()
                upgrade(sqlite)
                ok &= _measure("SQLite", sqlite, home, args, gateway, "")
            pg = os.environ.get("OVERTURE_BENCH_PG_URL")
            if pg and "postgresql" in args.stores:
                with _pg_schema(pg) as url:
                    if url is not None:
                        upgrade(url)
                        ok &= _measure("PostgreSQL", url, home / "pg", args, gateway, pg)
            else:
                print("PostgreSQL: skipped (OVERTURE_BENCH_PG_URL is not set)")
    finally:
        psp.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
