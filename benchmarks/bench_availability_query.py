"""Availability-query latency at catalogue scale: 1,000,000 SKUs x 10 locations (issue 5).

For each store (SQLite, then PostgreSQL when ``OVERTURE_BENCH_PG_URL`` answers) the bench

1. builds, once, a store migrated with the project's own migrations holding N SKUs (default
   1,000,000) and 10 locations with a position for every SKU x location (on hand 0..200, about one
   in ten out of stock, some units reserved, some safety stock); later runs reuse it when its row
   counts match. SQLite lives under ``$OVERTURE_HOME/bench/``, PostgreSQL in the schema
   ``bench_availability`` (``bench_availability_<N>`` for other sizes). The first build takes
   minutes: SQLite is loaded with executemany in big transactions (journal and fsync off for the
   load only), PostgreSQL with COPY (foreign-key triggers off for the load only, then ANALYZE);
2. times capture's own read, ``SqlInventoryRepository.availability`` inside a ``SqlUnitOfWork`` (as
   capture opens it), for random orders of 1-5 SKUs drawn uniformly from the whole catalogue, after a
   warm-up, and checks every figure it returns against the generator;
3. prints p50/p95/p99/max, queries/s, the process RSS and the database size, and PASS/FAIL against
   the target (p99 under 10 ms), then one comparison line.

It is a report: the exit code is 0 whatever the figures, and 1 only when a returned figure is wrong.

    .venv/bin/python benchmarks/bench_availability_query.py [--skus N] [--queries N] [--skip-pg]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic.util import CommandError
from sqlalchemy import Engine

from bench_common import LOCATIONS, pg_server
from overture.config import Settings
from overture.domain.availability import ChannelRules, availability_by_channel
from overture.domain.inventory import Location
from overture.services import inventory
from overture.services.clock import utc_ticker
from overture.services.ports import Availability, SkuTraits, UnitOfWork
from overture.store.availability import SqlAvailabilityStore
from overture.store.engine import make_engine
from overture.store.migrate import upgrade
from overture.store.tables import availability_dirty
from overture.store.uow import SqlUnitOfWork

TARGET_P99_MS = 10.0
DEFAULT_SKUS = 1_000_000
CHANNEL_BATCH = 500  # SKUs per publisher pass: AvailabilityPublisher's default batch
BATCH_SKUS = 50_000  # SKUs per load transaction / COPY chunk: 500,000 positions
SEED = 20_261_123
STAMP = datetime(2026, 1, 1, tzinfo=UTC)
LOCATION_IDS = [loc[0] for loc in LOCATIONS]


class BenchFailure(Exception):
    """A figure the store returned is wrong: the latencies would mean nothing."""


def progress(message: str) -> None:
    print(f"  .. {message}", flush=True)


# --------------------------------------------------------------------------------------------- data


def sku_id(n: int) -> str:
    return f"SKU-{n:07d}"


def position(n: int, j: int) -> tuple[int, int, int]:
    """(on hand, reserved, safety stock) of SKU ``n`` at location ``j``: a hash, so the bench can check
    every figure it reads back without keeping 10 million rows in memory."""
    h = ((n * 10 + j) * 2_654_435_761 + 97) & 0xFFFF_FFFF
    on_hand = 0 if h % 10 == 0 else (h >> 4) % 201
    reserved = (h >> 12) % (on_hand + 1) if (h >> 20) % 4 == 0 else 0
    safety = (h >> 22) % 6 if (h >> 26) % 3 == 0 else 0
    return on_hand, reserved, safety


def expected_available(n: int, j: int) -> int:
    on_hand, reserved, safety = position(n, j)
    return max(0, on_hand - reserved - safety)


def sku_row(n: int) -> tuple[str, str, float, bool, bool]:
    """(sku, description, weight kg, hazmat, oversize)."""
    return sku_id(n), f"bench item {n}", round(0.1 + (n % 200) / 10, 1), n % 50 == 0, n % 30 == 0


def position_rows(start: int, stop: int) -> Iterator[tuple[str, str, int, int, int]]:
    """Positions of SKUs [start, stop) in primary-key order, so the index is only ever appended to."""
    for n in range(start, stop):
        sku = sku_id(n)
        for j, location_id in sorted(enumerate(LOCATION_IDS), key=lambda x: x[1]):
            yield (sku, location_id, *position(n, j))


# --------------------------------------------------------------------------------------------- build


@dataclass(frozen=True, slots=True)
class Build:
    reused: bool
    seconds: float
    counts: tuple[int, int, int]  # skus, locations, positions


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as c:
        skus, locations, positions = (
            int(c.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("skus", "locations", "inventory_positions")
        )
    return skus, locations, positions


def _complete(engine: Engine, skus: int) -> bool:
    try:
        return counts(engine) == (skus, len(LOCATIONS), skus * len(LOCATIONS))
    except sa.exc.DBAPIError:  # no tables yet
        return False


def _add_locations(engine: Engine) -> None:
    """Through the service, as the API adds them."""

    def units_of_work(*, readonly: bool = False) -> UnitOfWork:
        return SqlUnitOfWork(engine, readonly=readonly)

    for code, name, zip_code, lat, lon in LOCATIONS:
        location = Location(id=code, name=name, latitude=lat, longitude=lon, postal_code=zip_code)
        inventory.add_location(units_of_work, location, clock=utc_ticker)


def migrate(url: str) -> None:
    """The project's migrations up to every head: "heads" is "head" for a linear history, and it still
    works while concurrent work briefly leaves two heads (the bench measures none of their tables)."""
    upgrade(url, "heads")


def _reusable(url: str, skus: int) -> bool:
    """Whether the store at ``url`` is complete: migrated up to date, as any store would be when a newer
    migration arrives, and holding every row. One whose recorded revisions are no longer in the history
    (migrations renumbered since it was built) cannot be migrated: it is rebuilt."""
    try:
        migrate(url)
    except CommandError as error:
        progress(f"its migration history no longer matches the project's ({error})")
        return False
    engine = make_engine(url)
    try:
        return _complete(engine, skus)
    finally:
        engine.dispose()


def build_sqlite(path: Path, skus: int) -> Build:
    """The SQLite store at ``path`` with ``skus`` SKUs, built unless a complete one is there."""
    url = f"sqlite:///{path}"
    started = time.perf_counter()
    if path.exists():
        if _reusable(url, skus):
            return Build(True, time.perf_counter() - started, (skus, len(LOCATIONS), skus * len(LOCATIONS)))
        progress(f"{path} cannot be reused: rebuilding it")
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
    migrate(url)
    engine = make_engine(url)
    _add_locations(engine)
    engine.dispose()
    _load_sqlite(path, skus)
    engine = make_engine(url)
    loaded = counts(engine)
    engine.dispose()
    return Build(False, time.perf_counter() - started, loaded)


def _load_sqlite(path: Path, skus: int) -> None:
    stamp = STAMP.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")  # as UtcDateTime stores it
    db = sqlite3.connect(path, isolation_level=None)
    try:
        # For the load only: a crash would leave a half-built file, which the next run's count check rebuilds.
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "foreign_keys=OFF", "cache_size=-262144"):
            db.execute(f"PRAGMA {pragma}")
        for start in range(0, skus, BATCH_SKUS):
            stop = min(skus, start + BATCH_SKUS)
            db.execute("BEGIN")
            db.executemany(
                "INSERT INTO skus (sku, description, unit_of_measure, weight_kg, serialized, created_at, updated_at,"
                " hazmat, oversize) VALUES (?, ?, 'EA', ?, 0, ?, ?, ?, ?)",
                ((s, d, w, stamp, stamp, h, o) for s, d, w, h, o in map(sku_row, range(start, stop))),
            )
            db.executemany(
                "INSERT INTO inventory_positions (sku, location_id, on_hand, reserved, safety_stock, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                ((*row, stamp) for row in position_rows(start, stop)),
            )
            db.execute("COMMIT")
            if stop % (BATCH_SKUS * 4) == 0 or stop == skus:
                progress(f"sqlite: {stop:,} of {skus:,} SKUs loaded")
        db.execute("PRAGMA journal_mode=WAL")  # back to what make_engine expects
    finally:
        db.close()


def pg_schema_url(server: sa.URL, schema: str) -> str:
    return server.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def build_pg(server: sa.URL, schema: str, skus: int) -> Build:
    """The schema ``schema`` with ``skus`` SKUs, built unless a complete one is there (else recreated)."""
    url = pg_schema_url(server, schema)
    started = time.perf_counter()
    admin = make_engine(server, pool_size=1, max_overflow=0)
    try:
        with admin.begin() as c:
            exists = c.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}).first()
        if exists:
            if _reusable(url, skus):
                return Build(True, time.perf_counter() - started, (skus, len(LOCATIONS), skus * len(LOCATIONS)))
            progress(f"schema {schema} cannot be reused: rebuilding it")
        with admin.begin() as c:
            c.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()
    migrate(url)
    engine = make_engine(url)
    try:
        _add_locations(engine)
        _load_pg(engine, skus)
        return Build(False, time.perf_counter() - started, counts(engine))
    finally:
        engine.dispose()


def _load_pg(engine: Engine, skus: int) -> None:
    stamp = STAMP.isoformat(sep=" ")
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        with driver.cursor() as cursor:
            # For the load only: the generator keeps every reference valid, and per-row FK triggers
            # would cost more than the COPY itself. CHECK constraints still apply.
            cursor.execute("SET session_replication_role = replica")
            for start in range(0, skus, BATCH_SKUS):
                stop = min(skus, start + BATCH_SKUS)
                columns = (
                    "sku, description, unit_of_measure, weight_kg, serialized, created_at, updated_at, hazmat, oversize"
                )
                with cursor.copy(f"COPY skus ({columns}) FROM STDIN") as copy:
                    copy.write(
                        "".join(
                            f"{s}\t{d}\tEA\t{w}\tf\t{stamp}\t{stamp}\t{'t' if h else 'f'}\t{'t' if o else 'f'}\n"
                            for s, d, w, h, o in map(sku_row, range(start, stop))
                        )
                    )
                columns = "sku, location_id, on_hand, reserved, safety_stock, updated_at"
                with cursor.copy(f"COPY inventory_positions ({columns}) FROM STDIN") as copy:
                    copy.write(
                        "".join(
                            f"{s}\t{loc}\t{o}\t{r}\t{ss}\t{stamp}\n" for s, loc, o, r, ss in position_rows(start, stop)
                        )
                    )
                driver.commit()
                if stop % (BATCH_SKUS * 4) == 0 or stop == skus:
                    progress(f"postgresql: {stop:,} of {skus:,} SKUs loaded")
            cursor.execute("SET session_replication_role = origin")
            # What autovacuum would do shortly after such a load; measured plans should not depend on its timing.
            cursor.execute("ANALYZE skus, locations, inventory_positions")
            driver.commit()
    finally:
        raw.close()


# --------------------------------------------------------------------------------------------- measure


@dataclass(frozen=True, slots=True)
class Latencies:
    query_ms: list[float]  # SqlInventoryRepository.availability alone
    uow_ms: list[float]  # the whole unit of work: connection, BEGIN, the read, rollback, close
    # CPU this thread spent in the repository call: SQLite's whole work, the client's share for PostgreSQL.
    # Wall time far above it means the query waited, for the CPU (a busy machine) or for the server.
    cpu_ms: list[float]
    seconds: float
    skus_read: int

    def pct(self, values: Sequence[float], q: int) -> float:
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _check(wanted: Sequence[str], result: Availability) -> None:
    """Every figure against the generator: a fast answer that is wrong would make the latencies meaningless."""
    if result.known_skus != set(wanted):
        raise BenchFailure(f"known SKUs {sorted(result.known_skus)} for {sorted(wanted)}")
    if sorted(s.location.id for s in result.stock) != sorted(LOCATION_IDS):
        raise BenchFailure(f"locations {[s.location.id for s in result.stock]} for {sorted(wanted)}")
    for sku in wanted:
        _, _, weight, hazmat, oversize = sku_row(int(sku[4:]))
        if result.traits[sku] != SkuTraits(weight, hazmat, oversize):
            raise BenchFailure(f"{sku}: traits {result.traits[sku]}")
    for stock in result.stock:
        j = LOCATION_IDS.index(stock.location.id)
        for sku in wanted:
            expected = expected_available(int(sku[4:]), j)
            if stock.available.get(sku, 0) != expected:
                raise BenchFailure(
                    f"{sku} at {stock.location.id}: {stock.available.get(sku)} available, not {expected}"
                )


def measure(engine: Engine, skus: int, *, queries: int, warmup: int, rng: random.Random) -> Latencies:
    """Capture's availability read for random 1-5 SKU orders, each in its own unit of work."""
    query_ms: list[float] = []
    uow_ms: list[float] = []
    cpu_ms: list[float] = []
    read = 0
    for i in range(warmup + queries):
        wanted = [sku_id(n) for n in rng.sample(range(skus), rng.randint(1, 5))]
        t0 = time.perf_counter()
        with SqlUnitOfWork(engine) as uow:  # a write unit of work, as capture's, rolled back unused
            t1, c1 = time.perf_counter(), time.thread_time()
            result = uow.inventory.availability(wanted)
            t2, c2 = time.perf_counter(), time.thread_time()
        t3 = time.perf_counter()
        _check(wanted, result)
        if i >= warmup:
            query_ms.append((t2 - t1) * 1000)
            uow_ms.append((t3 - t0) * 1000)
            cpu_ms.append((c2 - c1) * 1000)
            read += len(wanted)
    # Queries/s from the units of work alone: checking the figures is the bench's work, not the store's.
    return Latencies(query_ms, uow_ms, cpu_ms, sum(uow_ms) / 1000, read)


