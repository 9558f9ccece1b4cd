"""Orchestration throughput: orders end to end through Overture, beside bare Temporal workflows of the same shape.

One run of the bench

1. starts one Temporal dev server (SQLite with WAL and synchronous=normal, as ``overture serve`` does),
   a fresh Overture store, the API (``overture api``) and the WMS and ERP simulators
   (``python -m overture.simulators``) as processes of their own on loopback, and seeds 10 US
   locations and a catalogue stocked at every one of them (so each order ships from one location)
   through the API;
2. **Overture**: runs the order worker, the outbox dispatcher and the shipment poller in this
   process (``overture.runtime.run_worker_side``, so the code ``overture worker`` runs), posts N
   3-line orders to ``POST /v1/orders`` from 4 concurrent HTTP clients in a process of their own,
   and times from the first POST until every order is ``completed`` in the store (a COUNT query
   every 0.2 s). Each order runs capture, the outbox, OrderWorkflow (ERP sales order, WMS release,
   the WMS ships 50 ms later and posts a webhook to the API, which records it and signals the
   workflow, ERP invoice, customer notice) and every store step in between;
3. **bare Temporal**: on the same dev server and with the same worker settings, N workflows of
   OrderWorkflow's shape for a one-location order (13 activities with trivial bodies and a wait for
   one signal, which comes 50 ms after the release as the WMS's webhook does, under a timer as
   OrderWorkflow's wait is), started concurrently (at most 400 in flight), timed from the first
   start until all have completed; twice: **bare**, the issue's baseline, with every activity of
   Temporal's default kind (regular activities), and the **twin**, with OrderWorkflow's kinds
   (9 local store steps, 4 regular outside calls): a stricter comparison, shown beside it;
4. prints the rates and their ratios; the CPU each of our processes spent per order, and from it
   the CPU ratios (bare's CPU per workflow over Overture's per order), which the rate ratio tends to
   when both sides are CPU-bound and which other processes on the machine hardly move; PASS/FAIL
   against >= 0.70 of bare (the rate ratio, or the CPU ratio when other processes kept more than
   0.2 of a core busy), with the twin's ratios beside it, and >= 50 orders/s, which, by
   DEVELOPERS.md, reads n/a where bare Temporal itself stays below it in the run; how the worker's
   SQLite write transactions waited; and a table of the worker settings tried against the twin
   (``--try`` runs your own instead);
5. checks that every order completed, with exactly one WMS release and one ERP sales order and
   invoice each, and that no stock position has more reserved than on hand.

It is a report: the exit code is 0 whatever the figures, and 1 only when a correctness check fails.

    .venv/bin/python benchmarks/bench_orchestration.py [--orders N] [--quick] [--try SPEC] [--profile DIR] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import importlib
import logging
import logging.config
import multiprocessing
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import aiohttp
import httpx
import orjson
import sqlalchemy as sa
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.runtime import LogForwardingConfig, LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.worker import Worker

from bench_common import LOCATIONS
from overture import runtime
from overture.bootstrap import Container, bootstrap
from overture.config import Settings
from overture.domain.access import Role
from overture.observability import logs
from overture.reference.zcta import ZctaGeocoder
from overture.services.access import create_key
from overture.store import tables as t
from overture.store.engine import READONLY
from overture.store.uow import SqlUnitOfWork
from overture.workflows.dev_server import DevServer, DevServerOptions
from overture.workflows.engine import connect_client
from overture.workflows.engine_host import free_port
from overture.workflows.order.holding import STORE_CALL
from overture.workflows.order.shared import StepPolicy
from overture.workflows.worker import DEFAULT_TUNING, PASSTHROUGH, WorkerTuning, worker_options

TARGET_RATE = 50.0
TARGET_RATIO = 0.70
CLIENTS = 4  # concurrent HTTP clients posting orders
SHIP_DELAY_S = 0.05  # the WMS simulator ships a release this long after it (and so the bare side signals)
IN_FLIGHT = 400  # bare workflows started and awaited at once (temporal-notes.md: more stalls the client)
POLL_S = 0.2
STALL_S = 90.0  # no order completing for this long fails the run
SKUS = 500
ON_HAND = 1_000_000
LINES_PER_ORDER = 3
WARM_UP = 30  # orders (and bare workflows) run before anything is timed
SEED = 20_240_601
HOST = "127.0.0.1"
NOISY = 0.2  # cores kept busy by other processes above which the rate ratio is flagged as unreliable
MACHINE = "machine"  # key of the whole machine's CPU in the per-process figures


class BenchFailure(Exception):
    """A correctness check failed, or a run did not finish: the figures would mean nothing."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise BenchFailure(message)


def progress(message: str) -> None:
    print(f"  .. {message}", flush=True)


# --------------------------------------------------------------------------------------------- worker settings


@dataclass(frozen=True, slots=True)
class Tuning:
    """One worker configuration, applied alike to Overture's worker and to the bare one."""

    label: str
    # What `overture worker` runs: Settings' sandbox choice, WorkerTuning's defaults for the rest.
    sandboxed: bool = Settings.model_fields["workflow_sandbox"].default
    max_cached_workflows: int = DEFAULT_TUNING.max_cached_workflows
    max_concurrent: int = Settings.model_fields["worker_concurrency"].default
    pollers: int = DEFAULT_TUNING.pollers
    max_local_activities: int | None = DEFAULT_TUNING.max_local_activities  # None: max_concurrent
    wms_poll_s: float = Settings.model_fields["wms_poll_interval_s"].default  # Overture only: 0 = webhooks only
    bare_store_local: bool = True  # bare side only: store steps as local activities, as OrderWorkflow runs them

    def worker(self) -> WorkerTuning:
        return WorkerTuning(
            sandboxed=self.sandboxed,
            max_cached_workflows=self.max_cached_workflows,
            max_concurrent=self.max_concurrent,
            pollers=self.pollers,
            max_local_activities=self.max_local_activities,
        )

    def describe(self) -> str:
        sandbox = "sandboxed, overture passed through" if self.sandboxed else "unsandboxed"
        local = self.max_local_activities or self.max_concurrent
        return (
            f"{sandbox}; {self.max_cached_workflows} cached workflows; {self.max_concurrent} concurrent workflow "
            f"tasks and activities, {local} local activities; {self.pollers} pollers; WMS polled every "
            f"{self.wms_poll_s:g}s"
        )


