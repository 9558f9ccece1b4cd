"""``overture demo``: the whole hub on a fresh store, driven through its public API.

The hub runs in this process exactly as ``overture serve`` runs it (workflow engine, WMS and ERP
simulators, order worker, outbox dispatcher, shipment poller, API). Warehouses, catalogue and stock
are seeded with the bulk endpoints; concurrent clients place orders (with some unknown SKUs, scarce
stock, malformed bodies and idempotent replays) while an operator takes the ERP down and later
holds WMS shipments, then works the exception queue. Once every order has settled the summary
reads the store and the simulators' records.
"""

from __future__ import annotations

import contextlib
import queue
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy import Connection, func, select

from overture.bootstrap import Container
from overture.config import Settings, default_store_url
from overture.demo.data import WAREHOUSES, DemoData, PlannedRequest, build
from overture.demo.keys import DemoKeys, make_demo_keys
from overture.demo.loop import DemoError, DemoHub, checked, simulator_records
from overture.demo.marketplace_demo import run_marketplace
from overture.demo.operator import ACTOR, Operator, OperatorLog
from overture.demo.report import DemoSummary, ExceptionCounts, SimulatorCheck, print_summary
from overture.demo.store import DemoRefused, demo_settings, fresh_container
from overture.store.engine import READONLY
from overture.store.tables import decisions, inventory_positions, order_exceptions, orders

__all__ = ["DemoError", "DemoOptions", "DemoRefused", "DemoSummary", "run_demo"]

CHUNK = 5_000  # bulk endpoints take up to 20,000 entries; smaller chunks keep each transaction short
T = TypeVar("T")
K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class DemoOptions:
    # In one process on two cores the whole loop settles 6-10 orders/s (measured: 400 orders with the
    # outage in ~65 s while a benchmark shared the machine), so `make demo` stays well under two minutes.
    orders: int = 400
    skus: int = 10_000
    clients: int = 8
    port: int = 8000
    keep_serving: bool = True
    seed: int = 7
    settle_timeout_s: float = 90.0

    def __post_init__(self) -> None:
        for name in ("orders", "skus", "clients"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        if not 0 <= self.port <= 65_535:
            raise ValueError(f"port must be 0..65535, not {self.port}")
        if self.settle_timeout_s <= 0:
            raise ValueError(f"settle_timeout_s must be positive, not {self.settle_timeout_s}")


@dataclass(slots=True)
class _Tally:
    """What one client saw; merged once the clients are done, so no lock is needed."""

    statuses: Counter[int] = field(default_factory=Counter)
    replays_same_order: int = 0

    def merge(self, other: _Tally) -> None:
        self.statuses.update(other.statuses)
        self.replays_same_order += other.replays_same_order


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _seed(hub: DemoHub, data: DemoData) -> None:
    """Warehouses, catalogue and opening stock, through the same API any client would use (master data
    needs the admin key)."""
    with hub.client(timeout=300, admin=True) as client:
        for location_id, name, postal_code, priority in WAREHOUSES:
            body = {"id": location_id, "name": name, "postal_code": postal_code, "priority": priority}
            checked(client.post("/v1/locations", json=body))
        skus = [{"sku": i.sku, "description": i.description, "weight_kg": i.weight_kg} for i in data.catalogue]
        for chunk in _chunks(skus):
            checked(client.post("/v1/skus", json=list(chunk)))
        for entries in _chunks(data.receipts):
            checked(client.post("/v1/inventory/receipts", json={"entries": list(entries)}))


def _post(client: httpx.Client, request: PlannedRequest) -> httpx.Response | None:
    headers = {"Idempotency-Key": request.idempotency_key, "Content-Type": "application/json"}
    try:
        return client.post("/v1/orders", content=request.body, headers=headers)
    except httpx.HTTPError:
        return None  # counted as status 0: the summary shows it rather than the demo dying


def _client_loop(hub: DemoHub, work: queue.SimpleQueue[PlannedRequest], advance: Callable[[], None]) -> _Tally:
    tally = _Tally()
    with hub.client(timeout=120) as client:
        while True:
            try:
                request = work.get_nowait()
            except queue.Empty:
                return tally
            first = _post(client, request)
            tally.statuses[first.status_code if first else 0] += 1
            advance()
            if request.replay and first is not None and first.status_code == 201:
                # Same key, same body: the hub must answer 200 with the order it already made.
                again = _post(client, request)
                tally.statuses[again.status_code if again else 0] += 1
                if again is not None and again.status_code == 200 and again.json()["id"] == first.json()["id"]:
                    tally.replays_same_order += 1
                advance()


def _drain(work: queue.SimpleQueue[PlannedRequest]) -> None:
    with contextlib.suppress(queue.Empty):
        while True:
            work.get_nowait()


def _place(
    hub: DemoHub,
    plan: Sequence[PlannedRequest],
    clients: int,
    progress: Progress,
    on_answer: Callable[[int, int], None],
) -> tuple[_Tally, float]:
    """Post every planned request from ``clients`` threads; ``on_answer(done, total)`` after each answer."""
    work: queue.SimpleQueue[PlannedRequest] = queue.SimpleQueue()
    for request in plan:
        work.put(request)
    total = len(plan) + sum(r.replay for r in plan)
    task: TaskID = progress.add_task("Placing orders", total=total, status="")
    answered = Counter[str]()
    lock = threading.Lock()

    def advance() -> None:
        progress.advance(task)  # Progress guards its tasks with a lock
        with lock:
            answered["n"] += 1
            done = answered["n"]
        on_answer(done, total)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients, thread_name_prefix="demo-client") as pool:
        try:
            tallies = list(pool.map(lambda _: _client_loop(hub, work, advance), range(clients)))
        except KeyboardInterrupt:
            # Empty the queue so each client stops after its request in flight, rather than
            # leaving the pool to finish every remaining order before Ctrl-C takes effect.
            _drain(work)
            raise
    seconds = time.perf_counter() - started
    merged = _Tally()
    for tally in tallies:
        merged.merge(tally)
    return merged, seconds


