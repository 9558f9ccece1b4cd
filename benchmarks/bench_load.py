"""``overture load`` against a multi-process hub on PostgreSQL: orders completed a second with one and
with two ``overture worker`` processes (and their ratio), and the capture latency under that load
beside a bare-database baseline measured in the same run.

The bench starts one Temporal dev server, the WMS and ERP simulators, and per phase a fresh
PostgreSQL schema, one ``overture api``, one ``overture dispatcher`` and 1 (then 2) ``overture
worker`` processes. The load
runner (in this process, as ``overture load`` runs it) offers ``--rate`` orders a second for
``--duration`` seconds, open loop, above what one worker completes, then waits for the backlog to
drain. Throughput is read from the store afterwards: the completion times of the phase's orders
(``order_events`` reaching ``completed``), between the 10th and the 90th percentile of them, so
neither the ramp (workflows all in flight, none finished) nor the last stragglers count. Counting
completions inside the sending window instead measured mostly how far each run was from its first
completions, and gave ratios from 0.8x to 7x for the same code.

Baseline: the rows capture wrote for a sample of the first phase's orders (raw message, order,
lines, search row, events, decisions, reservations, money, idempotency key, outbox:
``bench_capture``'s bundles), inserted again with bare SQLAlchemy into a schema of their own on the
same server, one transaction an order, in a process of its own paced at the same rate *while* the
second phase sends its orders: the same machine, database and workers' load at the same moments.
It is a report: exit 0 whatever the figures, 1 only when a correctness check fails.

    OVERTURE_TEST_PG_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/bench_load.py
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from bench_capture import Bundle, insert_bundles, load_bundles, pg_schemas
from bench_common import pg_server
from overture.chaos.processes import LaunchError, Proc, wait_http
from overture.load.drive import client_for, run_load
from overture.load.mix import Mix
from overture.load.orders import OrderMaker
from overture.load.report import nearest_rank
from overture.load.runner import LoadOptions, RunResult, seed_master_data
from overture.store.engine import make_engine
from overture.store.migrate import upgrade
from overture.store.tables import inventory_positions, locations, order_events, orders, skus
from overture.workflows.dev_server import DevServer, DevServerOptions
from overture.workflows.engine_host import free_port

OVERTURE = Path(sys.executable).parent / "overture"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
DRAIN_S = 600.0  # at most this long for the backlog to complete after sending stops
STALL_S = 60.0  # or until no order completed for this long
STEADY = (0.10, 0.90)  # completions between these shares of the phase's orders make the rate
BASELINE_ORDERS = 300
SHIP_DELAY_S = 0.05  # the WMS simulator ships this long after a release, as bench_orchestration's
TARGET_LATENCY_RATIO = 2.0
MIX = Mix(skus=2_000, cancel_share=0.0, edit_share=0.0, return_share=0.0)  # orders only: a throughput figure


class BenchFailure(Exception):
    """A correctness check failed: the figures would mean nothing."""


def progress(message: str) -> None:
    print(f"  .. {message}", flush=True)


@dataclass(frozen=True, slots=True)
class Phase:
    workers: int
    result: RunResult
    completions: list[datetime]  # when each of the phase's orders completed, in order
    store_url: str
    baseline_orders: int = 0

    @property
    def completed_rate(self) -> float:
        """Orders completed a second between the STEADY shares of the orders placed."""
        placed = len(self.result.placed)
        first, last = (max(1, int(placed * share)) for share in STEADY)
        if len(self.completions) < last:
            return 0.0
        span = (self.completions[last - 1] - self.completions[first - 1]).total_seconds()
        return (last - first) / span if span > 0 else 0.0

    def capture(self, percentile: int) -> float | None:
        return nearest_rank([s.latency_s for s in self.result.samples if s.kind == "capture"], percentile)


def _env(store_url: str, port: int, temporal: str, wms: str, erp: str, home: Path) -> dict[str, str]:
    return {
        "OVERTURE_HOME": str(home),
        "OVERTURE_DATABASE_URL": store_url,
        "OVERTURE_TEMPORAL_ADDRESS": temporal,
        "OVERTURE_TASK_QUEUE": f"bench-load-{uuid.uuid4().hex[:8]}",  # leftovers of a phase stay on their queue
        "OVERTURE_WMS_URL": wms,
        "OVERTURE_ERP_URL": erp,
        "OVERTURE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "OVERTURE_PORT": str(port),
        "OVERTURE_AUTH": "off",  # loopback only; the bench measures the hub, not key checks
        "OVERTURE_SHUTDOWN_GRACE_S": "2",
        "OVERTURE_LOG_LEVEL": "WARNING",
    }


@dataclass(frozen=True, slots=True)
class Stack:
    """What the phases share: the workflow engine and the baseline's schema."""

    temporal: str
    baseline_url: str