def measure_channel_reads(engine: Engine, skus: int, *, passes: int, batch: int, rng: random.Random) -> list[float]:
    """The per-channel figure has no per-SKU read path: the publisher reads the SKUs flagged as changed,
    ``batch`` at a time (``SqlAvailabilityStore.snapshot``), and works out each channel's figure
    (``domain.availability``). This times that pass for ``batch`` random flagged SKUs, in ms per pass;
    the flags are the bench's own and are removed afterwards."""
    store = SqlAvailabilityStore(engine)
    flags = availability_dirty
    with engine.begin() as c:
        c.execute(sa.delete(flags))  # left over by an interrupted run of this bench, in its own store
    passes_ms: list[float] = []
    for _ in range(passes):
        chosen = rng.sample(range(skus), batch)
        with engine.begin() as c:
            c.execute(sa.insert(flags), [{"sku": sku_id(n), "version": 1, "changed_at": STAMP} for n in chosen])
        started = time.perf_counter()
        snapshot = store.snapshot(batch, ["web"])
        figures = {
            sku: availability_by_channel(p, ChannelRules(), ["web"])["web"] for sku, p in snapshot.positions.items()
        }
        passes_ms.append((time.perf_counter() - started) * 1000)
        with engine.begin() as c:
            c.execute(sa.delete(flags))
        for n in chosen:
            expected = sum(expected_available(n, j) for j in range(len(LOCATION_IDS)))
            if figures.get(sku_id(n)) != expected:
                raise BenchFailure(f"channel web: {sku_id(n)} figure {figures.get(sku_id(n))}, expected {expected}")
    return passes_ms