# --------------------------------------------------------------------------- figures


def _mean_routing_km(connection: Connection) -> float | None:
    """Mean over routed orders of the mean distance to the location(s) chosen for each."""
    per_order = []
    for alternatives in connection.execute(
        select(decisions.c.alternatives).where(decisions.c.kind == "routing")
    ).scalars():
        chosen = [
            a["distance_km"] for a in alternatives if a.get("outcome") == "chosen" and a.get("distance_km") is not None
        ]
        if chosen:
            per_order.append(statistics.fmean(chosen))
    return statistics.fmean(per_order) if per_order else None


@dataclass(frozen=True, slots=True)
class _StoreFigures:
    by_status: dict[str, int]
    exceptions: dict[str, ExceptionCounts]
    resolutions: dict[str, int]
    units_reserved: int
    mean_routing_km: float | None
    completed: frozenset[str]


def _exception_counts(c: Connection) -> dict[str, ExceptionCounts]:
    x = order_exceptions.c
    counts: dict[str, Counter[str]] = {}
    for kind, status, n in c.execute(select(x.type, x.status, func.count()).group_by(x.type, x.status)):
        counts.setdefault(kind, Counter())[status] = n
    ranked = sorted(counts.items(), key=lambda kv: -kv[1].total())
    return {k: ExceptionCounts(c.total(), c["resolved"], c["open"]) for k, c in ranked}


def _store_figures(container: Container) -> _StoreFigures:
    # Read-only, so the summary never takes the SQLite write lock while the hub may still serve.
    with container.engine.connect().execution_options(**{READONLY: True}) as c:
        by_status = {s: n for s, n in c.execute(select(orders.c.status, func.count()).group_by(orders.c.status))}
        x = order_exceptions.c
        resolved = select(x.resolution, func.count()).where(x.status == "resolved").group_by(x.resolution)
        resolutions = {str(action): n for action, n in c.execute(resolved)}
        reserved = c.execute(select(func.coalesce(func.sum(inventory_positions.c.reserved), 0))).scalar_one()
        completed = frozenset(c.execute(select(orders.c.id).where(orders.c.status == "completed")).scalars())
        return _StoreFigures(
            by_status=dict(sorted(by_status.items(), key=lambda kv: -kv[1])),
            exceptions=_exception_counts(c),
            resolutions=dict(sorted(resolutions.items(), key=lambda kv: -kv[1])),
            units_reserved=int(reserved),
            mean_routing_km=_mean_routing_km(c),
            completed=completed,
        )


def _check_records(hub: DemoHub, completed: frozenset[str]) -> SimulatorCheck | None:
    records = simulator_records(hub)
    if records is None:
        return None
    releases, invoices = records
    released_orders = {order_id for order_id, _ in releases}
    return SimulatorCheck(
        releases=dict(releases),
        invoices=dict(invoices),
        one_release_each=all(n == 1 for n in releases.values()) and completed <= released_orders,
        one_invoice_each=dict(invoices) == dict.fromkeys(completed, 1),
    )


@dataclass(frozen=True, slots=True)
class _Run:
    tally: _Tally
    seconds: float
    loop_seconds: float
    settled: bool
    unsettled: int
    operator: OperatorLog


def _cli_options(settings: Settings) -> str:
    """What an `overture` command needs to be told to read the demo's store ("" when it reads it anyway)."""
    if settings.database_url:  # the command would read OVERTURE_DATABASE_URL instead
        return f" --database-url {default_store_url(settings.home)}"
    return "" if settings.home == Path(".overture") else f" --home {settings.home}"