@contextmanager
def hub(store_url: str, workers: int, stack: Stack, home: Path) -> Iterator[str]:
    """One API and ``workers`` worker processes on ``store_url``, with WMS and ERP simulators of their
    own (a shared WMS would report one phase's shipments to the next), each a process of its own so
    that their work is not on this process's GIL with the load runner; yields the API's URL."""
    upgrade(store_url)
    port, wms_port, erp_port = free_port(), free_port(), free_port()
    api_url = f"http://127.0.0.1:{port}"
    sim = [sys.executable, "-m", "overture.simulators"]
    wms_args = ["--ship-delay", str(SHIP_DELAY_S), "--overture-url", api_url, "--log-level", "warning"]
    started = [
        Proc("wms", [*sim, "wms", "--port", str(wms_port), *wms_args], {}, home / "wms.log"),
        Proc("erp", [*sim, "erp", "--port", str(erp_port), "--log-level", "warning"], {}, home / "erp.log"),
    ]
    env = _env(store_url, port, stack.temporal, f"http://127.0.0.1:{wms_port}", f"http://127.0.0.1:{erp_port}", home)
    started.append(Proc("api", [str(OVERTURE), "api"], env, home / "api.log"))
    # The dispatcher role in a process of its own, as deploy/ runs it: the phases differ only in workers.
    started.append(Proc("dispatcher", [str(OVERTURE), "dispatcher"], env, home / "dispatcher.log"))
    for n in range(workers):
        no_dispatch = {"OVERTURE_WORKER_DISPATCH": "false"}
        worker = [str(OVERTURE), "worker"]
        started.append(Proc(f"worker{n}", worker, {**env, **no_dispatch}, home / f"worker{n}.log"))
    try:
        for process in started:
            process.start()
        wait_http(f"http://127.0.0.1:{wms_port}/_stats", started[0])
        wait_http(f"http://127.0.0.1:{erp_port}/_stats", started[1])
        wait_http(f"{api_url}/healthz", started[2])
        yield api_url
    finally:
        for process in reversed(started):
            process.stop()


def completion_times(store_url: str) -> list[datetime]:
    engine = make_engine(store_url, pool_size=1, max_overflow=0)
    e = order_events.c
    query = sa.select(sa.func.min(e.at)).where(e.to_status == "completed").group_by(e.order_id)
    with engine.connect() as c:
        found = sorted(c.execute(query).scalars())
    engine.dispose()
    return found


def wait_drained(store_url: str, placed: int) -> list[datetime]:
    """Wait until every order placed has completed, or none completed for STALL_S, or DRAIN_S passed."""
    deadline, last_change, seen = time.monotonic() + DRAIN_S, time.monotonic(), -1
    while True:
        times = completion_times(store_url)
        if len(times) != seen:
            seen, last_change = len(times), time.monotonic()
        now = time.monotonic()
        if len(times) >= placed or now > deadline or now - last_change > STALL_S:
            return times
        time.sleep(2.0)


async def _load(url: str, options: LoadOptions, on_start: Callable[[], None] | None) -> RunResult:
    async with client_for(url, None, options) as client:
        await seed_master_data(client, OrderMaker(MIX, run_id="seed"))
    if on_start is not None:
        on_start()
    return await run_load(url, None, MIX, options, seed=False)


@dataclass
class Baseline:
    """The bare-database twin, run in a process of its own during the second phase's sending."""

    url: str
    bundles: list[Bundle]
    rate: float
    pool: ProcessPoolExecutor
    running: Future[list[float]] | None = None

    def start(self) -> None:
        self.running = self.pool.submit(paced_inserts, self.url, self.bundles, self.rate, time.time())

    def latencies(self) -> list[float]:
        return [] if self.running is None else self.running.result()


def run_phase(
    store_url: str, workers: int, args: argparse.Namespace, *, stack: Stack, home: Path, twin: Baseline | None
) -> Phase:
    options = LoadOptions(rate=args.rate, duration_s=args.duration, concurrency=64, drain_s=0, poll_rate=1)
    with hub(store_url, workers, stack, home) as url:
        progress(f"{workers} worker(s): {args.rate:g} orders/s for {args.duration:g} s against {url}")
        if twin is not None:
            progress("with the bare-SQLAlchemy baseline inserting the same rows at the same rate beside it")
        result = asyncio.run(_load(url, options, twin.start if twin is not None else None))
        progress(f"sending done; waiting for the {len(result.placed):,} orders to complete")
        completions = wait_drained(store_url, len(result.placed))
    placed = sum(1 for s in result.samples if s.kind == "capture" and s.status == 201)
    check_placed(store_url, placed)
    if twin is not None:
        BASELINE_LATENCIES.extend(twin.latencies())
    return Phase(workers, result, completions, store_url, len(twin.bundles) if twin else 0)


def check_placed(store_url: str, placed: int) -> None:
    engine = make_engine(store_url, pool_size=1, max_overflow=0)
    with engine.connect() as c:
        stored = int(c.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one())
    engine.dispose()
    if stored != placed:
        raise BenchFailure(f"the load saw {placed} orders placed, the store holds {stored}")