DEFAULT = Tuning("overture worker defaults")
TRIALS = (
    replace(DEFAULT, label="sandboxed", sandboxed=True),
    replace(DEFAULT, label="cache 50", max_cached_workflows=50),
    replace(DEFAULT, label="concurrency 50", max_concurrent=50),
    replace(DEFAULT, label="local activities 16", max_local_activities=16),
    replace(DEFAULT, label="webhooks only", wms_poll_s=0.0),
)
QUICK_TRIALS = TRIALS[:1]


def _flag(value: str) -> bool:
    return value.lower() in ("1", "yes", "true", "on")


_SPEC_KEYS: dict[str, tuple[str, Callable[[str], object]]] = {
    "sandboxed": ("sandboxed", _flag),
    "cache": ("max_cached_workflows", int),
    "concurrent": ("max_concurrent", int),
    "local": ("max_local_activities", int),
    "pollers": ("pollers", int),
    "wms-poll": ("wms_poll_s", float),
    "bare-store-local": ("bare_store_local", _flag),
}


def parse_tuning(spec: str) -> Tuning:
    """``local=8,sandboxed=1``: `overture worker`'s defaults with these changed (keys: those of ``_SPEC_KEYS``)."""
    changes: dict[str, Any] = {}
    for item in filter(None, spec.split(",")):
        key, _, value = item.partition("=")
        if key.strip() not in _SPEC_KEYS or not value:
            raise argparse.ArgumentTypeError(f"{item!r}: use key=value with key one of {', '.join(_SPEC_KEYS)}")
        field_name, convert = _SPEC_KEYS[key.strip()]
        changes[field_name] = convert(value.strip())
    return replace(DEFAULT, label=spec, **changes)


# --------------------------------------------------------------------------------------------- bare Temporal


@dataclass(frozen=True)
class BareInput:
    order_id: str
    store_local: bool = True
    policy: StepPolicy = field(default_factory=StepPolicy)


@activity.defn(name="bare_store")
def bare_store(step: str) -> str:
    """A store step: synchronous, on the activity thread pool, as Overture's store activities are."""
    return step


class BareOutside:
    """Calls to outside systems: coroutines, as Overture's connector activities are.

    The release also does what the WMS simulator and the API do for an Overture order: SHIP_DELAY_S
    after it, the workflow is signalled that the goods shipped. So the signal reaches a bare workflow
    when it reaches an Overture one (usually while it waits, which its ship-by timer guards), and
    the engine does the same work for both."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._signals: set[asyncio.Task[None]] = set()

    @activity.defn(name="bare_outside")
    async def call(self, step: str) -> str:
        if step == "wms_release":
            workflow_id = activity.info().workflow_id
            assert workflow_id is not None, "the bare side's activities run in its workflows"
            asyncio.get_running_loop().call_later(SHIP_DELAY_S, self._ship, workflow_id)
        return step

    def _ship(self, workflow_id: str) -> None:
        task = asyncio.create_task(self._signal(workflow_id))
        self._signals.add(task)
        task.add_done_callback(self._signals.discard)

    async def _signal(self, workflow_id: str) -> None:
        await self._client.get_workflow_handle(workflow_id).signal(BareOrderWorkflow.shipment_recorded)


@workflow.defn(name="BareOrderWorkflow")
class BareOrderWorkflow:
    """OrderWorkflow's activities for an order that ships from one location, with nothing inside them."""

    def __init__(self) -> None:
        self._pings = 0
        self._input = BareInput("")

    @workflow.signal
    def shipment_recorded(self) -> None:
        self._pings += 1

    @workflow.run
    async def run(self, request: BareInput) -> str:
        self._input = request
        await self._store("load_plan")
        await self._outside("erp_create_sales_order")
        await self._store("add_reference")
        await self._outside("wms_release")
        await self._store("add_reference")
        await self._store("advance")  # released
        await self._store("shipped_locations")
        while self._pings == 0:  # as OrderWorkflow waits: guarded by a timer (its ship-by time)
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._pings > 0, timeout=request.policy.recheck_interval_s)
        await self._store("advance")  # shipped
        await self._outside("erp_create_invoice")
        await self._store("add_reference")
        await self._store("advance")  # invoiced
        await self._outside("notify_customer")
        await self._store("advance")  # completed
        return request.order_id

    async def _store(self, step: str) -> str:
        if self._input.store_local:
            return await workflow.execute_local_activity(bare_store, step, **STORE_CALL)  # type: ignore[call-overload, no-any-return]
        return await workflow.execute_activity(bare_store, step, **STORE_CALL)  # type: ignore[call-overload, no-any-return]

    async def _outside(self, step: str) -> str:
        return await workflow.execute_activity_method(BareOutside.call, step, **self._input.policy.outside_call())


BARE_LOCAL_ACTIVITIES = 9
BARE_REGULAR_ACTIVITIES = 4


# --------------------------------------------------------------------------------------------- processes


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) so far, from /proc; 0 where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time every process on the machine has used so far (all cores, not idle or waiting on I/O)."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except OSError:
        return 0.0
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