def _summarise(hub: DemoHub, container: Container, data: DemoData, run: _Run, cli_options: str) -> DemoSummary:
    store = _store_figures(container)
    tally = run.tally
    placed = tally.statuses[201]
    return DemoSummary(
        url=hub.url,
        locations=len(WAREHOUSES),
        skus=len(data.catalogue),
        units_received=sum(r["quantity"] for r in data.receipts),
        responses=dict(sorted(tally.statuses.items())),
        placed=placed,
        replays=tally.statuses[200],
        replays_same_order=tally.replays_same_order,
        quarantined=tally.statuses[400] + tally.statuses[422],
        orders_by_status=store.by_status,
        exceptions=store.exceptions,
        resolutions=store.resolutions,
        units_reserved=store.units_reserved,
        mean_routing_km=store.mean_routing_km,
        seconds=run.seconds,
        orders_per_second=placed / run.seconds if run.seconds > 0 else 0.0,
        loop_seconds=run.loop_seconds,
        settled=run.settled,
        unsettled=run.unsettled,
        operator=run.operator,
        records=_check_records(hub, store.completed),
        engine_pid=hub.engine_pid,
        sample_order=min(store.completed, default=None),
        cli_options=cli_options,
    )


# --------------------------------------------------------------------------- printing

# --------------------------------------------------------------------------- running


def _serve_until_interrupted(hub: DemoHub, console: Console) -> None:
    console.print(f"Hub running at {hub.url}/ (dashboard) and {hub.url}/docs (Ctrl-C to stop)")
    _announce_key(hub.keys, hub.url, console)
    try:
        while hub.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        console.print("Stopping the hub...")


def _run_loop(hub: DemoHub, container: Container, data: DemoData, options: DemoOptions, console: Console) -> _Run:
    """Place the orders while the operator breaks and mends things, then wait for every order to settle."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[status]}"),
    )
    with Progress(*columns, console=console) as progress:
        operator = Operator(hub, container, options.orders, progress)
        try:
            started = time.perf_counter()
            tally, seconds = _place(hub, data.requests, options.clients, progress, operator.placed)
            settled, unsettled = operator.run(time.monotonic() + options.settle_timeout_s)
            loop_seconds = time.perf_counter() - started
        finally:
            operator.close()
    return _Run(tally, seconds, loop_seconds, settled, unsettled, operator.log)


def _announce_key(keys: DemoKeys, url: str, console: Console) -> None:
    if keys.admin is None:
        console.print("[yellow]Auth is off (OVERTURE_AUTH=off): no key needed on this demo hub[/]")
    else:
        console.print(f"Admin API key of this demo (sign in at {url}/signin, or send it as a Bearer token):")
        console.print(keys.admin, markup=False, highlight=False, soft_wrap=True)


def _announce_port(hub: DemoHub, options: DemoOptions, console: Console) -> None:
    if options.port == 0:
        console.print(f"Using free port {hub.port}")
    elif hub.requested_port_busy:
        console.print(f"[yellow]Port {options.port} is busy[/]; using free port {hub.port} instead")


def run_demo(settings: Settings, options: DemoOptions, *, console: Console | None = None) -> DemoSummary:
    """Run the whole demo and return its figures; keep the hub up afterwards if asked to.

    Whatever happens (Ctrl-C included), the API, worker, simulators and dev server are stopped on the way out.
    """
    console = console or Console()
    cli_options = _cli_options(settings)
    settings = demo_settings(settings)
    container = fresh_container(settings, console)
    try:
        # With auth required (the default) the demo makes its own keys on its localhost store.
        hub = DemoHub(settings, container, options.port, make_demo_keys(container, operator_name=ACTOR))
        interrupted = True
        try:
            _announce_port(hub, options, console)
            with console.status("Starting the hub: workflow engine, WMS/ERP simulators, worker and API..."):
                hub.start()
            _announce_key(hub.keys, hub.url, console)
            with console.status("Generating sample data and seeding the hub over HTTP..."):
                data = build(options.skus, options.orders, options.seed)
                _seed(hub, data)
            run = _run_loop(hub, container, data, options, console)
            summary = _summarise(hub, container, data, run, cli_options)
            run_marketplace(hub, console)  # sellers, split orders and payouts, once the main figures are read
            print_summary(summary, options.clients, console)
            if options.keep_serving:
                _serve_until_interrupted(hub, console)
            interrupted = False
        finally:
            # Cut short (Ctrl-C, an error), orders in flight would keep the worker busy for a minute
            # or more; the store and the engine's database are thrown away next run anyway.
            hub.stop(grace_s=3 if interrupted else 60)
    finally:
        container.close()
    return summary
