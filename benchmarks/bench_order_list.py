"""The orders list and search with 1,000,000 orders, on SQLite and PostgreSQL (target p50 < 300 ms).

Seeds a migrated store with bulk inserts: orders over 90 days across 6 channels and 3 partners, with
real-looking names, e-mails, postal codes, PO numbers and tracking numbers; their search text
(store/search.py, as the repository writes it); a reservation at one of 10 locations each; open
exceptions on a few thousand. Then renders ``/orders`` through the real app (TestClient, auth off)
``--runs`` times per case: the newest page, filters (status, channel, partner, location, exception,
age, SLA), a page deep in the list by cursor, and searches by part of an order id, a PO number, a
name, an e-mail, a postal code and a tracking number.

Baseline, measured in the same run on the same store: the same substring search as a plain
``LIKE '%term%'`` over the orders table's columns without the search index (what a list without
one does), to show what the trigram index buys.

    .venv/bin/python benchmarks/bench_order_list.py                 # 1,000,000 orders
    .venv/bin/python benchmarks/bench_order_list.py --orders 100000 --runs 10
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from bench_common import pg_server
from bench_dashboard import _exception, _location, _pg_schema
from overture.app import create_app
from overture.bootstrap import Container, bootstrap
from overture.config import Settings
from overture.services.ports.order_list import OrderFilter
from overture.store.migrate import upgrade
from overture.store.search import joined_fields
from overture.store.tables import locations, order_exceptions, order_search, orders, reservations
from overture.ui.routes import HTMX_FILE, STATIC

TARGET_MS = 300.0
CHANNELS = ("web", "amazon", "shopify", "edi", "csv", "woocommerce")
PARTNERS = ("ACME", "GLOBEX", "INITECH")
FIRST = ("Ann", "Bruno", "Chiara", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ines", "Jonas", "Keiko", "Lars")
# About 1,000 family names: a name search matches tens to hundreds of orders in a million, as in a real store.
_STEMS = ("Okaf", "March", "Nov", "Lindq", "Hadd", "Tan", "Fisch", "Mor", "Silv", "Kowal", "Brenn", "Castel", "Dubr")
_STEMS += ("Eng", "Ferr", "Gall", "Holm", "Ivan", "Jens", "Kar", "Lom", "Mend", "Nak", "Ost", "Pet", "Quin", "Ross")
_ENDINGS = ("or", "etti", "ak", "vist", "ad", "aka", "er", "eau", "va", "ski", "an", "elli", "ovic", "ström", "sen")
_ENDINGS += ("ez", "ides", "oglu", "enko", "ard", "ini", "stad", "berg", "ley", "ton", "ari", "uk", "os", "ia", "um")
LAST = tuple(stem + ending for stem in _STEMS for ending in _ENDINGS)
CITIES = ("New York", "Chicago", "Dallas", "Seattle", "Boston", "Atlanta", "Denver", "Miami", "Phoenix")
STATUSES = ("completed",) * 14 + ("released", "shipped", "on_hold", "cancelled", "received", "invoiced")
CHUNK = 10_000
SHIPPERS = tuple(f"{i * 7919 % 1000:03d}A{chr(65 + i)}{i}" for i in range(10))


def _order_rows(n_orders: int, now: datetime, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """(order, search text, reservation, tracking number) rows, oldest first, as ids are time-ordered."""
    start = now - timedelta(days=90)
    step = 90 * 86400 / n_orders
    for n in range(n_orders):
        created = start + timedelta(seconds=n * step)
        order_id = f"ord_{int(created.timestamp() * 1000):013d}{rng.getrandbits(40):012X}"
        channel = CHANNELS[n % len(CHANNELS)]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}{n % 97}@mail{n % 13}.example".lower()
        postal, city = f"{rng.randrange(1000, 99999):05d}", rng.choice(CITIES)
        po = f"PO-{100000 + n}"
        status = STATUSES[n % len(STATUSES)]
        partner = PARTNERS[(n // 6) % 3] if channel == "edi" else None
        customer = {"reference": f"C-{n % 50000}", "name": f"{first} {last}", "email": email, "partner_id": partner}
        ship_to = {"postal_code": postal, "country": "US", "name": f"{first} {last}", "city": city, "line1": "1 Main"}
        order = {
            "id": order_id, "channel": channel, "external_id": f"{channel.upper()}-{n}", "status": status,
            "customer": customer, "ship_to": ship_to, "currency": "USD", "total": Decimal("29.97"),
            "created_at": created, "updated_at": created, "partner_id": partner,
        }  # fmt: skip
        # UPS's shape: 1Z, the shipper's account (one per location), a service code, an 8-digit package number.
        shipped = status in ("shipped", "invoiced", "completed")
        tracking = (
            f"1Z{SHIPPERS[n % 10]}{rng.choice(('01', '02', '03'))}{rng.randrange(10**8):08d}" if shipped else None
        )
        fields = [order_id, order["external_id"], customer["reference"], customer["name"], email]
        text = joined_fields([*fields, ship_to["name"], postal, city, po, tracking])
        reservation = {
            "id": f"res_{n}", "order_id": order_id, "line_no": 1, "sku": f"SKU-{n % 500}",
            "location_id": f"L{n % 10}", "quantity": 1, "status": "released", "created_at": created,
            "updated_at": created,
        }  # fmt: skip
        yield order, {"order_id": order_id, "text": text}, reservation, tracking


def seed(container: Container, n_orders: int, rng: random.Random) -> dict[str, str]:
    now = container.clock()
    sample: dict[str, str] = {}
    batch: list[tuple[Any, ...]] = []
    with container.engine.begin() as c:
        c.execute(locations.insert(), [_location(i, now) for i in range(10)])
    held: list[str] = []
    for n, row in enumerate(_order_rows(n_orders, now, rng)):
        batch.append(row)
        if row[0]["status"] == "on_hold" and len(held) < 5000:
            held.append(row[0]["id"])
        if len(batch) == CHUNK:
            _insert(container, batch)
            batch = []
        if n == n_orders // 2:
            order = row[0]
            email, postal = order["customer"]["email"], order["ship_to"]["postal_code"]
            sample = {"id": order["id"], "email": email, "postal": postal, "po": f"PO-{100000 + n}"}
        if n >= n_orders // 2 and row[3] and "tracking" not in sample:
            sample["tracking"] = row[3][-10:]  # the last 10 of 18 characters
    _insert(container, batch)
    kinds = ("insufficient_stock", "connector_failure", "sla_breach")
    exceptions = [
        _exception(f"exc_{i:06d}", order_id, kinds[i % 3], "reserve", ["retry", "cancel"], now, resolved=False)
        for i, order_id in enumerate(held)
    ]
    with container.engine.begin() as c:
        c.execute(order_exceptions.insert(), exceptions)
    return sample


def _insert(container: Container, batch: list[tuple[Any, ...]]) -> None:
    if not batch:
        return
    with container.engine.begin() as c:
        for index, table in enumerate((orders, order_search, reservations)):
            c.execute(table.insert(), [row[index] for row in batch])


def _time(client: TestClient, params: dict[str, str], runs: int) -> list[float]:
    answer = client.get("/orders", params=params)  # warm-up, and a check that the page works
    if answer.status_code != 200 or 'data-testid="order-row"' not in answer.text:
        raise SystemExit(f"/orders {params} answered {answer.status_code} without rows: {answer.text[:300]}")
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        client.get("/orders", params=params)
        times.append((time.perf_counter() - began) * 1000)
    return times


def _timed(work: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append((time.perf_counter() - began) * 1000)
    return times


def _line(name: str, times: list[float], target: float | None) -> str:
    median = statistics.median(times)
    verdict = "" if target is None else ("PASS" if median < target else "FAIL")
    return f"  {name:<34} p50 {median:8.1f} ms  max {max(times):8.1f} ms  {verdict}"


def _deep_cursor(client: TestClient) -> str:
    """The cursor 10,000 orders into the newest-first list (200 pages of 50)."""
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    found = container.dashboard.order_list(OrderFilter(limit=10_000), container.clock())
    return str(found.next_after)


def cases(sample: dict[str, str], deep: str) -> list[tuple[str, dict[str, str]]]:
    return [
        ("newest page", {}),
        ("status = on_hold", {"status": "on_hold"}),
        ("channel = amazon", {"channel": "amazon"}),
        ("partner = GLOBEX", {"partner": "GLOBEX"}),
        ("location = L7", {"location": "L7"}),
        ("open exception sla_breach", {"exception": "sla_breach"}),
        ("SLA breached", {"sla": "breached"}),
        ("SLA at risk", {"sla": "at_risk"}),
        ("older than 30 days, shopify", {"min_age_h": "720", "channel": "shopify"}),
        ("10,000 orders deep (cursor)", {"after": deep}),
        ("search: part of an order id", {"q": sample["id"][-10:]}),
        ("search: PO number", {"q": sample["po"]}),
        ("search: customer name", {"q": "chiara marchetti"}),
        ("search: part of an e-mail", {"q": sample["email"].split("@")[0]}),
        ("search: postal code", {"q": sample["postal"]}),
        ("search: part of a tracking no.", {"q": sample["tracking"]}),
        ("search: a broad term (mail3)", {"q": "mail3"}),
        ("search + status", {"q": "marchetti", "status": "on_hold"}),
    ]


def _baseline(container: Container, term: str, runs: int) -> list[float]:
    """The same substring search over the orders table's own columns, without the search index."""
    pattern = f"%{term.lower()}%"
    email = sa.func.lower(sa.cast(orders.c.customer, sa.Text))
    query = (
        sa.select(orders.c.id)
        .where(
            sa.or_(
                sa.func.lower(orders.c.id).like(pattern),
                sa.func.lower(orders.c.external_id).like(pattern),
                email.like(pattern),
            )
        )
        .order_by(orders.c.id.desc())
        .limit(50)
    )

    def work() -> None:
        with container.engine.connect() as c:
            c.execute(query).all()

    return _timed(work, max(3, runs // 4))


def run(label: str, url: str, home: Path, args: argparse.Namespace) -> None:
    container = bootstrap(Settings(home=home, database_url=url, auth="off"), migrate=False)
    try:
        began = time.perf_counter()
        sample = seed(container, args.orders, random.Random(7))
        with container.engine.begin() as c:
            c.execute(sa.text("ANALYZE"))
        print(f"{label}: {args.orders:,} orders seeded in {time.perf_counter() - began:.0f} s")
        with TestClient(create_app(container)) as client:
            deep = _deep_cursor(client)
            for name, params in cases(sample, deep):
                print(_line(name, _time(client, params, args.runs), TARGET_MS), flush=True)
        print(_line("baseline: LIKE scan, no index", _baseline(container, sample["email"], args.runs), None))
    finally:
        container.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if not (STATIC / HTMX_FILE).is_file():
        print(f"orders list bench: {STATIC / HTMX_FILE} is missing; run `make install` first", file=sys.stderr)
        return 0
    print(f"Orders list and search, target p50 < {TARGET_MS:.0f} ms per page (rendered, through the app)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.db"
        upgrade(f"sqlite:///{path}")
        run("SQLite", f"sqlite:///{path}", Path(tmp), args)
        server, why = pg_server(os.environ.get("OVERTURE_BENCH_PG_URL"))
        if server is None:
            print(f"PostgreSQL: skipped ({why})")
            return 0
        with _pg_schema(os.environ["OVERTURE_BENCH_PG_URL"]) as pg_url:
            if pg_url is not None:
                upgrade(pg_url)
                run("PostgreSQL", pg_url, Path(tmp), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