BASELINE_LATENCIES: list[float] = []


def prepare_baseline(hub_url: str, baseline_url: str, result: RunResult) -> list[Bundle]:
    """The rows capture wrote for a sample of ``result``'s orders, and the baseline's schema holding
    the same stock positions (so its UPDATEs find their rows)."""
    upgrade(baseline_url)
    source = make_engine(hub_url, pool_size=1, max_overflow=0)
    target = make_engine(baseline_url, pool_size=1, max_overflow=0)
    bundles: list[Bundle] = load_bundles(source, sorted(result.placed)[:BASELINE_ORDERS])
    with source.connect() as c, target.begin() as t:
        for table in (locations, skus, inventory_positions):
            t.execute(sa.insert(table), [dict(row) for row in c.execute(sa.select(table)).mappings()])
    source.dispose()
    target.dispose()
    return bundles


def paced_inserts(baseline_url: str, bundles: list[Bundle], rate: float, start: float) -> list[float]:
    """In the baseline's own process: each order's rows inserted when due, ``rate`` a second from
    ``start`` (wall clock, shared with the parent); how late each order's transaction ended."""
    target = make_engine(baseline_url, pool_size=1, max_overflow=0)
    latencies = []
    for n, bundle in enumerate(bundles):
        due = start + n / rate
        time.sleep(max(0.0, due - time.time()))
        insert_bundles(target, [bundle])
        latencies.append(time.time() - due)
    target.dispose()
    return latencies


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:,.1f} ms"


def report(phases: Sequence[Phase]) -> None:
    one, two = phases
    baseline_orders = two.baseline_orders
    print()
    print("overture load, PostgreSQL, 1 API process, Temporal dev server, WMS/ERP simulators")
    for p in phases:
        placed = sum(1 for s in p.result.samples if s.kind == "capture" and s.status == 201)
        offered_rate = p.result.offered / p.result.send_window_s
        low, high = (int(share * 100) for share in STEADY)
        print(
            f"  {p.workers} worker(s): offered {p.result.offered:,} ({offered_rate:,.1f}/s),"
            f" placed {placed:,}, completed {len(p.completions):,}; {p.completed_rate:,.2f} orders/s completed"
            f" (between the {low}th and {high}th percentile completions);"
            f" capture p50 {_ms(p.capture(50))} p95 {_ms(p.capture(95))}"
        )
    ratio = two.completed_rate / one.completed_rate if one.completed_rate else float("nan")
    print(f"  completed/s, 2 workers / 1 worker: {ratio:.2f}x ({'up' if ratio > 1 else 'NOT up'}; 2 cores shared)")
    b50, b95 = nearest_rank(BASELINE_LATENCIES, 50), nearest_rank(BASELINE_LATENCIES, 95)
    print(
        f"  bare-database baseline ({baseline_orders} orders' rows, same rate, beside the 2-worker phase's sending):"
        f" p50 {_ms(b50)} p95 {_ms(b95)}"
    )
    for pct, base in ((50, b50), (95, b95)):
        mine = two.capture(pct)
        if mine is None or not base:
            continue
        verdict = "PASS" if mine <= TARGET_LATENCY_RATIO * base else "FAIL"
        print(
            f"  capture p{pct} under load (2 workers) {_ms(mine)} vs baseline {_ms(base)}: {mine / base:.2f}x"
            f" (target <= {TARGET_LATENCY_RATIO:g}x) {verdict}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rate", type=float, default=30.0, help="orders a second offered (above one worker)")
    parser.add_argument("--duration", type=float, default=45.0, help="seconds of sending per phase")
    args = parser.parse_args(argv)
    server, why = pg_server(
        os.environ.get("OVERTURE_BENCH_PG_URL") or os.environ.get("OVERTURE_TEST_PG_URL") or DEFAULT_PG
    )
    if server is None:
        print(f"skipped: {why}")
        return 0
    tag = uuid.uuid4().hex[:6]
    home = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        with pg_schemas(server, f"load_{tag}_1", f"load_{tag}_2", f"load_{tag}_base") as urls:
            code = _run(args, home, urls)
    except (BenchFailure, LaunchError) as failure:
        print(f"FAILED: {failure} (the processes' logs are in {home})")
        return 1
    shutil.rmtree(home, ignore_errors=True)
    return code


def _run(args: argparse.Namespace, home: Path, urls: list[str]) -> int:
    temporal = DevServer(DevServerOptions(db_file=home / "temporal.db"))
    temporal.start()
    stack = Stack(temporal.address, urls[2])
    # The baseline's process is started (and its imports done) before it is needed.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(time.sleep, 0).result()
        try:
            first = run_phase(urls[0], 1, args, stack=stack, home=home, twin=None)
            twin = Baseline(urls[2], prepare_baseline(urls[0], urls[2], first.result), args.rate, pool)
            phases = [first, run_phase(urls[1], 2, args, stack=stack, home=home, twin=twin)]
        finally:
            temporal.stop()
    report(phases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
