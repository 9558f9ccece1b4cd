"""Dashboard page times with 100,000 orders and 5,000 open exceptions in the store.

Seeds a migrated store with bulk inserts (orders over 30 days across 6 channels, their lines and
status history along the real forward path, held / cancelled / in-flight orders, 5,000 open and
some resolved exceptions, shipments with tracking numbers, a few hundred stock positions), then
renders pages through the real app (TestClient, auth off) ``--runs`` times each: the overview, the
exception queue, an order page, the savings page and a search. Prints p50 / p95 / max and PASS / FAIL against the
overview target; exits 0 (it measures, the tests check correctness).

SQLite always; PostgreSQL too when OVERTURE_BENCH_PG_URL answers (a fresh ``bench_*`` schema,
dropped at the end).

    .venv/bin/python benchmarks/bench_dashboard.py
    .venv/bin/python benchmarks/bench_dashboard.py --orders 20000 --runs 10
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container, bootstrap
from overture.config import Settings
from overture.store.engine import normalise_url
from overture.store.migrate import upgrade
from overture.store.tables import (
    inventory_positions,
    locations,
    order_events,
    order_exceptions,
    order_lines,
    orders,
    shipments,
    skus,
)
from overture.ui.routes import HTMX_FILE, STATIC

TARGET_MS = 300.0
CHANNELS = ("web", "amazon", "shopify", "edi", "csv", "woocommerce")
FORWARD = ("received", "validated", "reserved", "routed", "released", "shipped", "invoiced", "completed")
EXCEPTION_KINDS = (
    ("connector_failure", "invoice", ["retry", "override", "cancel"]),
    ("insufficient_stock", "reserve", ["retry", "reroute", "edit", "cancel"]),
    ("sla_breach", "shipment", ["retry", "override", "cancel"]),
    ("credit_hold", "validate", ["override", "retry", "cancel"]),
    ("price_mismatch", "validate", ["override", "edit", "cancel"]),
)
CHUNK = 5000


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def seed(container: Container, n_orders: int, n_open: int, rng: random.Random) -> dict[str, Any]:
    """Bulk rows straight into the tables; returns a few ids and references to request."""
    now = container.clock()
    start = now - timedelta(days=30)
    order_rows, line_rows, event_rows, exception_rows, shipment_rows = [], [], [], [], []
    on_hold: list[str] = []
    sample: dict[str, Any] = {}
    for n in range(n_orders):
        created = start + timedelta(seconds=rng.uniform(0, 30 * 86400))
        order_id = f"ord_{created.strftime('%Y%m%d%H%M%S')}{n:07d}"
        age = (now - created).total_seconds()
        # Old orders are mostly completed; recent ones are still on their way.
        reached = len(FORWARD) - 1 if age > 86400 else min(len(FORWARD) - 1, int(age / 1800))
        roll = rng.random()
        status = FORWARD[reached]
        if roll < 0.06:
            status = "on_hold"
            reached = min(reached, 5)
        elif roll < 0.09:
            status = "cancelled"
            reached = min(reached, 3)
        channel = CHANNELS[n % len(CHANNELS)]
        email = f"buyer{n % 20000}@example.com"
        order_rows.append(
            {
                "id": order_id,
                "channel": channel,
                "external_id": f"{channel.upper()}-{n}",
                "status": status,
                "customer": {"reference": f"C-{n % 20000}", "name": "Buyer", "email": email, "partner_id": None},
                "ship_to": {"postal_code": "10001", "country": "US", "name": "Buyer", "line1": "1 Main St"},
                "currency": "USD",
                "total": Decimal("29.97"),
                "created_at": created,
                "updated_at": created,
                "partner_id": "ACME" if channel == "edi" else None,
            }
        )
        line_rows.append(
            {
                "order_id": order_id,
                "line_no": 1,
                "sku": f"SKU-{n % 500}",
                "quantity": 3,
                "unit_price": Decimal("9.99"),
                "status": "pending",
            }
        )
        at, previous = created, None
        for step in FORWARD[: reached + 1]:
            event_rows.append(
                {
                    "order_id": order_id,
                    "at": at,
                    "kind": "status",
                    "from_status": previous,
                    "to_status": step,
                    "note": "",
                }
            )
            previous = step
            at += timedelta(seconds=rng.uniform(20, 1500))
        if status in ("on_hold", "cancelled"):
            event_rows.append(
                {
                    "order_id": order_id,
                    "at": at,
                    "kind": "status",
                    "from_status": previous,
                    "to_status": status,
                    "note": "",
                }
            )
        if status == "on_hold":
            on_hold.append(order_id)
        if reached >= 5:
            shipment_rows.append(
                {
                    "id": f"shp_{n}",
                    "order_id": order_id,
                    "location_id": "L0",
                    "carrier": "UPS",
                    "tracking_number": f"1Z{n:010d}",
                    "shipped_at": created + timedelta(hours=2),
                    "lines": [],
                    "created_at": created + timedelta(hours=2),
                }
            )
        # About 8 % of completed orders needed a person once.
        if status == "completed" and rng.random() < 0.08:
            kind, step, actions = EXCEPTION_KINDS[n % len(EXCEPTION_KINDS)]
            exception_rows.append(_exception(f"exc_r{n}", order_id, kind, step, actions, created, resolved=True))
        if n == n_orders // 2:
            sample = {"order_id": order_id, "tracking": f"1Z{n:010d}", "email": email}
    # 5,000 open exceptions: every held order first, then in-flight ones.
    candidates = on_hold + [r["id"] for r in order_rows if r["status"] not in ("completed", "cancelled", "on_hold")]
    for i, order_id in enumerate(candidates[:n_open]):
        kind, step, actions = EXCEPTION_KINDS[i % len(EXCEPTION_KINDS)]
        created = now - timedelta(minutes=rng.uniform(1, 72 * 60))
        exception_rows.append(_exception(f"exc_o{i:06d}", order_id, kind, step, actions, created, resolved=False))
    with container.engine.begin() as c:
        c.execute(locations.insert(), [_location(i, now) for i in range(10)])
        c.execute(
            skus.insert(),
            [{"sku": f"SKU-{i}", "description": "", "created_at": now, "updated_at": now} for i in range(500)],
        )
        c.execute(
            inventory_positions.insert(),
            [
                {
                    "sku": f"SKU-{i}",
                    "location_id": f"L{i % 10}",
                    "on_hand": i % 40,
                    "reserved": 0,
                    "safety_stock": 5,
                    "updated_at": now,
                }
                for i in range(500)
            ],
        )
        for table, rows in (
            (orders, order_rows),
            (order_lines, line_rows),
            (order_events, event_rows),
            (order_exceptions, exception_rows),
            (shipments, shipment_rows),
        ):
            for chunk in _chunks(rows):
                c.execute(table.insert(), chunk)
    open_count = min(n_open, len(candidates))
    return {**sample, "events": len(event_rows), "open_exceptions": open_count}


def _location(i: int, now: datetime) -> dict[str, Any]:
    return {
        "id": f"L{i}",
        "name": f"Location {i}",
        "kind": "warehouse",
        "latitude": 40.0,
        "longitude": -74.0 - i,
        "postal_code": "07102",
        "country": "US",
        "capabilities": [],
        "priority": i,
        "active": True,
        "created_at": now,
    }


def _exception(
    exc_id: str, order_id: str, kind: str, step: str, actions: list[str], created: datetime, *, resolved: bool
) -> dict[str, Any]:
    return {
        "id": exc_id,
        "order_id": order_id,
        "type": kind,
        "step": step,
        "reason": f"{kind} at {step}",
        "severity": "medium",
        "allowed_actions": actions,
        "details": {},
        "status": "resolved" if resolved else "open",
        "created_at": created,
        "resolved_at": created + timedelta(minutes=45) if resolved else None,
        "resolved_by": "ops@shop" if resolved else None,
        "resolution": "retry" if resolved else None,
    }


def _time(client: TestClient, path: str, runs: int, **kwargs: Any) -> list[float]:
    response = client.get(path, **kwargs)  # warm-up, and a check that the page works
    if response.status_code not in (200, 303):
        raise SystemExit(f"{path} answered {response.status_code}: {response.text[:300]}")
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        client.get(path, **kwargs)
        times.append((time.perf_counter() - began) * 1000)
    return times


def _line(name: str, times: list[float], target: float | None) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)]
    verdict = "" if target is None else ("PASS" if ordered[len(ordered) // 2] < target else "FAIL")
    return (
        f"  {name:<22} p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  max {max(times):7.1f} ms"
        f"  {verdict}{f' (target p50 < {target:.0f} ms)' if target else ''}"
    )


def run(label: str, url: str, home: Path, args: argparse.Namespace) -> None:
    container = bootstrap(Settings(home=home, database_url=url, auth="off"), migrate=False)
    try:
        began = time.perf_counter()
        sample = seed(container, args.orders, args.open, random.Random(7))
        seeded_s = time.perf_counter() - began
        if container.engine.dialect.name == "postgresql":
            with container.engine.begin() as c:
                c.execute(sa.text("ANALYZE"))
        print(
            f"{label}: {args.orders:,} orders, {sample['events']:,} status events, "
            f"{sample['open_exceptions']:,} open exceptions seeded in {seeded_s:.1f} s"
        )
        with TestClient(create_app(container)) as client:
            print(_line("overview /", _time(client, "/", args.runs), TARGET_MS))
            print(_line("exception queue", _time(client, "/exceptions", args.runs), TARGET_MS))
            print(_line("order page", _time(client, f"/orders/{sample['order_id']}", args.runs), TARGET_MS))
            print(_line("savings", _time(client, "/savings", args.runs), TARGET_MS))
            search = {"params": {"q": sample["tracking"]}, "follow_redirects": False}
            print(_line("search (tracking no.)", _time(client, "/search", args.runs, **search), None))
            search = {"params": {"q": sample["email"]}, "follow_redirects": False}
            print(_line("search (e-mail)", _time(client, "/search", args.runs, **search), None))
    finally:
        container.close()


@contextmanager
def _pg_schema(server_url: str) -> Iterator[str | None]:
    try:
        server = normalise_url(server_url)
        admin = sa.create_engine(server, connect_args={"connect_timeout": 3})
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with admin.begin() as c:
            c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:
        print(f"PostgreSQL: skipped (no server answers at {server_url}: {type(error).__name__})")
        yield None
        return
    try:
        yield server.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as c:
            c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=5_000, help="open exceptions")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    if not (STATIC / HTMX_FILE).is_file():
        print(f"dashboard bench: {STATIC / HTMX_FILE} is missing; run `make install` first", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dashboard.db"
        upgrade(f"sqlite:///{path}")
        run("SQLite", f"sqlite:///{path}", Path(tmp), args)
        pg = os.environ.get("OVERTURE_BENCH_PG_URL")
        if pg:
            with _pg_schema(pg) as url:
                if url is not None:
                    upgrade(url)
                    run("PostgreSQL", url, Path(tmp), args)
        else:
            print("PostgreSQL: skipped (OVERTURE_BENCH_PG_URL is not set)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