# --------------------------------------------------------------------------------------------- memory, size, plan


def rss_mb() -> float:
    """The process's resident set now (Linux /proc), else its peak from getrusage."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def sqlite_size(path: Path) -> str:
    files = [path, path.with_name(path.name + "-wal")]
    total = sum(f.stat().st_size for f in files if f.exists())
    return f"file {total / 2**20:,.0f} MB"


def pg_size(engine: Engine) -> str:
    with engine.connect() as c:
        table, indexes, schema = c.execute(
            sa.text(
                "SELECT pg_table_size('inventory_positions'), pg_indexes_size('inventory_positions'),"
                " (SELECT sum(pg_total_relation_size(oid)) FROM pg_class"
                "  WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r')"
            )
        ).one()
    return (
        f"inventory_positions {table / 2**20:,.0f} MB + indexes {indexes / 2**20:,.0f} MB; "
        f"whole schema {schema / 2**20:,.0f} MB"
    )


def plan(engine: Engine) -> list[str]:
    """The plan of capture's availability statement for a 3-SKU order, as this store runs it."""
    from overture.store import statements

    order = statements.AVAILABILITY.params(b_skus=[sku_id(1), sku_id(500), sku_id(999)])
    sql = str(order.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as c:
        rows = c.exec_driver_sql(prefix + sql, ()).all()
    return [str(row[-1]) for row in rows]


# --------------------------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class Result:
    store: str
    build: Build
    latencies: Latencies
    size: str
    rss_before_mb: float
    rss_after_mb: float
    channel_ms: list[float]  # publisher snapshot + per-channel figures, per pass of CHANNEL_BATCH SKUs
    load_average: float  # of the machine over the last minute, when measuring ended: others share its cores

    @property
    def p99(self) -> float:
        return self.latencies.pct(self.latencies.query_ms, 99)


def bench_store(store: str, engine: Engine, build: Build, size: str, args: argparse.Namespace) -> Result:
    rss_before = rss_mb()
    progress(f"{store}: {args.warmup:,} warm-up + {args.queries:,} timed availability queries")
    latencies = measure(engine, args.skus, queries=args.queries, warmup=args.warmup, rng=random.Random(SEED))
    rss_after = rss_mb()
    batch = min(CHANNEL_BATCH, args.skus)
    progress(f"{store}: {args.channel_passes} publisher passes of {batch} flagged SKUs")
    channel_ms = measure_channel_reads(
        engine, args.skus, passes=args.channel_passes, batch=batch, rng=random.Random(SEED)
    )
    result = Result(store, build, latencies, size, rss_before, rss_after, channel_ms, os.getloadavg()[0])
    print_result(result)
    if result.p99 >= TARGET_P99_MS:
        print(f"{store}: plan of the availability statement (3 SKUs):")
        for line in plan(engine):
            print(f"    {line}")
    return result


def print_result(r: Result) -> None:
    lat = r.latencies
    b = r.build
    how = "reused" if b.reused else "built"
    print(
        f"\n{r.store}: store {how} in {b.seconds:,.1f} s: {b.counts[0]:,} SKUs, {b.counts[1]} locations, "
        f"{b.counts[2]:,} positions; {r.size}"
    )
    rows = (
        ("availability query", lat.query_ms),
        ("whole unit of work", lat.uow_ms),
        ("query CPU, this thread", lat.cpu_ms),
    )
    for name, values in rows:
        p50, p95, p99 = (lat.pct(values, q) for q in (50, 95, 99))
        print(
            f"{r.store}: {name:<22} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  p99 {p99:6.2f} ms  max {max(values):7.2f} ms"
        )
    verdict = "PASS" if r.p99 < TARGET_P99_MS else "FAIL"
    print(
        f"{r.store}: {len(lat.query_ms):,} queries ({lat.skus_read:,} SKUs) at {len(lat.query_ms) / lat.seconds:,.0f} "
        f"queries/s, one client; p99 {r.p99:.2f} ms (target p99 < {TARGET_P99_MS:.0f} ms): {verdict}"
    )
    print(
        f"{r.store}: process RSS {r.rss_before_mb:,.0f} MB before, {r.rss_after_mb:,.0f} MB after the queries "
        f"(peak {peak_rss_mb():,.0f} MB, the load included); machine load average {r.load_average:.1f} on "
        f"{os.cpu_count()} cores"
    )
    if len(r.channel_ms) >= 2:
        p50, p99 = (lat.pct(r.channel_ms, q) for q in (50, 99))
        print(
            f"{r.store}: per-channel figures (no per-SKU read: the publisher's snapshot of {CHANNEL_BATCH} flagged "
            f"SKUs + domain.availability) p50 {p50:.1f} ms, p99 {p99:.1f} ms per pass of {len(r.channel_ms)}"
        )


def compare(results: Sequence[Result], skipped: Sequence[str]) -> None:
    print()
    if len(results) == 2:
        sqlite, pg = results
        print(
            f"comparison: p99 SQLite {sqlite.p99:.2f} ms, PostgreSQL {pg.p99:.2f} ms "
            f"(PostgreSQL/SQLite {pg.p99 / sqlite.p99:.1f}x); queries/s "
            f"{len(sqlite.latencies.query_ms) / sqlite.latencies.seconds:,.0f} vs "
            f"{len(pg.latencies.query_ms) / pg.latencies.seconds:,.0f}"
        )
    for line in skipped:
        print(line)


# --------------------------------------------------------------------------------------------- main


def run_sqlite(args: argparse.Namespace) -> Result:
    path = Settings().home.resolve() / "bench" / f"availability_{args.skus}.db"
    progress(f"sqlite: store {path}")
    build = build_sqlite(path, args.skus)
    engine = make_engine(f"sqlite:///{path}")
    try:
        return bench_store("sqlite", engine, build, sqlite_size(path), args)
    finally:
        engine.dispose()


def run_pg(server: sa.URL, args: argparse.Namespace) -> Result:
    schema = "bench_availability" if args.skus == DEFAULT_SKUS else f"bench_availability_{args.skus}"
    progress(f"postgresql: schema {schema}")
    build = build_pg(server, schema, args.skus)
    engine = make_engine(pg_schema_url(server, schema))
    try:
        return bench_store("postgresql", engine, build, pg_size(engine), args)
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Availability-query latency with N SKUs x 10 locations.")
    parser.add_argument("--skus", type=int, default=DEFAULT_SKUS, help="SKUs in the store (default 1,000,000)")
    parser.add_argument("--queries", type=int, default=20_000, help="timed queries per store (default 20,000)")
    parser.add_argument("--warmup", type=int, default=1_000, help="untimed queries first (default 1,000)")
    parser.add_argument("--channel-passes", type=int, default=50, help="publisher passes timed (default 50)")
    parser.add_argument("--skip-pg", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    if args.skus < 5:
        parser.error("--skus must be at least 5 (orders draw up to 5 distinct SKUs)")
    if args.queries < 100:
        parser.error("--queries must be at least 100 (a p99 needs them)")
    print(
        f"availability query: orders of 1-5 SKUs drawn uniformly from {args.skus:,} SKUs x {len(LOCATIONS)} locations"
    )
    results: list[Result] = []
    skipped: list[str] = []
    try:
        results.append(run_sqlite(args))
        server, why = (None, "--skip-pg") if args.skip_pg else pg_server(os.environ.get("OVERTURE_BENCH_PG_URL"))
        if server is None:
            skipped.append(f"postgresql skipped: {why}")
        else:
            results.append(run_pg(server, args))
    except BenchFailure as failure:
        print(f"\nBENCH CHECK FAILED: {failure}", file=sys.stderr)
        return 1
    compare(results, skipped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