class Service:
    """A process of ours (API or simulator), with its output in a log file, stopped at the end."""

    def __init__(self, name: str, argv: Sequence[str], *, url: str, health: str, log_dir: Path, env: dict[str, str]):
        self.name = name
        self.argv = list(argv)
        self.url = url
        self._health = health
        self._log_path = log_dir / f"{name}.log"
        self._env = env
        self._log: IO[bytes] | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout_s: float = 60) -> None:
        self._log = self._log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, env=self._env
        )
        deadline = time.monotonic() + timeout_s
        while True:
            if self.process.poll() is not None:
                raise BenchFailure(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + self._health, timeout=2).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise BenchFailure(f"{self.name} did not answer within {timeout_s:g}s:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self._log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


@dataclass(frozen=True, slots=True)
class BenchKeys:
    """API keys: ``admin`` seeds locations, catalogue and stock; ``web`` is the channel key orders come with."""

    admin: str
    web: str


@dataclass
class Stack:
    """Everything one bench run needs, started once and shared by every configuration."""

    home: Path
    server: DevServer
    container: Container
    client: Client
    api: Service
    wms: Service
    erp: Service
    posters: concurrent.futures.ProcessPoolExecutor
    keys: BenchKeys

    @property
    def endpoints(self) -> runtime.Endpoints:
        return runtime.Endpoints(self.wms.url, self.erp.url, self.erp.url, self.api.url)

    def pids(self, *, overture: bool) -> dict[str, int]:
        assert self.server.pid is not None
        pids = {"temporal server": self.server.pid, "worker (bench process)": os.getpid()}
        if overture:
            pids.update({"api": self.api.pid, "wms simulator": self.wms.pid, "erp simulator": self.erp.pid})
        return pids

    def cpu(self, *, overture: bool) -> dict[str, float]:
        """CPU seconds so far of each of our processes, and of the whole machine under ``MACHINE``."""
        spent = {name: cpu_seconds(pid) for name, pid in self.pids(overture=overture).items()}
        return {**spent, MACHINE: machine_busy_seconds()}


async def open_stack(home: Path, exits: contextlib.ExitStack) -> Stack:
    """Start the dev server, the store, the simulators and the API; ``exits`` stops them again."""
    server = DevServer(DevServerOptions(db_file=home / "temporal.db"))
    server.start()
    exits.callback(server.stop)
    url = f"sqlite:///{home / 'overture.db'}"
    container = bootstrap(Settings(home=home, database_url=url, auth="required"))  # migrates the fresh store
    exits.callback(container.close)
    # Access control stays on, as in production: every caller of the API brings its key.
    keys = BenchKeys(
        admin=create_key(container.uow, container.clock, role=Role.ADMIN, name="bench admin").token,
        web=create_key(container.uow, container.clock, role=Role.CHANNEL, channel="web").token,
    )
    wms_key = runtime.simulator_key(container)
    assert wms_key is not None
    env = {
        **os.environ,
        "OVERTURE_TEMPORAL_ADDRESS": server.address,
        "OVERTURE_DATABASE_URL": url,
        "OVERTURE_AUTH": "required",
        "OVERTURE_WMS_WEBHOOK_KEY": wms_key,
    }
    api_port, wms_port, erp_port = free_port(HOST), free_port(HOST), free_port(HOST)
    api_url = f"http://{HOST}:{api_port}"
    sim = [sys.executable, "-m", "overture.simulators"]
    quiet = ["--log-level", "warning"]
    bin_dir = Path(sys.executable).parent
    overture_cli = shutil.which("overture", path=str(bin_dir)) or str(bin_dir / "overture")
    erp = Service(
        "erp", [*sim, "erp", "--port", str(erp_port), *quiet],
        url=f"http://{HOST}:{erp_port}", health="/_stats", log_dir=home, env=env,
    )  # fmt: skip
    wms = Service(
        "wms", [*sim, "wms", "--port", str(wms_port), "--ship-delay", str(SHIP_DELAY_S), "--overture-url", api_url,
                *quiet],
        url=f"http://{HOST}:{wms_port}", health="/_stats", log_dir=home, env=env,
    )  # fmt: skip
    api = Service(
        "api", [overture_cli, "api", "--port", str(api_port), "--home", str(home)],
        url=api_url, health="/healthz", log_dir=home, env=env,
    )  # fmt: skip
    for service in (erp, wms, api):
        exits.callback(service.stop)
        service.start()
    client = await connect_client(server.address)
    posters = concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    exits.callback(posters.shutdown)
    return Stack(home, server, container, client, api, wms, erp, posters, keys)


# --------------------------------------------------------------------------------------------- seeding and orders


def seed(api_url: str, key: str) -> None:
    """Locations, catalogue and stock through the API: every SKU at every location, plenty of it."""
    skus = [f"SKU-{n:04d}" for n in range(SKUS)]
    with httpx.Client(base_url=api_url, timeout=120, headers=bearer(key)) as http:
        for code, name, zip_code, lat, lon in LOCATIONS:
            body = {"id": code, "name": name, "postal_code": zip_code, "latitude": lat, "longitude": lon}
            http.post("/v1/locations", json=body).raise_for_status()
        http.post("/v1/skus", json=[{"sku": s, "description": f"bench item {s}"} for s in skus]).raise_for_status()
        entries = [{"sku": s, "location_id": loc[0], "quantity": ON_HAND} for s in skus for loc in LOCATIONS]
        http.post("/v1/inventory/receipts", json={"entries": entries}).raise_for_status()


def make_orders(count: int, rng: random.Random, zips: Sequence[str]) -> list[tuple[str, bytes]]:
    """(Idempotency-Key, JSON body) of ``count`` 3-line orders to random real ZIP codes."""
    run = uuid.uuid4().hex[:8]
    orders = []
    for n in range(count):
        body = {
            "channel": "web",
            "external_id": f"BENCH-{run}-{n:06d}",
            "customer": {"reference": f"C-{rng.randrange(100_000):05d}", "name": "Ann Buyer", "email": "a@example.com"},
            "ship_to": {"name": "Ann Buyer", "line1": "1 Main St", "postal_code": rng.choice(zips), "country": "US"},
            "currency": "USD",
            "lines": [
                {"sku": f"SKU-{s:04d}", "quantity": rng.randint(1, 3), "unit_price": f"{rng.randint(100, 9_999) / 100}"}
                for s in rng.sample(range(SKUS), LINES_PER_ORDER)
            ],
        }
        orders.append((f"idem-{run}-{n:06d}", orjson.dumps(body)))
    return orders


@dataclass(frozen=True, slots=True)
class Posted:
    first_post: float  # time.monotonic() (system-wide on Linux, so comparable across processes)
    last_answer: float
    statuses: dict[int, int]
    order_ids: list[str]
    cpu_s: float


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def post_orders(api_url: str, key: str, orders: Sequence[tuple[str, bytes]], clients: int) -> Posted:
    """Runs in the poster process: ``clients`` concurrent connections POST the orders as fast as the
    API answers.

    aiohttp on one event loop, like a load generator: the storefronts' side of the wire should cost
    little, since its CPU is counted with Overture's (httpx's sync client in threads spent about
    2.3 ms an order here, a tenth of that is enough)."""
    return runtime.run_async(_post_orders(api_url, key, orders, clients))


async def _post_orders(api_url: str, key: str, orders: Sequence[tuple[str, bytes]], clients: int) -> Posted:
    cpu_before = sum(os.times()[:2])
    queue = list(reversed(orders))
    statuses: Counter[int] = Counter()
    ids: list[str] = []
    first: list[float] = []

    async def client(http: aiohttp.ClientSession) -> None:
        while queue:
            idempotency_key, body = queue.pop()
            if not first:
                first.append(time.monotonic())
            headers = {"Idempotency-Key": idempotency_key, "Content-Type": "application/json"}
            async with http.post("/v1/orders", data=body, headers=headers) as response:
                statuses[response.status] += 1
                if response.status == 201:
                    ids.append((await response.json())["id"])

    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(api_url, headers=bearer(key), timeout=timeout, connector=connector) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return Posted(first[0], time.monotonic(), dict(statuses), ids, sum(os.times()[:2]) - cpu_before)


def count_completed(container: Container) -> int:
    with container.engine.connect().execution_options(**{READONLY: True}) as c:
        query = sa.select(sa.func.count()).select_from(t.orders).where(t.orders.c.status == "completed")
        return int(c.scalar(query) or 0)


def statuses(container: Container) -> dict[str, int]:
    with container.engine.connect().execution_options(**{READONLY: True}) as c:
        rows = c.execute(sa.select(t.orders.c.status, sa.func.count()).group_by(t.orders.c.status))
        return {status: count for status, count in rows}


# --------------------------------------------------------------------------------------------- one measurement


@dataclass(frozen=True, slots=True)
class Measured:
    side: str  # "overture" | "bare"
    tuning: Tuning
    orders: int
    seconds: float
    cpu: dict[str, float]  # CPU seconds by process during the run
    post_seconds: float = 0.0
    lock_waits: list[float] = field(default_factory=list)  # the worker's store transactions (overture side)
    lock_holds: list[float] = field(default_factory=list)
    rounds: int = 1

    @property
    def rate(self) -> float:
        return self.orders / self.seconds

    @property
    def ours(self) -> dict[str, float]:
        return {name: seconds for name, seconds in self.cpu.items() if name != MACHINE}

    @property
    def others(self) -> float:
        """CPU seconds other processes on the machine used meanwhile (other work sharing the cores)."""
        return max(self.cpu.get(MACHINE, 0.0) - sum(self.ours.values()), 0.0)


def combine(runs: Sequence[Measured]) -> Measured:
    """Rounds of one side, as one measurement: orders, seconds and CPU added up."""
    cpu: Counter[str] = Counter()
    for run in runs:
        cpu.update(run.cpu)
    first = runs[0]
    return Measured(
        first.side,
        first.tuning,
        sum(r.orders for r in runs),
        sum(r.seconds for r in runs),
        dict(cpu),
        sum(r.post_seconds for r in runs),
        [w for r in runs for w in r.lock_waits],
        [h for r in runs for h in r.lock_holds],
        len(runs),
    )


def lock_summary(m: Measured) -> str:
    """The worker's SQLite write transactions: how many per order, lock wait and hold times."""
    if not m.lock_holds:
        return "no write transactions timed"
    waits, holds = sorted(m.lock_waits), sorted(m.lock_holds)

    def ms(values: list[float], q: float) -> str:
        return f"{1000 * values[min(int(q * len(values)), len(values) - 1)]:.0f}"

    return (
        f"{len(holds) / m.orders:.1f} per order; wait for the write lock mean {1000 * statistics.fmean(waits):.0f} ms "
        f"(p50 {ms(waits, 0.5)}, p95 {ms(waits, 0.95)}, max {ms(waits, 1.0)}); hold it mean "
        f"{1000 * statistics.fmean(holds):.1f} ms (p95 {ms(holds, 0.95)}); held {sum(holds) / m.seconds:.0%} of the run"
    )


async def run_overture(
    stack: Stack, tuning: Tuning, orders: Sequence[tuple[str, bytes]], *, profile: Path | None = None
) -> Measured:
    """Post the orders through the API; time from the first POST until all are completed in the store."""
    task_queue = f"bench-overture-{uuid.uuid4().hex[:8]}"
    stop = asyncio.Event()
    before = await asyncio.to_thread(count_completed, stack.container)
    target = before + len(orders)
    worker = asyncio.create_task(
        runtime.run_worker_side(
            stack.container,
            stack.client,
            stack.endpoints,
            task_queue=task_queue,
            policy=StepPolicy(),
            stop=stop,
            tuning=tuning.worker(),
            poll_interval_s=tuning.wms_poll_s,
        )
    )
    try:
        await asyncio.sleep(1.0)  # the worker validates its workflow and starts polling
        spied = {"worker": os.getpid(), "api": stack.api.pid}
        with py_spy(spied, profile), WriteLockTimer(stack.container.engine).attached() as locks:
            cpu_before = stack.cpu(overture=True)
            submitted = stack.posters.submit(post_orders, stack.api.url, stack.keys.web, orders, CLIENTS)
            posting = asyncio.wrap_future(submitted)
            await wait_completed(stack, target, posting, worker)
            finished = time.monotonic()
            cpu_after = stack.cpu(overture=True)
        posted = await posting
    finally:
        stop.set()
        await worker
    cpu = {name: cpu_after[name] - cpu_before[name] for name in cpu_before}
    cpu["http clients"] = posted.cpu_s
    seconds = finished - posted.first_post
    post_seconds = posted.last_answer - posted.first_post
    return Measured("overture", tuning, len(orders), seconds, cpu, post_seconds, locks.waits, locks.holds)


async def wait_completed(
    stack: Stack, target: int, posting: asyncio.Future[Posted], worker: asyncio.Task[None]
) -> None:
    """Until ``target`` orders are completed in the store; fail if the worker or a POST fails, or all stalls."""
    done = last_count = await asyncio.to_thread(count_completed, stack.container)
    last_change = time.monotonic()
    while done < target:
        await asyncio.sleep(POLL_S)
        if worker.done():
            worker.result()
            raise BenchFailure("the worker stopped during the run")
        if posting.done() and set(posting.result().statuses) != {201}:
            raise BenchFailure(f"POST /v1/orders answered {posting.result().statuses}")
        done = await asyncio.to_thread(count_completed, stack.container)
        now = time.monotonic()
        if done != last_count:
            last_count, last_change = done, now
        elif now - last_change > STALL_S:
            raise BenchFailure(f"no order completed for {STALL_S:g}s: {statuses(stack.container)}")


async def run_bare(stack: Stack, tuning: Tuning, count: int, *, profile: Path | None = None) -> Measured:
    """Start ``count`` bare workflows at once (400 in flight), signal each, wait for all to complete."""
    client, task_queue = stack.client, f"bench-bare-{uuid.uuid4().hex[:8]}"
    module = BareOrderWorkflow.__module__
    options = worker_options(tuning.worker(), passthrough=(*PASSTHROUGH, module))
    in_flight = asyncio.Semaphore(IN_FLIGHT)

    async def one(n: int) -> None:
        async with in_flight:
            handle = await client.start_workflow(
                BareOrderWorkflow.run,
                BareInput(f"bare-{n}", store_local=tuning.bare_store_local),
                id=f"{task_queue}-{n}",
                task_queue=task_queue,
            )
            await handle.result()

    with ThreadPoolExecutor(max_workers=tuning.max_concurrent, thread_name_prefix="bare-activity") as executor:
        async with Worker(
            client,
            task_queue=task_queue,
            workflows=[BareOrderWorkflow],
            activities=[bare_store, BareOutside(client).call],
            activity_executor=executor,
            **options,
        ):
            await asyncio.sleep(1.0)
            with py_spy({"worker": os.getpid()}, profile):
                cpu_before = stack.cpu(overture=False)
                started = time.monotonic()
                await asyncio.gather(*(one(n) for n in range(count)))
                seconds = time.monotonic() - started
                cpu_after = stack.cpu(overture=False)
    return Measured("bare", tuning, count, seconds, {name: cpu_after[name] - cpu_before[name] for name in cpu_before})


# --------------------------------------------------------------------------------------------- checks


def verify(stack: Stack, expected: int) -> dict[str, int]:
    """Every order completed, one release/sales order/invoice each, nothing oversold."""
    by_status = statuses(stack.container)
    check(by_status == {"completed": expected}, f"expected {expected} orders, all completed: {by_status}")
    wms = httpx.get(f"{stack.wms.url}/_records", timeout=60).json()
    erp = httpx.get(f"{stack.erp.url}/_records", timeout=60).json()
    releases = Counter((r["order_id"], r["location_id"]) for r in wms["releases"])
    check(len(releases) == expected, f"{len(releases)} (order, location) releases for {expected} orders")
    doubled = [key for key, n in releases.items() if n != 1]
    check(not doubled, f"{len(doubled)} (order, location) pairs released more than once, e.g. {doubled[:3]}")
    per_order = Counter(order_id for order_id, _ in releases)
    check(max(per_order.values()) == 1, "an order shipped from more than one location: the shape assumed one")
    for kind in ("sales_orders", "invoices"):
        counted = Counter(record["order_id"] for record in erp[kind])
        check(len(counted) == expected and set(counted.values()) == {1}, f"ERP {kind}: not exactly one per order")
    notices = Counter(n["order_id"] for n in wms["notices"])
    check(len(notices) == expected, f"{len(notices)} orders shipped by the WMS, expected {expected}")
    p = t.inventory_positions
    with stack.container.engine.connect() as c:
        oversold = c.scalar(sa.select(sa.func.count()).select_from(p).where(p.c.reserved > p.c.on_hand))
        check(oversold == 0, f"{oversold} inventory positions have reserved > on_hand")
    return {"releases": sum(releases.values()), "invoices": len(erp["invoices"]), "notices": len(wms["notices"])}


# --------------------------------------------------------------------------------------------- profiling


class CoreWarnings(logging.Handler):
    """Counts the Temporal core's warnings by code (``TMPRL1104``: a workflow task took over 5 s, which in
    OrderWorkflow means its local activities waited), instead of letting them flood the report."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        code = re.search(r"TMPRL\d+", message)
        self.counts[code.group(0) if code else message[:60]] += 1

    def install(self) -> None:
        logger = logging.getLogger("temporalio-core")
        logger.addHandler(self)
        logger.propagate = False
        forwarding = LogForwardingConfig(logger=logger)
        logs = LoggingConfig(filter=TelemetryFilter(core_level="WARN", other_level="ERROR"), forwarding=forwarding)
        Runtime.set_default(Runtime(telemetry=TelemetryConfig(logging=logs)), error_if_already_set=False)


@contextlib.contextmanager
def py_spy(targets: dict[str, int], directory: Path | None) -> Iterator[dict[str, Path]]:
    """Sample these processes with py-spy (if installed) while the block runs; yield the raw output files."""
    exe = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if directory is None or exe is None:
        if directory is not None:
            progress("py-spy is not installed (.venv/bin/pip install py-spy): no profile")
        yield {}
        return
    directory.mkdir(parents=True, exist_ok=True)
    outputs = {name: directory / f"{name.split()[0]}.txt" for name in targets}
    options = ["--format", "raw", "--rate", "200", "--nonblocking", "--full-filenames", "--gil"]
    spies = [
        subprocess.Popen(
            [exe, "record", "--pid", str(pid), "--output", str(outputs[name]), *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in targets.items()
    ]
    try:
        yield outputs
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)
        for spy in spies:
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(60)


def _frame_file(frame: str) -> str:
    return frame.rsplit(" (", 1)[-1].rsplit(":", 1)[0]


def _bucket(path: str) -> str:
    """Where a frame's code lives: a package, a standard library module, or an Overture subpackage."""
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/src/overture/" in path:
        return "overture." + path.split("/src/overture/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/lib/python3" in path:
        return "stdlib " + path.split("/lib/python3", 1)[1].split("/", 2)[1].removesuffix(".py")
    return Path(path).name


def summarise_profile(name: str, raw: Path, *, top: int = 10) -> None:
    """Self time by where the code lives, and inclusive time of Overture's own functions."""
    by_bucket: Counter[str] = Counter()
    overture: Counter[str] = Counter()
    total = 0
    with contextlib.suppress(OSError), raw.open() as lines:
        for line in lines:
            stack, _, count_text = line.rstrip().rpartition(" ")
            if not count_text.isdigit():
                continue
            count = int(count_text)
            frames = stack.split(";")
            total += count
            by_bucket[_bucket(_frame_file(frames[-1]))] += count
            for frame in dict.fromkeys(f for f in frames if "/src/overture/" in _frame_file(f)):
                function = frame.rsplit(" (", 1)[0]
                overture[f"{_bucket(_frame_file(frame))}.{function}"] += count
    if not total:
        print(f"\n{name}: no samples in {raw}")
        return
    print(f"\n{name}: {total} samples ({raw}); self time by where the code lives:")
    print("  " + ", ".join(f"{bucket} {100 * n / total:.0f}%" for bucket, n in by_bucket.most_common(top)))
    print("  inclusive time of Overture functions: ")
    print("  " + ", ".join(f"{fn} {100 * n / total:.0f}%" for fn, n in overture.most_common(top)))


class WriteLockTimer:
    """How long the worker's store transactions wait for SQLite's write lock, and how long they hold it.

    SQLite has one writer at a time across processes (``BEGIN IMMEDIATE`` takes the lock). Writers of one
    process queue on a lock first (overture.store.uow), then meet other processes' writers in SQLite's
    busy handler, which sleeps and retries. Timed from the unit of work's start (so the queue counts) to
    the end of the ``begin`` listener of overture.store.engine that issues ``BEGIN IMMEDIATE``, and from
    there to ``commit``/``rollback``.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._started: dict[int, float] = {}
        self._locked: dict[int, float] = {}
        self.waits: list[float] = []
        self.holds: list[float] = []

    def _entering(self, uow: SqlUnitOfWork) -> None:
        self._started[threading.get_ident()] = time.perf_counter()

    def _began(self, connection: sa.Connection) -> None:
        started = self._started.pop(threading.get_ident(), None)
        if started is not None and not connection.get_execution_options().get(READONLY, False):
            now = time.perf_counter()
            self.waits.append(now - started)
            self._locked[id(connection)] = now

    def _end(self, connection: sa.Connection) -> None:
        locked = self._locked.pop(id(connection), None)
        if locked is not None:
            self.holds.append(time.perf_counter() - locked)

    @contextlib.contextmanager
    def attached(self) -> Iterator[WriteLockTimer]:
        # The store's own "begin" listener (registered first, so it runs before ours) issues
        # BEGIN IMMEDIATE and waits there; the unit of work's start is seen by wrapping __enter__.
        hooks: list[tuple[str, Callable[..., None]]] = [
            ("begin", self._began),
            ("commit", self._end),
            ("rollback", self._end),
        ]
        for name, hook in hooks:
            sa.event.listen(self._engine, name, hook)
        enter = SqlUnitOfWork.__enter__

        def timed_enter(uow: SqlUnitOfWork) -> SqlUnitOfWork:
            self._entering(uow)
            return enter(uow)

        SqlUnitOfWork.__enter__ = timed_enter  # type: ignore[method-assign, assignment]
        try:
            yield self
        finally:
            SqlUnitOfWork.__enter__ = enter  # type: ignore[method-assign]
            for name, hook in hooks:
                sa.event.remove(self._engine, name, hook)


# --------------------------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class Pair:
    """Overture beside the bare twin (OrderWorkflow's activity kinds) and, in the main run, beside the
    plain bare workflow the issue names (as many activities, all of Temporal's default kind)."""

    overture: Measured
    bare: Measured
    plain: Measured | None = None

    def rate_against(self, base: Measured) -> float:
        return self.overture.rate / base.rate

    def cpu_against(self, base: Measured) -> float:
        """Bare CPU per workflow over Overture CPU per order (our processes only): immune to neighbours' load."""
        return cpu_per_order(base) / cpu_per_order(self.overture)

    @property
    def ratio(self) -> float:
        return self.rate_against(self.bare)

    @property
    def cpu_ratio(self) -> float:
        return self.cpu_against(self.bare)

    @property
    def baseline(self) -> Measured:
        """What the 0.70 target is judged against: the plain bare workflow when it ran, else the twin."""
        return self.plain or self.bare

    @property
    def baseline_name(self) -> str:
        return "bare" if self.plain is not None else "the twin"

    @property
    def sides(self) -> list[tuple[str, Measured]]:
        return [("overture", self.overture), ("twin", self.bare), *([("bare", self.plain)] if self.plain else [])]

    @property
    def others(self) -> float:
        """Cores other processes on the machine kept busy, over every side's timed runs."""
        runs = [m for _, m in self.sides]
        return sum(m.others for m in runs) / sum(m.seconds for m in runs)


def cpu_per_order(m: Measured) -> float:
    return sum(m.ours.values()) / m.orders


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def ratio_that_counts(pair: Pair) -> tuple[float, str]:
    """Against the baseline: the rate ratio on a machine we had to ourselves; the CPU ratio when other
    processes shared the cores."""
    if pair.others > NOISY:
        cpu = pair.cpu_against(pair.baseline)
        return cpu, f"CPU ratio {cpu:.2f}, as other processes kept {pair.others:.2f} cores busy"
    rate = pair.rate_against(pair.baseline)
    return rate, f"rate ratio {rate:.2f}"


def print_headline(pair: Pair) -> None:
    o, b, plain = pair.overture, pair.bare, pair.plain
    print()
    total = BARE_LOCAL_ACTIVITIES + BARE_REGULAR_ACTIVITIES
    print("Orders end to end through Overture (first POST /v1/orders until every order is `completed` in the store)")
    print(f"beside bare Temporal workflows of OrderWorkflow's shape ({total} activities and a signal, trivial bodies),")
    print(f"on the same dev server in the same run; {os.cpu_count()} CPU cores; {o.rounds} alternating rounds.")
    print("Worker settings on every side:")
    for part in o.tuning.describe().split("; "):
        print(f"  {part}")
    print()
    print(f"{'side':<12} {'orders':>7} {'seconds':>8} {'orders/s':>9}")
    print(f"{'overture':<12} {o.orders:>7} {o.seconds:>8.1f} {o.rate:>9.1f}   ", end="")
    print(f"(the POSTs took {o.post_seconds:.1f}s: {o.orders / o.post_seconds:.0f} orders/s captured over HTTP)")
    if plain is not None:
        print(f"{'bare':<12} {plain.orders:>7} {plain.seconds:>8.1f} {plain.rate:>9.1f}   ", end="")
        print(f"({total} activities of Temporal's default kind: the issue's baseline)")
    print(f"{'bare twin':<12} {b.orders:>7} {b.seconds:>8.1f} {b.rate:>9.1f}   ", end="")
    print(f"({BARE_LOCAL_ACTIVITIES} of them local, as OrderWorkflow's store steps are)")
    print()
    if plain is not None:
        print(f"against bare  rate ratio {pair.rate_against(plain):5.2f}   CPU ratio {pair.cpu_against(plain):5.2f}")
    print(f"against twin  rate ratio {pair.ratio:5.2f}   CPU ratio {pair.cpu_ratio:5.2f}")
    print("rate ratio = Overture orders/s over bare workflows/s; CPU ratio = bare's CPU per workflow over")
    print("Overture's per order, all our processes: where the rate ratio heads when both sides are CPU-bound,")
    print(f"and unmoved when other processes share the cores (they kept {pair.others:.2f} cores busy in this run).")
    print()
    counted, which = ratio_that_counts(pair)
    against = pair.baseline_name
    print(f"target >= {TARGET_RATIO:.2f}x bare: {_verdict(counted >= TARGET_RATIO)} ({which}, against {against})")
    if plain is not None:
        twin_ok = "also met" if pair.ratio >= TARGET_RATIO and pair.cpu_ratio >= TARGET_RATIO else "not met"
        twin = f"rate {pair.ratio:.2f}, CPU {pair.cpu_ratio:.2f}"
        print(f"    stricter, against the twin: {twin} ({twin_ok}; not the target)")
    base = pair.baseline
    if base.rate < TARGET_RATE:
        bare_rate = f"{base.rate:.1f}/s"
        print(f"target >= {TARGET_RATE:g} orders/s: n/a ({o.rate:.1f}/s): bare Temporal itself reaches {bare_rate}")
        print("                       here, so by DEVELOPERS.md the ratio is the target that counts")
    else:
        print(f"target >= {TARGET_RATE:g} orders/s: {_verdict(o.rate >= TARGET_RATE)} ({o.rate:.1f}/s)")


def print_verdict(pair: Pair) -> None:
    """One line: which target counts under the DEVELOPERS.md rule, and whether it is met."""
    counted, which = ratio_that_counts(pair)
    ok = counted >= TARGET_RATIO
    base = pair.baseline
    if base.rate < TARGET_RATE:
        counts = f"only the ratio counts, as bare Temporal reaches {base.rate:.1f}/s < {TARGET_RATE:g}/s"
    else:
        counts = "both targets count"
        ok = ok and pair.overture.rate >= TARGET_RATE
    rate = f"{pair.overture.rate:.1f} orders/s"
    print(f"\nVERDICT: {_verdict(ok)}: {rate}, {which} against {pair.baseline_name} (target {TARGET_RATIO:.2f});")
    print(f"         {counts}")
    if pair.plain is not None:
        twin = f"rate ratio {pair.ratio:.2f}, CPU ratio {pair.cpu_ratio:.2f}"
        print(f"         against the twin (same activity kinds): {twin}")


def print_cpu(pair: Pair) -> None:
    names, sides = zip(*pair.sides, strict=True)
    print()
    print("CPU per order (ms) by process during the timed runs; cores kept busy by ours and by other work:")
    print(f"{'process':<28}" + "".join(f" {name:>9}" for name in names))
    for name in pair.overture.ours:
        cells = [f"{1000 * m.cpu[name] / m.orders:>9.1f}" if name in m.cpu else f"{'-':>9}" for m in sides]
        print(f"{name:<28} " + " ".join(cells))
    print(f"{'total':<28} " + " ".join(f"{1000 * cpu_per_order(m):>9.1f}" for m in sides))
    print(f"{'busy cores, ours':<28} " + " ".join(f"{sum(m.ours.values()) / m.seconds:>9.2f}" for m in sides))
    others = [m.others / m.seconds for m in sides]
    print(f"{'busy cores, other processes':<28} " + " ".join(f"{x:>9.2f}" for x in others))
    if max(others) > NOISY:
        print("(other processes shared the cores during the run: rates are low and the rate ratio is noisy)")
    print(f"worker's SQLite write transactions: {lock_summary(pair.overture)}")


def print_trials(pairs: Sequence[Pair]) -> None:
    if not pairs:
        return
    print()
    print("Worker settings tried: the same settings on both sides, each row Overture then the twin in the same run.")
    print("cpu = ms of CPU per order over all our processes (noise-proof where rates are not); lock = p95 wait of the")
    print("worker's store transactions for SQLite's write lock; others = cores other processes on the machine kept")
    print("busy; conc = concurrent workflow tasks and activities; local = concurrent local activities; wms = how often")
    print("the shipment poller reads the WMS (0 = webhooks only).")
    header = (
        f"{'setting':<22} {'sandbox':>7} {'cache':>5} {'conc':>4} {'local':>5} {'pollers':>7} {'wms':>4} {'orders':>6} "
        f"{'overture/s':>10} {'twin/s':>7} {'ratio':>5}  {'cpu o/t':>9} {'lock':>6} {'others':>6}"
    )
    print(header)
    print("-" * len(header))
    for p in pairs:
        o, b, t = p.overture, p.bare, p.overture.tuning
        waits = sorted(o.lock_waits) or [0.0]
        lock = f"{1000 * waits[int(0.95 * (len(waits) - 1))]:.0f}ms"
        cpu = f"{1000 * sum(o.ours.values()) / o.orders:.0f}/{1000 * sum(b.ours.values()) / b.orders:.0f}"
        others = max(o.others / o.seconds, b.others / b.seconds)
        print(
            f"{t.label:<22} {'yes' if t.sandboxed else 'no':>7} {t.max_cached_workflows:>5} {t.max_concurrent:>4} "
            f"{t.max_local_activities or t.max_concurrent:>5} {t.pollers:>7} {t.wms_poll_s:>3g}s {o.orders:>6} "
            f"{o.rate:>10.1f} {b.rate:>7.1f} {p.ratio:>5.2f}  {cpu:>9} {lock:>6} {others:>6.2f}"
        )


def print_notes(checked: dict[str, int], phases: dict[str, float], warned: Counter[str]) -> None:
    print()
    print("overture = capture over HTTP (4 clients in their own process), outbox dispatcher, OrderWorkflow with its")
    print("           store steps as local activities, ERP/WMS/notice calls to the simulators over loopback, WMS")
    print("           shipment 50 ms after release -> webhook to the API -> recorded -> signal to the workflow")
    print("bare     = a workflow with as many activities (13, Temporal's default kind: regular activities), trivial")
    print("           bodies, signalled 50 ms after its release as the webhook signals OrderWorkflow, the wait under")
    print("           a timer as OrderWorkflow's is: the issue's baseline (\"a bare Temporal workflow with the same")
    print('           number of activities"), which the 0.70 target is judged against')
    print(
        "twin     = the same, with OrderWorkflow's activity kinds (its 9 store steps local): what Overture costs over"
    )
    print("           the engine running the very same workflow; stricter than the issue asks, shown beside it")
    print(f"checked  = every order completed; {checked['releases']} WMS releases, {checked['notices']} shipments,")
    print(f"           {checked['invoices']} ERP invoices: exactly one per order; no position with reserved > on hand")
    if warned:
        print("warnings : Temporal core, whole run: " + ", ".join(f"{code} x{n}" for code, n in warned.most_common()))
        if "TMPRL1104" in warned:
            print("           (TMPRL1104: a workflow task lasted over 5 s; OrderWorkflow's local activities waited)")
    print("time     : " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in phases.items()))
    print("kinds    : OrderWorkflow runs its store steps as local activities (a worker tuning the issue lists);")
    print("           the trials compare with the twin (--try bare-store-local=0: with the plain bare workflow)")


# --------------------------------------------------------------------------------------------- main


async def measure(
    stack: Stack,
    tuning: Tuning,
    count: int,
    rng: random.Random,
    zips: Sequence[str],
    *,
    rounds: int = 1,
    profile: Path | None = None,
    plain: bool = False,
) -> Pair:
    """Overture and the bare twin (and with ``plain`` the plain bare workflow) alternating in ``rounds``
    rounds, so a busy neighbour slows every side alike.

    With ``profile``, py-spy samples the first round of Overture and of the twin into that folder."""
    overture: list[Measured] = []
    bare: list[Measured] = []
    plains: list[Measured] = []
    for n in range(rounds):
        share = count // rounds + (1 if n < count % rounds else 0)
        spy = {side: profile / side if profile and n == 0 else None for side in ("overture", "bare")}
        overture.append(await run_overture(stack, tuning, make_orders(share, rng, zips), profile=spy["overture"]))
        bare.append(await run_bare(stack, tuning, share, profile=spy["bare"]))
        line = f"{tuning.label}: {share} orders, overture {overture[-1].rate:.1f}/s, twin {bare[-1].rate:.1f}/s"
        if plain:
            plains.append(await run_bare(stack, replace(tuning, bare_store_local=False), share))
            line += f", bare {plains[-1].rate:.1f}/s"
        progress(line)
    return Pair(combine(overture), combine(bare), combine(plains) if plains else None)


async def bench(home: Path, args: argparse.Namespace) -> int:
    core_warnings = CoreWarnings()
    core_warnings.install()
    # Evicting a workflow (the small-cache setting) whose local activity is running cancels it; the SDK
    # then warns for each one it no longer finds. Expected there, and noise in the report.
    warnings.filterwarnings("ignore", message="Cannot find activity to cancel", category=UserWarning)
    phases: dict[str, float] = {}
    rng, zips = random.Random(SEED), ZctaGeocoder().zip_codes()
    main_pair: Pair | None = None
    trials: list[Pair] = []
    with contextlib.ExitStack() as exits:
        try:
            started = time.monotonic()
            stack = await open_stack(home, exits)
            # The worker side logs as `overture worker` does (JSON lines at INFO), into a file of the run.
            logging.config.dictConfig(logs.logging_config(stream=exits.enter_context((home / "worker.log").open("a"))))
            seed(stack.api.url, stack.keys.admin)
            phases["start + seed"] = time.monotonic() - started
            progress(f"stack up at {stack.api.url} (Temporal {stack.server.address}); warming up with {WARM_UP} orders")
            started = time.monotonic()
            await run_overture(stack, DEFAULT, make_orders(WARM_UP, rng, zips))
            await run_bare(stack, DEFAULT, WARM_UP)
            await run_bare(stack, replace(DEFAULT, bare_store_local=False), WARM_UP)
            phases["warm-up"] = time.monotonic() - started
            started = time.monotonic()
            main_pair = await measure(
                stack, DEFAULT, args.orders, rng, zips, rounds=args.rounds, profile=args.profile, plain=True
            )
            phases["main run"] = time.monotonic() - started
            started = time.monotonic()
            for tuning in args.tries or (() if args.no_trials else QUICK_TRIALS if args.quick else TRIALS):
                trials.append(await measure(stack, tuning, args.trial_orders, rng, zips))
            phases["trials"] = time.monotonic() - started
            started = time.monotonic()
            checked = verify(stack, WARM_UP + args.orders + sum(p.overture.orders for p in trials))
            phases["verify"] = time.monotonic() - started
        except BenchFailure as failure:
            if main_pair is not None:
                print_headline(main_pair)
                print_trials([main_pair, *trials])
            print(f"\nBENCH CHECK FAILED: {failure}", file=sys.stderr)
            print(f"logs of the API, simulators and dev server: {home} (kept with --keep)", file=sys.stderr)
            return 1
    print_headline(main_pair)
    print_cpu(main_pair)
    print_trials([main_pair, *trials])
    print_notes(checked, phases, core_warnings.counts)
    if args.keep:
        print(f"kept     : {home} (databases, and the logs of the worker, API, simulators and dev server)")
    if args.profile is not None:
        for side, name in (("overture", "worker"), ("overture", "api"), ("bare", "worker")):
            summarise_profile(f"py-spy, {side} side, {name} process", args.profile / side / f"{name}.txt")
    print_verdict(main_pair)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    keys = ", ".join(_SPEC_KEYS)
    parser = argparse.ArgumentParser(description="Orders end to end through Overture beside bare Temporal.")
    parser.add_argument("--orders", type=int, default=600, help="orders (and bare workflows) in the main run")
    parser.add_argument("--trial-orders", type=int, default=None, help="orders per worker setting tried (default 120)")
    parser.add_argument("--quick", action="store_true", help="200 orders, 100 per setting, one setting tried")
    parser.add_argument("--rounds", type=int, default=3, help="alternations of the main run (default 3)")
    parser.add_argument(
        "--try",
        dest="tries",
        action="append",
        type=parse_tuning,
        metavar="SPEC",
        help=f"a worker setting to try instead of the built-in ones, e.g. local=8,sandboxed=0 ({keys})",
    )
    parser.add_argument("--no-trials", action="store_true", help="only the main run with `overture worker`'s defaults")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="py-spy the first round of the main run into DIR")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, databases)")
    args = parser.parse_args(argv)
    if args.quick and args.orders == parser.get_default("orders"):
        args.orders = 200
    if args.trial_orders is None:
        args.trial_orders = 100 if args.quick else 120
    home = Path(tempfile.mkdtemp(prefix="overture-bench-orch-"))
    try:
        return runtime.run_async(bench(home, args))  # the event loop `overture worker` runs
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    # Temporal's sandbox re-imports a workflow's module by name for each run and never passes
    # ``__main__`` through, so run the bench from its importable module: the bare workflow is then
    # passed through like OrderWorkflow's module is (build_worker passes ``overture`` through).
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(importlib.import_module("bench_orchestration").main())
